//! The operator's `stats` command: who finished, who is in the middle.

use std::path::Path;
use std::process::Command as Process;

use churn_audit_bot::domain::audit::{Answer, Command};
use churn_audit_bot::domain::checklist;
use churn_audit_bot::domain::lang::Lang;
use churn_audit_bot::service::Service;
use churn_audit_bot::storage::{Storage, UserInfo};

fn user(id: i64, name: &str, username: Option<&str>) -> UserInfo {
    UserInfo {
        id,
        first_name: name.to_string(),
        username: username.map(str::to_string),
    }
}

fn questions_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
}

/// Answers the current question of `user`'s open audit.
async fn answer(service: &Service, user: i64, answer: Answer) {
    let session = service.open(user).await.expect("db").expect("open audit");
    service
        .apply(
            user,
            session.record.id,
            session.record.revision,
            Command::Answer(answer),
        )
        .await
        .expect("applied");
}

#[tokio::test]
async fn stats_lists_finished_and_open_audits_without_a_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.expect("db");
    let service = Service::new(
        storage,
        checklist::load_dir(&questions_dir()).expect("checklists"),
    );
    let (anna, boris, vera) = (
        user(11, "Анна", Some("anna_cafe")),
        user(12, "Борис", None),
        user(13, "Вера", None),
    );
    service
        .start(&anna, Lang::Ru, 11, "churn_audit")
        .await
        .expect("start");
    for _ in 0..39 {
        answer(&service, 11, Answer::Yes).await;
    }
    service
        .start_from(&boris, Lang::Ru, 12, "churn_audit", Some("fb"))
        .await
        .expect("start");
    answer(&service, 12, Answer::Yes).await;
    answer(&service, 12, Answer::Yes).await;
    // Вера restarts: her first audit is abandoned and not listed.
    service
        .start(&vera, Lang::Ru, 13, "churn_audit")
        .await
        .expect("start");
    answer(&service, 13, Answer::Yes).await;
    service
        .start(&vera, Lang::Ru, 13, "churn_audit")
        .await
        .expect("restart");
    service.storage().close().await;

    let out = Process::new(env!("CARGO_BIN_EXE_churn-audit-bot"))
        .arg("stats")
        .env_remove("TELOXIDE_TOKEN")
        .env("DATABASE_URL", &url)
        .env("CHECKLISTS_DIR", questions_dir())
        .current_dir(dir.path())
        .output()
        .expect("runs");

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let finished = stdout.split("In progress").next().unwrap_or_default();
    assert!(finished.starts_with("Finished audits: 1\n"), "{stdout}");
    assert!(
        finished.contains("Анна @anna_cafe (id 11)") && finished.contains("score 100%"),
        "{stdout}"
    );
    assert!(stdout.contains("In progress: 2\n"), "{stdout}");
    assert!(
        stdout.contains("Борис (id 12)  churn_audit v1 from fb  2/39 answered"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Вера (id 13)  churn_audit v1  0/39 answered"),
        "{stdout}"
    );
}

#[tokio::test]
async fn an_unknown_command_line_argument_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Process::new(env!("CARGO_BIN_EXE_churn-audit-bot"))
        .arg("stat")
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unrecognized subcommand 'stat'"), "{err}");
    assert!(err.contains("'stats'"), "a hint at the right one: {err}");
}

#[tokio::test]
async fn help_lists_the_subcommands_and_every_variable_with_its_default() {
    let out = Process::new(env!("CARGO_BIN_EXE_churn-audit-bot"))
        .arg("--help")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["run", "stats", "export"] {
        assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
    }
    for (name, default, _) in churn_audit_bot::config::VARIABLES {
        assert!(help.contains(name), "{name}: {help}");
        assert!(
            help.contains(&format!("[default: {default}]")),
            "{name}: {help}"
        );
    }
    // Each variable the README documents is listed.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    for (name, _, _) in churn_audit_bot::config::VARIABLES {
        let first = name.split('<').next().unwrap_or(name);
        assert!(readme.contains(first), "README lacks {name}");
    }
}
