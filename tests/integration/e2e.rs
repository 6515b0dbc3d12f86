//! End-to-end tests: the built bot binary runs as a child process against the
//! fake Bot API server (`TELOXIDE_API_URL`) and a SQLite file in a temporary
//! folder (see `bot_process.rs`). The fake server's state lives in the test,
//! so it survives the bot being killed and started again.
//!
//! No test sleeps to win a race: every wait is on a notification of the fake
//! server (or, for process exits and log lines, a bounded poll).

use std::net::TcpListener;
use std::time::Duration;

use crate::bot_process::*;
use crate::fake_api::{FakeUser, FaultKind};

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_audit_survives_sigkill_and_resumes_at_the_right_question() {
    let qids = question_ids();
    let mut world = World::new("sigkill-resume").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    let mut bot = world.spawn();

    let mut card = world.start_audit().await;
    let mut model = Model::default();
    use Press::*;
    let presses = [Yes, No, High, Na, Skip, Yes, No, Low, Na, Medium, Yes];
    for (i, &press) in presses.iter().enumerate() {
        let query = press_on(&fake, &card, press);
        // The acknowledgement: the bot answers only after the commit.
        let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
        let ack = ack.unwrap_or_default();
        assert!(is_ack(&ack), "press {i} ({press:?}) answered {ack:?}");
        model.apply(press, &qids);
        if i + 1 < presses.len() {
            card = wait_card_edited(&fake, &card).await;
            assert_card_matches(&card, &model, &qids);
        }
    }
    let answered = model.cursor;
    assert_eq!(answered, 7);

    // Killed right after the last acknowledgement (the card edit may not
    // have happened yet).
    bot.sigkill();
    let old_card = card;
    let mut bot = world.spawn();
    let card = world.resume_via_start(answered).await;
    assert_card_matches(&card, &model, &qids);
    assert!(card
        .plain_text
        .contains(&format!("Вопрос {}/{TOTAL}", answered + 1)));
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    // Only one live card: the one from before the kill loses its buttons,
    // and a press on them (a client showing an old keyboard) changes nothing.
    fake.wait_for_bot_message(
        USER,
        |m| m.message_id == old_card.message_id && m.keyboard.is_empty(),
        WAIT,
    )
    .await
    .unwrap();
    let query = press_on(&fake, &old_card, Yes);
    let notice = fake.wait_callback_answered(&query, WAIT).await.unwrap();
    assert!(
        notice
            .as_deref()
            .unwrap_or_default()
            .contains("ничего не изменено"),
        "a press on the old card: {notice:?}"
    );
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    // The audit goes on after the restart.
    let mut card = card;
    for &press in &[No, Medium, Yes, Na, High] {
        let query = press_on(&fake, &card, press);
        let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
        assert!(
            is_ack(ack.as_deref().unwrap_or_default()),
            "{press:?}: {ack:?}"
        );
        model.apply(press, &qids);
        card = wait_card_edited(&fake, &card).await;
        assert_card_matches(&card, &model, &qids);
    }
    assert_eq!(model.cursor, 10);
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

/// Where, relative to a press, the bot gets killed.
#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// Right after the press is pushed.
    Immediately,
    /// Once the fake server handed the press out in a getUpdates answer.
    Delivered,
    /// Once the press was acknowledged (the card may not be edited yet).
    Acked,
    /// Once the card was edited.
    Edited,
    /// The same button pressed twice, then killed at once.
    DoubleTapImmediately,
    /// The same button pressed twice; killed once both presses were answered.
    DoubleTapAnswered,
}

#[tokio::test]
async fn sigkill_in_the_middle_of_presses_loses_nothing_acknowledged() {
    use KillAt::*;
    let qids = question_ids();
    let mut world = World::new("sigkill-mid-press").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Борис").language(Some("ru")));
    let mut bot = world.spawn();
    let mut card = world.start_audit().await;
    let mut model = Model::default();
    let rounds = [
        Immediately,
        Delivered,
        Acked,
        DoubleTapImmediately,
        Edited,
        Immediately,
        DoubleTapAnswered,
        Delivered,
        Acked,
        Immediately,
    ];
    let mut observations: Vec<String> = Vec::new();
    let mut applied_presses = 0;
    for (round, &kill_at) in rounds.iter().enumerate() {
        let press = match model.awaiting_priority(&qids) {
            Some(true) => [Press::High, Press::Low, Press::Medium][round % 3],
            Some(false) => [Press::Skip, Press::Medium][round % 2],
            None => [Press::No, Press::Na, Press::Yes][round % 3],
        };
        let update_mark = fake.request_count();
        let first = press_on(&fake, &card, press);
        let mut queries = vec![first.clone()];
        if matches!(kill_at, DoubleTapImmediately | DoubleTapAnswered) {
            queries.push(press_on(&fake, &card, press));
        }
        match kill_at {
            Immediately | DoubleTapImmediately => {}
            Delivered => {
                fake.wait_for(
                    |reqs| {
                        reqs[update_mark..].iter().any(|r| {
                            r.is("getUpdates")
                                && r.response["result"].as_array().is_some_and(|us| {
                                    us.iter().any(|u| {
                                        u["callback_query"]["id"].as_str() == Some(first.as_str())
                                    })
                                })
                        })
                    },
                    WAIT,
                )
                .await
                .unwrap();
            }
            Acked => {
                fake.wait_callback_answered(&first, WAIT).await.unwrap();
            }
            Edited => {
                wait_card_edited(&fake, &card).await;
            }
            DoubleTapAnswered => {
                for q in &queries {
                    fake.wait_callback_answered(q, WAIT).await.unwrap();
                }
            }
        }
        bot.sigkill();
        let acked_before_kill: Vec<bool> = queries
            .iter()
            .map(|q| callback_answer(&fake, q).is_some_and(|t| is_ack(&t)))
            .collect();

        bot = world.spawn();
        // Updates of one chat are handled in order: once the /continue card
        // is there, a re-delivered press has been handled too.
        card = world
            .send_text("/continue", |m| card_index(m).is_some())
            .await;
        let db = DbState::read(&world.db_path()).await;
        let answers_now: Vec<Option<String>> =
            queries.iter().map(|q| callback_answer(&fake, q)).collect();
        let acks = answers_now
            .iter()
            .filter(|a| a.as_deref().is_some_and(is_ack))
            .count();
        assert!(
            acks <= 1,
            "round {round}: a press acknowledged twice: {answers_now:?}"
        );

        let with = model.applied(press, &qids);
        let stored = db.answers();
        let applied = if stored == with.answers {
            true
        } else {
            assert!(
                !acked_before_kill.contains(&true),
                "round {round} ({kill_at:?}, {press:?}): the acknowledged press is not in the \
                 database.\nexpected: {:?}\nstored:   {stored:?}",
                with.answers
            );
            assert_eq!(
                stored, model.answers,
                "round {round} ({kill_at:?}, {press:?}): the database holds neither the state \
                 before nor the state after the press"
            );
            false
        };
        if acks == 1 {
            assert!(
                applied,
                "round {round}: acknowledged after the restart but not stored"
            );
        }
        if applied && acks == 0 {
            observations.push(format!(
                "round {round} ({kill_at:?}, {press:?}): stored but never acknowledged; \
                 answers: {answers_now:?}"
            ));
        }
        if !applied {
            observations.push(format!(
                "round {round} ({kill_at:?}, {press:?}): lost (never acknowledged)"
            ));
        }
        if applied {
            applied_presses += 1;
            model = with;
        }
        db.assert_holds(&model, &qids);
        // The card after /continue agrees with the database: question
        // (complete answers + 1), waiting for what the stored answer needs.
        assert_card_matches(&card, &model, &qids);
    }
    eprintln!(
        "sigkill rounds: {applied_presses} of {} presses applied; {observations:#?}",
        rounds.len()
    );

    // A last press on the final card works and is stored.
    let press = match model.awaiting_priority(&qids) {
        Some(_) => Press::Medium,
        None => Press::Yes,
    };
    let query = press_on(&fake, &card, press);
    let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
    assert!(is_ack(ack.as_deref().unwrap_or_default()), "{ack:?}");
    model.apply(press, &qids);
    let card = wait_card_edited(&fake, &card).await;
    assert_card_matches(&card, &model, &qids);
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

#[tokio::test]
async fn the_bot_exits_with_a_clear_message_without_a_token() {
    let mut world = World::new("no-token").await;
    assert!(
        !world.dir.path().join(".env").exists(),
        "no .env in the bot's folder"
    );

    let mut bot = world.spawn_with(|cmd| {
        cmd.env_remove("TELOXIDE_TOKEN");
    });
    let status = bot
        .wait_exit(WAIT)
        .await
        .expect("the bot exits without a token");
    assert!(!status.success(), "exit status without a token: {status}");
    let stderr = bot.stderr();
    assert!(
        stderr.contains("TELOXIDE_TOKEN") && stderr.contains("@BotFather"),
        "stderr should say what to set and where to get it:\n{stderr}"
    );

    for bad in ["not-a-token-Zq9xW7vKp", "987654:Sh0rtSecretZq9"] {
        let mut bot = world.spawn_with(|cmd| {
            cmd.env("TELOXIDE_TOKEN", bad);
        });
        let status = bot
            .wait_exit(WAIT)
            .await
            .expect("the bot exits with a malformed token");
        assert!(
            !status.success(),
            "exit status with token {bad:?}: {status}"
        );
        let stderr = bot.stderr();
        assert!(
            stderr.contains("TELOXIDE_TOKEN") && stderr.contains("@BotFather"),
            "stderr should explain the expected format:\n{stderr}"
        );
        let secret = bad.rsplit(':').next().unwrap_or(bad);
        assert!(
            !stderr.contains(bad) && !stderr.contains(secret),
            "stderr repeats the malformed token:\n{stderr}"
        );
    }
    assert_eq!(
        world.fake.request_count(),
        0,
        "the bot must not talk to the API without a valid token: {:?}",
        world.fake.requests()
    );
}

#[tokio::test]
async fn sigterm_stops_the_bot_cleanly() {
    let mut world = World::new("sigterm").await;
    let mut bot = world.spawn();
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    bot.stop_cleanly().await;
    let stderr = bot.stderr();
    assert!(stderr.contains("stopped"), "no «stopped» line:\n{stderr}");
    world.assert_token_not_logged();
}

/// SIGTERM during start-up (here while setMyCommands hangs) once met the
/// signal's default action: the process died by the signal instead of
/// exiting with 0.
#[tokio::test]
async fn sigterm_while_the_command_menu_is_being_set_exits_cleanly() {
    let mut world = World::new("sigterm-at-start").await;
    world.fake.fail_next(
        "setMyCommands",
        1,
        FaultKind::Delay(Duration::from_secs(15)),
    );
    let mut bot = world.spawn();
    // getMe answered: the bot is now waiting for setMyCommands.
    world
        .fake
        .wait_for_request("getMe", |r| r.is_ok(), WAIT)
        .await
        .unwrap();
    bot.wait_for_stderr("connected to Telegram", 1, WAIT).await;
    bot.stop_cleanly().await;
}

#[tokio::test]
async fn the_token_never_appears_in_the_logs() {
    let mut world = World::new("token-in-logs").await;

    // 1. The API is unreachable: a port that was free a moment ago.
    let closed_port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        listener.local_addr().expect("local addr").port()
    };
    let url = format!("http://127.0.0.1:{closed_port}/");
    let mut bot = world.spawn_with(|cmd| {
        cmd.env("TELOXIDE_API_URL", &url);
    });
    // Two failed attempts (after 0 s and 1 s), each with its network error logged.
    bot.wait_for_stderr("not reachable", 2, WAIT).await;
    bot.stop_cleanly().await;

    // 2. A session with every log level on (`trace`: sqlx, hyper, reqwest,
    //    teloxide), including a request the API refuses (403, the user
    //    blocked the bot), which the bot logs as a handler error.
    let fake = world.fake.clone();
    let mut bot = world.spawn_with(|cmd| {
        cmd.env("RUST_LOG", "trace");
    });
    let card = world.start_audit().await;
    let query = press_on(&fake, &card, Press::No);
    fake.wait_callback_answered(&query, WAIT).await.unwrap();
    let card = wait_card_edited(&fake, &card).await;
    fake.set_blocked(USER, true);
    fake.push_text(USER, USER, "/progress");
    fake.wait_for_request("sendMessage", |r| !r.is_ok(), WAIT)
        .await
        .unwrap();
    fake.set_blocked(USER, false);
    let query = press_on(&fake, &card, Press::High);
    fake.wait_callback_answered(&query, WAIT).await.unwrap();
    wait_card_edited(&fake, &card).await;
    bot.stop_cleanly().await;

    let logs = world.logs();
    assert!(
        logs.contains("token:redacted"),
        "expected the network error with the redacted URL in the logs:\n{logs}"
    );
    world.assert_token_not_logged();
    // Every request did carry the token, so it is the one that must stay hidden.
    assert!(fake.requests().iter().all(|r| r.token == token()));
}

#[tokio::test]
async fn set_my_commands_registers_the_menu() {
    let mut world = World::new("set-my-commands").await;
    let mut bot = world.spawn();
    world
        .fake
        .wait_for_request("setMyCommands", |r| r.is_ok(), WAIT)
        .await
        .unwrap();
    let commands = world
        .fake
        .my_commands(None)
        .expect("commands for the default scope");
    let names: Vec<&str> = commands.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "start",
            "continue",
            "progress",
            "summary",
            "history",
            "restart",
            "help",
            "delete_my_data"
        ]
    );
    for (command, description) in &commands {
        assert!(
            !description.trim().is_empty(),
            "/{command} has no description"
        );
    }
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}
