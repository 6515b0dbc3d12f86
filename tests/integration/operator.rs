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

/// Seeds `audits` finished audits of user `1..=audits`, every question
/// «Да» but the first («Нет» · Высокий, with a note), one plan item each,
/// straight into the database.
async fn seed_finished(url: &str, audits: i64) {
    use sqlx::Connection;
    let storage = Storage::connect(url).await.expect("db");
    storage.close().await;
    let ids: Vec<String> = checklist::load_dir(&questions_dir())
        .expect("checklists")
        .into_iter()
        .find(|c| c.id() == "churn_audit")
        .expect("churn")
        .original()
        .questions()
        .map(|(_, q)| q.id.clone())
        .collect();
    let mut db = sqlx::SqliteConnection::connect(url).await.expect("db");
    let mut tx = db.begin().await.expect("tx");
    for id in 1..=audits {
        sqlx::query("INSERT INTO users (id, first_name, username, language, created_at, updated_at) VALUES (?1, 'Клиент', NULL, 'ru', 0, 0)")
            .bind(id).execute(&mut *tx).await.expect("user");
        sqlx::query("INSERT INTO audits (id, user_id, chat_id, checklist_id, checklist_version, status, revision, started_at, updated_at, finished_at, source) VALUES (?1, ?1, ?1, 'churn_audit', 1, 'finished', 40, 1000, 2000, 2000, 'fb')")
            .bind(id).execute(&mut *tx).await.expect("audit");
        for (i, q) in ids.iter().enumerate() {
            let (answer, priority, note) = if i == 0 {
                ("no", Some("high"), Some("проверить поставщика"))
            } else {
                ("yes", None, None)
            };
            sqlx::query("INSERT INTO answers (audit_id, question_id, answer, priority, answered_at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .bind(id).bind(q).bind(answer).bind(priority).bind(1000 + i as i64).bind(note)
                .execute(&mut *tx).await.expect("answer");
        }
        sqlx::query("INSERT INTO plan_items (audit_id, position, source_kind, source_ref, zone, priority, solution, owner, deadline, done, updated_at) VALUES (?1, 1, 'zone', 'quality', 'Качество', 'high', 'Сверить обещания', 'Ольга', '2027-01-15', 0, 0)")
            .bind(id).execute(&mut *tx).await.expect("plan");
    }
    tx.commit().await.expect("commit");
}

fn export_with(url: &str, out: &Path) -> std::process::Output {
    Process::new(env!("CARGO_BIN_EXE_churn-audit-bot"))
        .args(["export", "--out"])
        .arg(out)
        .env("DATABASE_URL", url)
        .env("CHECKLISTS_DIR", questions_dir())
        .env("DEFAULT_LANGUAGE", "ru")
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .expect("runs")
}

#[tokio::test]
async fn export_writes_every_answer_and_plan_item_without_a_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    seed_finished(&url, 3).await;
    let out = dir.path().join("export");
    let run = export_with(&url, &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("117 answers, 3 plan items"), "{stdout}");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].starts_with("ответы-") && names[1].starts_with("планы-"),
        "{names:?}"
    );
    let answers = std::fs::read_to_string(out.join(&names[0])).expect("csv");
    let answers = answers.trim_start_matches('\u{feff}');
    let header: Vec<&str> = answers.lines().next().unwrap().split(';').collect();
    assert_eq!(
        header,
        [
            "Аудит",
            "ID пользователя",
            "Имя",
            "Username",
            "Чек-лист",
            "Версия",
            "Язык",
            "Источник",
            "Начат",
            "Завершён",
            "Статус",
            "ID вопроса",
            "Вопрос",
            "Ответ",
            "Приоритет",
            "Заметка"
        ]
    );
    assert_eq!(answers.lines().count(), 1 + 117);
    let rows: Vec<Vec<&str>> = answers
        .lines()
        .skip(1)
        .map(|l| l.split(';').collect())
        .collect();
    assert_eq!(rows.iter().filter(|r| r[13] == "Нет").count(), 3);
    let first = rows.iter().find(|r| r[13] == "Нет").expect("the «Нет» row");
    assert_eq!(
        (first[0], first[4], first[6], first[7], first[10], first[13], first[14], first[15]),
        (
            "1",
            "churn_audit",
            "ru",
            "fb",
            "завершён",
            "Нет",
            "Высокий",
            "проверить поставщика"
        )
    );
    assert!(!first[12].is_empty(), "the question's text");
}

/// Peak resident memory of a child process, read from /proc while it runs.
fn peak_rss_kib(mut child: std::process::Child) -> (u64, std::process::ExitStatus) {
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
            {
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            return (peak, status);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// The export's memory does not grow with the database: run with
/// `cargo test --release --test integration export_memory -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a benchmark: prints figures for README"]
async fn export_memory_benchmark() {
    let mut peaks = Vec::new();
    for audits in [100, 10_000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        seed_finished(&url, audits).await;
        let out = dir.path().join("export");
        let started = std::time::Instant::now();
        let child = Process::new(env!("CARGO_BIN_EXE_churn-audit-bot"))
            .args(["export", "--out"])
            .arg(&out)
            .env("DATABASE_URL", &url)
            .env("CHECKLISTS_DIR", questions_dir())
            .env("DEFAULT_LANGUAGE", "ru")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("runs");
        let (peak, status) = peak_rss_kib(child);
        assert!(status.success());
        let bytes: u64 = std::fs::read_dir(&out)
            .expect("out")
            .map(|e| e.expect("entry").metadata().expect("meta").len())
            .sum();
        let files = std::fs::read_dir(&out).expect("out").count();
        println!(
            "export of {audits} finished audits: {:.1} MB in {files} files, peak RSS {:.1} MB, {:.2} s",
            bytes as f64 / 1e6,
            peak as f64 / 1024.0,
            started.elapsed().as_secs_f64()
        );
        peaks.push(peak);
    }
    // Flat: 100 times the data, not the memory.
    assert!(peaks[1] < peaks[0] + 16 * 1024, "{peaks:?}");
}
