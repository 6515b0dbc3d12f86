//! End-to-end tests: the built bot binary runs as a child process against the
//! fake Bot API server (`TELOXIDE_API_URL`) and a SQLite file in a temporary
//! folder (see `bot_process.rs`). The fake server's state lives in the test,
//! so it survives the bot being killed and started again.
//!
//! No test sleeps to win a race: every wait is on a notification of the fake
//! server (or, for process exits and log lines, a bounded poll).

use std::time::Duration;

use crate::bot_process::*;
use crate::fake_api::{Attachment, FakeApi, FakeUser, FaultKind, StoredMessage};
use crate::reminders::press as press_label;

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
    DbState::read(world.db_url())
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
    DbState::read(world.db_url())
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
    DbState::read(world.db_url())
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
        let db = DbState::read(world.db_url()).await;
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
    DbState::read(world.db_url())
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
    let stderr = bot.wait_failed(WAIT, "without a token").await;
    assert!(
        stderr.contains("TELOXIDE_TOKEN") && stderr.contains("@BotFather"),
        "stderr should say what to set and where to get it:\n{stderr}"
    );

    for bad in ["not-a-token-Zq9xW7vKp", "987654:Sh0rtSecretZq9"] {
        let mut bot = world.spawn_with(|cmd| {
            cmd.env("TELOXIDE_TOKEN", bad);
        });
        let stderr = bot.wait_failed(WAIT, &format!("with token {bad:?}")).await;
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

/// Waits for the bot to exit ≠ 0, saying that Telegram refused its token
/// and where to get the current one; its stderr.
async fn exits_for_a_refused_token(bot: &mut BotProcess) -> String {
    let stderr = bot
        .wait_failed(WAIT, "when Telegram refuses its token")
        .await;
    assert!(
        stderr.contains("Telegram does not know TELOXIDE_TOKEN (401 Unauthorized)")
            && stderr.contains("@BotFather"),
        "{stderr}"
    );
    stderr
}

/// A well-formed token Telegram does not know (mistyped, or revoked in
/// @BotFather) is no outage to wait out: the start ends at once, saying
/// what to do, without the token.
#[tokio::test]
async fn a_token_telegram_refuses_ends_the_start_with_a_clear_message() {
    let mut world = World::new("revoked-token").await;
    world.fake.revoke_token(&token());
    let mut bot = world.spawn();
    let stderr = exits_for_a_refused_token(&mut bot).await;
    assert!(!stderr.contains("retrying"), "{stderr}");
    assert_eq!(world.fake.requests_for("getMe").len(), 1);
    assert!(world.fake.requests_for("getUpdates").is_empty());
    world.assert_token_not_logged();
}

/// A token revoked while the bot polls (rotated in @BotFather): every poll
/// after it would fail, so the bot stops, saying why, rather than poll in
/// vain looking alive.
#[tokio::test]
async fn a_token_revoked_while_polling_stops_the_bot_with_a_clear_message() {
    let mut world = World::new("revoked-while-polling").await;
    let mut bot = world.spawn();
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    world.fake.revoke_token(&token());
    exits_for_a_refused_token(&mut bot).await;
    assert!(
        world
            .fake
            .requests_for("getUpdates")
            .iter()
            .any(|r| r.status == 401),
        "stopped before a poll was refused"
    );
    world.assert_token_not_logged();
}

/// A Bot API URL where every connection is refused: a port held (bound,
/// so no other test can listen there) but not listening. The socket holds
/// it as long as it lives.
fn refused_api_url() -> (tokio::net::TcpSocket, String) {
    let held = tokio::net::TcpSocket::new_v4().expect("a socket");
    held.bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind a free port");
    let port = held.local_addr().expect("local addr").port();
    (held, format!("http://127.0.0.1:{port}/"))
}

/// The database opens while Telegram is first asked (the two go on side
/// by side at start): one that cannot be opened ends the start with its
/// reason at once, even while the Bot API does not answer (the bot keeps
/// retrying `getMe` when only the API is down).
#[tokio::test]
async fn a_database_that_cannot_be_opened_ends_the_start_while_the_api_is_unreachable() {
    let mut world = World::new("bad-database").await;
    let (_held, closed) = refused_api_url();
    // A file in a folder that does not exist: SQLite cannot create it.
    let missing = world.dir.path().join("no-such-folder").join("bot.db");
    let url = format!("sqlite://{}", missing.display());
    let mut bot = world.spawn_with(|cmd| {
        cmd.env("TELOXIDE_API_URL", &closed)
            .env("DATABASE_URL", &url);
    });
    let stderr = bot
        .wait_failed(WAIT, "when its database cannot be opened")
        .await;
    assert!(
        stderr.contains("opening the database"),
        "stderr should say the database could not be opened:\n{stderr}"
    );
    assert!(!missing.exists());
    world.assert_token_not_logged();
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

/// Before the first poll the bot asks Telegram who it is and whether a
/// webhook is set, side by side: one round trip over a real network, not
/// two. teloxide's dispatcher asks `getMe` again before it listens; that is
/// answered from memory.
#[tokio::test]
async fn the_start_asks_who_the_bot_is_once_beside_the_webhook_check() {
    let mut world = World::new("one-get-me").await;
    world
        .fake
        .add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    // getMe answered late: asked one after the other, getWebhookInfo would
    // come after it.
    world
        .fake
        .fail_next("getMe", 1, FaultKind::Delay(Duration::from_millis(300)));
    let mut bot = world.spawn();
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    world.fake.push_text(USER, USER, "/start");
    world
        .fake
        .wait_for_bot_message(USER, |_| true, WAIT)
        .await
        .unwrap();
    bot.stop_cleanly().await;
    // Recorded as they are answered.
    let before_polling: Vec<String> = world
        .fake
        .requests()
        .iter()
        .map(|r| r.method.clone())
        .take_while(|m| m != "getUpdates")
        .filter(|m| m == "getMe" || m == "getWebhookInfo")
        .collect();
    assert_eq!(before_polling, ["getWebhookInfo", "getMe"]);
    assert_eq!(world.fake.requests_for("getMe").len(), 1);
    assert!(world.fake.requests_for("deleteWebhook").is_empty());
}

/// Telegram refuses `getUpdates` while a webhook is set: long polling
/// removes one left set (by `set-webhook`, or an earlier deployment) and
/// then takes the updates.
#[tokio::test]
async fn long_polling_removes_a_webhook_left_set() {
    let mut world = World::new("webhook-left-set").await;
    world
        .fake
        .add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    world.fake.set_webhook("https://old.example.com/tg");
    let mut bot = world.spawn();
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    assert_eq!(world.fake.webhook_url(), None);
    world.fake.push_text(USER, USER, "/start");
    let greeting = world
        .fake
        .wait_for_bot_message(USER, |_| true, WAIT)
        .await
        .unwrap();
    assert!(greeting.plain_text.contains("Здравствуйте"), "{greeting:?}");
    bot.stop_cleanly().await;
    assert_eq!(world.fake.requests_for("deleteWebhook").len(), 1);
    let refused = world.fake.refused();
    assert!(refused.is_empty(), "{refused:#?}");
    let stderr = bot.stderr();
    assert!(stderr.contains("a webhook was set"), "{stderr}");
}

/// In webhook mode the bot changes nothing at Telegram (`set-webhook` is
/// run once a deployment), but says at start when no updates would come:
/// Telegram posts nowhere or elsewhere, or its last post failed.
#[tokio::test]
async fn webhook_mode_warns_at_start_when_telegram_would_not_post_to_it() {
    let mut world = World::new("webhook-check").await;
    const URL: &str = "https://bot.example.com/tg";
    let env = |cmd: &mut std::process::Command| {
        cmd.env("WEBHOOK_URL", URL)
            .env("WEBHOOK_LISTEN", "127.0.0.1:0")
            .env("WEBHOOK_SECRET", "check_secret-7");
    };
    async fn start_and_stop(
        world: &mut World,
        env: impl FnOnce(&mut std::process::Command),
    ) -> String {
        let mut bot = world.spawn_with(env);
        // Listening: the start's check is behind it.
        bot.webhook_port().await;
        bot.stop_cleanly().await;
        bot.stderr()
    }
    const RUN_SET_WEBHOOK: &str = "until `churn-audit-bot set-webhook` is run once";

    // set-webhook never run.
    let stderr = start_and_stop(&mut world, env).await;
    assert!(
        stderr
            .contains("Telegram has no webhook set: no updates will come to WEBHOOK_URL (https://bot.example.com/tg)")
            && stderr.contains(RUN_SET_WEBHOOK),
        "{stderr}"
    );

    // Another deployment's webhook.
    world.fake.set_webhook("https://old.example.com/hook");
    let stderr = start_and_stop(&mut world, env).await;
    assert!(
        stderr.contains("posts updates to https://old.example.com/hook, not to WEBHOOK_URL")
            && stderr.contains(RUN_SET_WEBHOOK),
        "{stderr}"
    );
    assert_eq!(
        world.fake.webhook_url().as_deref(),
        Some("https://old.example.com/hook"),
        "webhook mode changed the webhook"
    );

    // Ours, but Telegram could not post to it (2026-12-07 10:00 UTC).
    world.fake.set_webhook(URL);
    world
        .fake
        .fail_webhook_delivery(1_796_637_600, "SSL error: certificate verify failed");
    let stderr = start_and_stop(&mut world, env).await;
    assert!(
        stderr.contains(
            "last post to the webhook failed (2026-12-07 10:00 UTC): SSL error: certificate verify failed"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("set-webhook"), "{stderr}");

    // Ours, and working: nothing to say.
    world.fake.set_webhook(URL);
    let stderr = start_and_stop(&mut world, env).await;
    assert!(
        !stderr.contains("WEBHOOK_URL") && !stderr.contains("failed"),
        "{stderr}"
    );
    for method in ["setWebhook", "deleteWebhook", "getUpdates"] {
        assert!(
            world.fake.requests_for(method).is_empty(),
            "{method} was called"
        );
    }
    assert_eq!(world.fake.requests_for("getWebhookInfo").len(), 4);
    assert!(
        !world.logs().contains("check_secret-7"),
        "the secret was logged"
    );
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

    // 1. The API is unreachable.
    let (_held, url) = refused_api_url();
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
async fn the_menu_and_the_profile_are_set_in_every_language() {
    let mut world = World::new("set-my-commands").await;
    let mut bot = world.spawn();
    // The menus and descriptions are set at start, beside the first
    // getUpdates: each is waited for.
    for method in ["setMyCommands", "setMyDescription", "setMyShortDescription"] {
        for code in [
            None,
            Some("en"),
            Some("uk"),
            Some("ru"),
            Some("be"),
            Some("kk"),
        ] {
            world
                .fake
                .wait_for_request(method, |r| r.str_param("language_code") == code, WAIT)
                .await
                .unwrap_or_else(|e| panic!("{method} for {code:?}: {e:?}"));
        }
    }
    let menu = |code: Option<&str>| {
        world
            .fake
            .my_commands(code)
            .unwrap_or_else(|| panic!("no menu for {code:?}"))
    };
    let start_of = |code: Option<&str>| {
        menu(code)
            .into_iter()
            .find(|(c, _)| c == "start")
            .map(|(_, d)| d)
            .expect("/start in the menu")
    };
    // Telegram's language codes get their language's menu; the rest get
    // DEFAULT_LANGUAGE's, English unless set.
    for (code, expected) in [
        (None, "Start or continue the audit"),
        (Some("en"), "Start or continue the audit"),
        (Some("uk"), "Почати або продовжити аудит"),
        (Some("ru"), "Начать или продолжить аудит"),
        (Some("be"), "Начать или продолжить аудит"),
        (Some("kk"), "Начать или продолжить аудит"),
    ] {
        assert_eq!(start_of(code), expected, "{code:?}");
    }
    // The description and the short one, in each language.
    let profile = |method: &str, field: &str, code: Option<&str>| {
        world
            .fake
            .requests_for(method)
            .into_iter()
            .filter(|r| r.is_ok() && r.str_param("language_code") == code)
            .filter_map(|r| r.str_param(field).map(str::to_string))
            .next_back()
            .unwrap_or_else(|| panic!("no {method} for {code:?}"))
    };
    for (code, description, short) in [
        (None, "This bot audits your business", "Customer churn"),
        (Some("uk"), "Бот проводить аудит", "Аудит відтоку"),
        (Some("ru"), "Бот проводит аудит", "Аудит оттока"),
        (Some("kk"), "Бот проводит аудит", "Аудит оттока"),
    ] {
        let text = profile("setMyDescription", "description", code);
        assert!(text.starts_with(description), "{code:?}: {text}");
        let text = profile("setMyShortDescription", "short_description", code);
        assert!(text.starts_with(short), "{code:?}: {text}");
    }
    let commands = menu(Some("uk"));
    let names: Vec<&str> = commands.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "start",
            "continue",
            "progress",
            "summary",
            "plan",
            "report",
            "history",
            "restart",
            "help",
            "language",
            "settings",
            "delete_my_data"
        ]
    );
    for (command, description) in &commands {
        assert!(
            !description.trim().is_empty(),
            "/{command} has no description"
        );
    }
    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

// ---------------------------------------------------------------------------
// The plan and the report files over the binary
// ---------------------------------------------------------------------------

/// A day as the bot writes it.
fn day(date: chrono::NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// Waits for the CSV report the bot sends after message `after` (it comes
/// last, after the PDF).
async fn wait_for_csv(fake: &FakeApi, after: i32) -> StoredMessage {
    fake.wait_for_bot_message(
        USER,
        |m| {
            m.message_id > after
                && m.attachment.as_ref().is_some_and(|a| {
                    a.kind == "document"
                        && a.file_name.as_deref().is_some_and(|n| n.ends_with(".csv"))
                })
        },
        WAIT,
    )
    .await
    .unwrap()
}

/// The labels of a message's buttons, row by row.
fn rows(message: &StoredMessage) -> Vec<Vec<&str>> {
    message
        .keyboard
        .iter()
        .map(|row| row.iter().map(|(label, _)| label.as_str()).collect())
        .collect()
}

#[tokio::test]
async fn an_audit_and_its_plan_over_the_binary_end_with_a_pdf_and_a_csv() {
    let qids = question_ids();
    let mut world = World::new("plan-report").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    let mut bot = world.spawn();

    // The audit: «Нет» in three sections, «Да» everywhere else.
    let mut card = world.start_audit().await;
    let mut model = Model::default();
    let no = |i: usize| match i {
        0 => Some(Press::High),
        8 => Some(Press::Medium),
        21 => Some(Press::Low),
        _ => None,
    };
    let mut presses = Vec::new();
    for i in 0..TOTAL {
        match no(i) {
            Some(priority) => presses.extend([Press::No, priority]),
            None => presses.push(Press::Yes),
        }
    }
    // The files carry the (UTC) day the audit was finished.
    let mut finished_on = Vec::new();
    for (n, &press) in presses.iter().enumerate() {
        if n + 1 == presses.len() {
            finished_on.push(day(chrono::Utc::now().date_naive()));
        }
        let query = press_on(&fake, &card, press);
        let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
        let ack = ack.unwrap_or_default();
        model.apply(press, &qids);
        if n + 1 < presses.len() {
            assert!(is_ack(&ack), "press {n} ({press:?}) answered {ack:?}");
            card = wait_card_edited(&fake, &card).await;
            assert_card_matches(&card, &model, &qids);
        } else {
            assert_eq!(ack, "Аудит завершён! Отправляю итоги…");
        }
    }
    finished_on.push(day(chrono::Utc::now().date_naive()));

    // The summary and the chart, then the plan's first question.
    let owner_prompt = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id > card.message_id && m.plain_text.contains("Кто отвечает?"),
            WAIT,
        )
        .await
        .unwrap();
    let earlier: Vec<StoredMessage> = fake
        .bot_messages(USER)
        .into_iter()
        .filter(|m| m.message_id > card.message_id && m.message_id < owner_prompt.message_id)
        .collect();
    assert!(
        earlier
            .iter()
            .any(|m| m.plain_text.contains("Итоги аудита")),
        "no summary before the plan"
    );
    assert!(
        earlier
            .iter()
            .any(|m| m.attachment.as_ref().is_some_and(|a| a.kind == "photo")),
        "no chart before the plan"
    );
    assert!(
        owner_prompt.plain_text.contains("пункт 1 из 3"),
        "{}",
        owner_prompt.plain_text
    );
    assert_eq!(
        rows(&owner_prompt),
        [
            vec!["👤 Я", "Пропустить"],
            vec!["✏️ Своё решение"],
            vec!["⏹ Закончить план"],
        ]
    );

    // Item 1: the owner and the deadline typed.
    let today = chrono::Local::now().date_naive();
    let deadline = day(today
        .checked_add_months(chrono::Months::new(1))
        .expect("a month from today"));
    let deadline_prompt = world
        .send_text("Ольга", |m| {
            m.plain_text.contains("Срок?") && m.plain_text.contains("Ольга")
        })
        .await;
    assert!(
        deadline_prompt.plain_text.contains("пункт 1 из 3"),
        "{}",
        deadline_prompt.plain_text
    );
    let item_two = world
        .send_text(&deadline, |m| m.plain_text.contains("Кто отвечает?"))
        .await;
    assert!(
        item_two.plain_text.contains("пункт 2 из 3"),
        "{}",
        item_two.plain_text
    );

    // Item 2: skipped by presses; the prompt is edited in place.
    let notice = press_label(&fake, &item_two, "Пропустить").await;
    assert_eq!(notice.as_deref(), Some("Ответственный не назначен"));
    let item_two = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id == item_two.message_id && m.plain_text.contains("Срок?"),
            WAIT,
        )
        .await
        .unwrap();
    let notice = press_label(&fake, &item_two, "Без срока").await;
    assert_eq!(notice.as_deref(), Some("Без срока"));

    // Item 3: the plan is ended there.
    let item_three = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id == item_two.message_id && m.plain_text.contains("пункт 3 из 3"),
            WAIT,
        )
        .await
        .unwrap();
    let notice = press_label(&fake, &item_three, "⏹ Закончить план").await;
    assert_eq!(notice.as_deref(), Some("План сохранён"));

    // The plan as a message, then the PDF and the CSV.
    let is_document =
        |m: &StoredMessage| m.attachment.as_ref().is_some_and(|a| a.kind == "document");
    wait_for_csv(&fake, item_three.message_id).await;
    let after: Vec<StoredMessage> = fake
        .bot_messages(USER)
        .into_iter()
        .filter(|m| m.message_id > item_three.message_id)
        .collect();
    let plan = after
        .iter()
        .find(|m| m.plain_text.contains("План действий"))
        .unwrap_or_else(|| panic!("no plan message: {after:#?}"));
    assert!(plan.plain_text.contains("Ольга"), "{}", plan.plain_text);
    assert!(plan.plain_text.contains(&deadline), "{}", plan.plain_text);
    let documents: Vec<&Attachment> = after
        .iter()
        .filter(|m| is_document(m))
        .filter_map(|m| m.attachment.as_ref())
        .collect();
    let names: Vec<&str> = documents
        .iter()
        .map(|a| a.file_name.as_deref().unwrap_or_default())
        .collect();
    assert!(
        finished_on.iter().any(|finished| names
            == [
                format!("Отчёт об аудите {finished}.pdf"),
                format!("Отчёт об аудите {finished}.csv"),
            ]),
        "{names:?}, finished on {finished_on:?}"
    );
    // The uploads arrived byte for byte as the fake server stored them.
    let uploads = fake.requests_for("sendDocument");
    assert_eq!(uploads.len(), 2, "{uploads:#?}");
    for (upload, stored) in uploads.iter().zip(&documents) {
        let file = upload.file("document").expect("an uploaded document");
        assert_eq!(file.bytes, stored.bytes);
        assert_eq!(Some(file.file_name.as_str()), stored.file_name.as_deref());
    }

    // The PDF: a PDF, with the typed owner and deadline in its text.
    let pdf = &documents[0].bytes;
    assert!(pdf.starts_with(b"%PDF-"), "{:?}", &pdf[..pdf.len().min(16)]);
    let text = pdf_extract::extract_text_from_mem(pdf).expect("the PDF's text");
    assert!(text.contains("Ольга"), "no owner in the PDF:\n{text}");
    assert!(
        text.contains(&deadline),
        "no {deadline} in the PDF:\n{text}"
    );

    // The CSV: UTF-8 with a BOM, «;»-separated, every answer and the plan.
    let csv_bytes = &documents[1].bytes;
    let bom = "\u{feff}".as_bytes();
    assert!(csv_bytes.starts_with(bom), "{:?}", &csv_bytes[..8]);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&csv_bytes[bom.len()..]);
    let header = reader.headers().expect("a header row").clone();
    assert_eq!(header.len(), 13, "{header:?}");
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
    };
    let (kind, question_id, answer, owner, due) = (
        column("Тип строки"),
        column("ID вопроса"),
        column("Ответ"),
        column("Ответственный"),
        column("Срок"),
    );
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("CSV rows");
    let answers: Vec<&csv::StringRecord> = records.iter().filter(|r| &r[kind] == "Ответ").collect();
    let plan_rows: Vec<&csv::StringRecord> =
        records.iter().filter(|r| &r[kind] == "План").collect();
    assert_eq!(answers.len(), TOTAL);
    assert_eq!(answers.len() + plan_rows.len(), records.len());
    for (i, row) in answers.iter().enumerate() {
        assert_eq!(&row[question_id], qids[i].as_str());
        let expected = if no(i).is_some() { "Нет" } else { "Да" };
        assert_eq!(&row[answer], expected, "{row:?}");
    }
    assert_eq!(plan_rows.len(), 3, "{plan_rows:?}");
    assert_eq!(&plan_rows[0][owner], "Ольга");
    assert_eq!(&plan_rows[0][due], deadline.as_str());
    assert!(plan_rows[1..].iter().all(|r| &r[owner] != "Ольга"));

    // Nothing the bot asked of the API was refused.
    let refused: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| !r.is_ok() && !r.is("getUpdates"))
        .map(ToString::to_string)
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
    let db = DbState::read(world.db_url()).await;
    assert_eq!(db.answers(), model.answers);
    assert_eq!(db.audits[0].1, "finished");
    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

/// The relationship audit of seed 004 over the binary, in Ukrainian: a user
/// whose Telegram speaks German gets DEFAULT_LANGUAGE, follows the deep
/// link, answers all 30 questions, walks the plan, and the PDF and the CSV
/// read back in Ukrainian.
#[tokio::test]
async fn the_relationship_audit_from_a_deep_link_ends_with_a_ukrainian_pdf_and_csv() {
    let mut world = World::new("relationship-uk").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Оксана").language(Some("de")));
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
    let mut bot = world.spawn_with(|cmd| {
        cmd.env("CHECKLISTS_DIR", &shipped)
            .env("DEFAULT_LANGUAGE", "uk");
    });
    const QUESTIONS: usize = 30;
    let position = |m: &StoredMessage| {
        let rest = m.plain_text.split("Питання ").nth(1)?;
        let (index, total) = rest.split_once('/')?;
        let total: String = total.chars().take_while(char::is_ascii_digit).collect();
        (total == QUESTIONS.to_string())
            .then(|| index.parse::<usize>().ok())
            .flatten()
    };

    let mut card = world
        .send_text("/start relationship_audit", |m| {
            position(m) == Some(1) && !m.keyboard.is_empty()
        })
        .await;
    let greeting = fake
        .bot_messages(USER)
        .into_iter()
        .find(|m| m.plain_text.starts_with("👋 Вітаю, Оксана!"))
        .expect("the greeting in Ukrainian");
    assert!(
        greeting.plain_text.contains("Аудит відносин з клієнтами"),
        "{}",
        greeting.plain_text
    );
    assert!(
        card.plain_text.contains("Точки контакту на шляху клієнта"),
        "{}",
        card.plain_text
    );

    for i in 0..QUESTIONS {
        let presses: &[&str] = if i == 3 {
            &["❌ Ні", "🔴 Високий"]
        } else {
            &["✅ Так"]
        };
        for (n, label) in presses.iter().enumerate() {
            let notice = press_label(&fake, &card, label).await.unwrap_or_default();
            let last = i + 1 == QUESTIONS && n + 1 == presses.len();
            if last {
                assert_eq!(notice, "Аудит завершено! Надсилаю підсумки…");
            } else {
                assert!(notice.starts_with("Записано: "), "{notice}");
                card = wait_card_edited(&fake, &card).await;
            }
        }
    }

    let owner = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id > card.message_id && m.plain_text.contains("Хто відповідає?"),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        owner.plain_text.contains("Точки контакту на шляху клієнта"),
        "{}",
        owner.plain_text
    );
    press_label(&fake, &owner, "👤 Я").await;
    let deadline = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id == owner.message_id && m.plain_text.contains("Термін?"),
            WAIT,
        )
        .await
        .unwrap();
    let starred = rows(&deadline)
        .into_iter()
        .flatten()
        .find(|l| l.starts_with("⭐"))
        .map(str::to_string)
        .expect("a starred term");
    press_label(&fake, &deadline, &starred).await;
    let offer = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id == owner.message_id && m.plain_text.contains("Додати до плану"),
            WAIT,
        )
        .await
        .unwrap();
    press_label(&fake, &offer, "✅ Ні, план готовий").await;

    let csv_sent = wait_for_csv(&fake, offer.message_id).await;
    let documents: Vec<Attachment> = fake
        .bot_messages(USER)
        .into_iter()
        .filter_map(|m| m.attachment)
        .filter(|a| a.kind == "document")
        .collect();
    assert_eq!(documents.len(), 2, "{documents:?}");
    let name = documents[0].file_name.clone().unwrap_or_default();
    assert!(
        name.starts_with("Звіт про аудит ") && name.ends_with(".pdf"),
        "{name}"
    );
    let text = pdf_extract::extract_text_from_mem(&documents[0].bytes).expect("the PDF's text");
    for expected in [
        "Звіт про аудит",
        "Аудит відносин з клієнтами",
        "Бали за розділами",
        "Точки контакту на шляху клієнта",
        "План дій",
    ] {
        assert!(
            text.contains(expected),
            "no «{expected}» in the PDF:\n{text}"
        );
    }
    assert!(!text.contains("Отчёт"), "Russian in the PDF:\n{text}");
    let csv = String::from_utf8(documents[1].bytes.clone()).expect("UTF-8");
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.contains("Тип рядка") && header.contains("ID питання"),
        "{header}"
    );
    assert!(csv.contains("touchpoints.support_availability"), "{csv}");
    assert!(csv_sent.message_id > offer.message_id);

    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

#[tokio::test]
async fn an_owner_who_stops_is_reminded_twice_across_a_sigkill_and_finishes() {
    const REMINDER: &str = "ждёт вас";
    let qids = question_ids();
    let mut world = World::new("reminders").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    // The first delay must outlast the three presses below even on a busy
    // machine: counted from the last press, a shorter one fires between
    // presses (correctly: the owner paused), and says «0 из 39».
    let env = |cmd: &mut std::process::Command| {
        cmd.env("REMIND_UNFINISHED", "6s,9s").env("QUIET_HOURS", "");
    };
    let mut bot = world.spawn_with(env);

    // Three answers, then the owner stops.
    let mut card = world.start_audit().await;
    let mut model = Model::default();
    for _ in 0..3 {
        let query = press_on(&fake, &card, Press::Yes);
        fake.wait_callback_answered(&query, WAIT).await.unwrap();
        model.apply(Press::Yes, &qids);
        card = wait_card_edited(&fake, &card).await;
    }
    let first = fake
        .wait_until_messages(USER, REMINDER, 1, WAIT)
        .await
        .unwrap();
    assert!(
        first.plain_text.contains("Вы ответили на 3 из 39"),
        "{}",
        first.plain_text
    );

    // Killed between the two reminders; the second comes from the next run.
    bot.sigkill();
    let mut bot = world.spawn_with(env);
    let second = fake
        .wait_until_messages(USER, REMINDER, 2, WAIT)
        .await
        .unwrap();
    assert!(second.message_id > first.message_id);

    // «Продолжить» on the second brings the card back at question 4.
    let data = second
        .button_data("Продолжить")
        .expect("the continue button");
    let (_, query) = fake.push_callback(USER, USER, second.message_id, &data);
    let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
    assert_eq!(ack.as_deref(), Some("Продолжаем"));
    let mut card = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id > second.message_id && is_live_card(m, 4),
            WAIT,
        )
        .await
        .unwrap();
    for i in 3..TOTAL {
        let query = press_on(&fake, &card, Press::Yes);
        fake.wait_callback_answered(&query, WAIT).await.unwrap();
        if i + 1 < TOTAL {
            card = wait_card_edited(&fake, &card).await;
        }
    }
    fake.wait_for_bot_message(USER, |m| m.plain_text.contains("Итоги аудита"), WAIT)
        .await
        .unwrap();
    bot.stop_cleanly().await;

    // Exactly two reminders, and none left to come.
    let reminders = fake
        .bot_messages(USER)
        .into_iter()
        .filter(|m| m.plain_text.contains(REMINDER))
        .count();
    assert_eq!(reminders, 2);
    let db = crate::helpers::inspect(world.db_url()).await;
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reminders WHERE kind = 'unfinished' AND state = 'scheduled'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(left, 0);
    world.assert_token_not_logged();
}

/// Posts `body` to the bot's webhook on 127.0.0.1:`port`, with the secret
/// header if given; returns the HTTP status.
async fn post_update(port: u16, path: &str, secret: Option<&str>, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("the webhook port {port}: {e}"));
    let header = secret
        .map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{header}Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"))
}

fn command_update(update_id: u32, text: &str) -> String {
    serde_json::json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_590_000,
            "chat": {"id": USER, "type": "private", "first_name": "Анна"},
            "from": {"id": USER, "is_bot": false, "first_name": "Анна", "language_code": "ru"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": text.len()}]
        }
    })
    .to_string()
}

#[tokio::test]
async fn webhook_mode_refuses_forgeries_handles_a_repeat_once_and_keeps_the_webhook() {
    let mut world = World::new("webhook").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    const SECRET_TOKEN: &str = "hook_secret-42";
    let env = move |cmd: &mut std::process::Command| {
        cmd.env("WEBHOOK_URL", "https://bot.example.com/tg")
            .env("WEBHOOK_LISTEN", "127.0.0.1:0")
            .env("WEBHOOK_SECRET", SECRET_TOKEN);
    };
    let mut bot = world.spawn_with(env);
    let port = bot.webhook_port().await;

    // Forged: no secret, a wrong one. Refused, and never handled.
    let forged = command_update(900, "/help");
    assert_eq!(post_update(port, "/tg", None, &forged).await, 401);
    assert_eq!(post_update(port, "/tg", Some("guess"), &forged).await, 401);
    assert_eq!(
        post_update(port, "/tg", Some(SECRET_TOKEN), "not json").await,
        400
    );

    // The real one, delivered twice: answered 200 both times, handled once.
    let start = command_update(901, "/start");
    for _ in 0..2 {
        assert_eq!(
            post_update(port, "/tg", Some(SECRET_TOKEN), &start).await,
            200
        );
    }
    let progress = command_update(902, "/progress");
    assert_eq!(
        post_update(port, "/tg", Some(SECRET_TOKEN), &progress).await,
        200
    );
    // One chat's updates are handled in order: the /progress answer comes
    // after whatever the two /start posts produced.
    fake.wait_for(
        |requests| {
            requests
                .iter()
                .filter(|r| r.is("sendMessage") && r.i64_param("chat_id") == Some(USER))
                .count()
                >= 2
        },
        WAIT,
    )
    .await
    .unwrap();
    bot.stop_cleanly().await;
    let sent: Vec<String> = fake
        .bot_messages(USER)
        .into_iter()
        .map(|m| m.plain_text)
        .collect();
    assert_eq!(
        sent.len(),
        2,
        "one greeting, one /progress answer: {sent:#?}"
    );
    assert!(sent[0].contains("Здравствуйте"), "{sent:#?}");
    assert!(
        !sent.iter().any(|t| t.contains("Как проходит аудит")),
        "the forged /help: {sent:#?}"
    );
    for method in ["getUpdates", "deleteWebhook", "setWebhook"] {
        assert!(fake.requests_for(method).is_empty(), "{method} was called");
    }
    // Asked once at start; the dispatcher's own question is answered from
    // that.
    assert_eq!(fake.requests_for("getMe").len(), 1);
    world.assert_token_not_logged();
    assert!(
        !world.logs().contains(SECRET_TOKEN),
        "the secret was logged"
    );

    // `set-webhook` is the one place the webhook is set.
    let out = std::process::Command::new(BIN)
        .arg("set-webhook")
        .env("TELOXIDE_TOKEN", token())
        .env("TELOXIDE_API_URL", fake.url())
        .env("WEBHOOK_URL", "https://bot.example.com/tg")
        .env("WEBHOOK_SECRET", SECRET_TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = fake.requests_for("setWebhook");
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].str_param("url"), Some("https://bot.example.com/tg"));
    assert_eq!(set[0].str_param("secret_token"), Some(SECRET_TOKEN));
}

#[tokio::test]
async fn an_update_recorded_before_a_crash_is_handled_at_the_next_start() {
    let mut world = World::new("webhook-inbox").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    let env = move |cmd: &mut std::process::Command| {
        cmd.env("WEBHOOK_URL", "https://bot.example.com/tg")
            .env("WEBHOOK_LISTEN", "127.0.0.1:0")
            .env("WEBHOOK_SECRET", "hook_secret-42");
    };
    // A first run migrates the database; then the state a process leaves
    // when it dies after answering 200 and before handling: the update in
    // the inbox, not taken.
    let mut bot = world.spawn_with(env);
    let port = bot.webhook_port().await;
    assert_eq!(
        post_update(
            port,
            "/tg",
            Some("hook_secret-42"),
            &command_update(1, "/help")
        )
        .await,
        200
    );
    fake.wait_for_bot_message(USER, |m| m.plain_text.contains("Как проходит аудит"), WAIT)
        .await
        .unwrap();
    bot.sigkill();
    let db = crate::helpers::inspect(world.db_url()).await;
    sqlx::query("INSERT INTO inbox (update_id, body, received_at) VALUES (2, $1, 0)")
        .bind(command_update(2, "/start"))
        .execute(&db)
        .await
        .unwrap();
    db.close().await;

    let mut bot = world.spawn_with(env);
    fake.wait_for_bot_message(USER, |m| m.plain_text.contains("Здравствуйте"), WAIT)
        .await
        .unwrap();
    bot.stop_cleanly().await;
    let greetings = fake
        .bot_messages(USER)
        .into_iter()
        .filter(|m| m.plain_text.contains("Здравствуйте"))
        .count();
    assert_eq!(greetings, 1);
}
