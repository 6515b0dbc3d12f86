//! Two bot processes in webhook mode on one database, the way an operator
//! runs them behind a load balancer: one user's updates are posted to the
//! two alternately, double taps are split across them, the same update is
//! delivered to both, and one instance is SIGKILLed mid-audit and started
//! again while the other carries on. Runs on SQLite (two processes on one
//! file) and, with `TEST_BACKEND=postgres`, on PostgreSQL.

use crate::bot_process::*;
use crate::fake_api::{FakeApi, FakeUser, StoredMessage};

const SECRET_TOKEN: &str = "two_instances-7";
const PATH: &str = "/tg";
const NO_AUDIT: &str = "Сейчас нет начатого аудита";
const SUMMARY: &str = "Итоги аудита";

/// Webhook mode on a port the system picks (read back from the log by
/// [`BotProcess::webhook_port`]).
fn webhook_env(cmd: &mut std::process::Command) {
    cmd.env("WEBHOOK_URL", format!("https://bot.example.com{PATH}"))
        .env("WEBHOOK_LISTEN", "127.0.0.1:0")
        .env("WEBHOOK_SECRET", SECRET_TOKEN)
        .env("REMIND_UNFINISHED", "");
}

fn is_ack_or_finished(text: &str) -> bool {
    is_ack(text) || text.starts_with("Аудит завершён")
}

/// Posts `body` to the instance on `port`, as Telegram does; the HTTP
/// status (0: the instance is not there).
async fn post(port: u16, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return 0;
    };
    let request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET_TOKEN}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut answer = Vec::new();
    if stream.read_to_end(&mut answer).await.is_err() {
        return 0;
    }
    String::from_utf8_lossy(&answer)
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// The user writes `text`; it is posted to `port`; returns the first new
/// bot message matching `pred`.
async fn send_text(
    fake: &FakeApi,
    port: u16,
    text: &str,
    pred: impl Fn(&StoredMessage) -> bool,
) -> StoredMessage {
    let mark = fake.last_bot_message(USER).map_or(0, |m| m.message_id);
    let id = fake.push_text(USER, USER, text);
    assert_eq!(post(port, &fake.take_update(id)).await, 200, "{text}");
    fake.wait_for_bot_message(USER, |m| m.message_id > mark && pred(m), WAIT)
        .await
        .unwrap_or_else(|e| panic!("no answer to {text:?}: {e:?}"))
}

/// A press on `card`, pushed but not delivered: (update JSON, query id).
fn press(fake: &FakeApi, card: &StoredMessage, press: Press) -> (String, String) {
    let data = card
        .button_data(press.label())
        .unwrap_or_else(|| panic!("no «{}» on the card: {:?}", press.label(), card.keyboard));
    let (id, query) = fake.push_callback(USER, USER, card.message_id, &data);
    (fake.take_update(id), query)
}

/// Every successful answerCallbackQuery for `query`.
fn answers_to(fake: &FakeApi, query: &str) -> Vec<String> {
    fake.requests_for("answerCallbackQuery")
        .into_iter()
        .filter(|r| r.is_ok() && r.str_param("callback_query_id") == Some(query))
        .map(|r| r.str_param("text").unwrap_or_default().to_owned())
        .collect()
}

/// What the user answers to question `i` (from 0): a mix of every kind.
fn presses_for(i: usize) -> Vec<Press> {
    use Press::*;
    match i % 6 {
        1 => vec![No, High],
        3 => vec![Na, Skip],
        4 => vec![No, Low],
        _ => vec![Yes],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_audit_through_double_taps_repeats_and_a_sigkill() {
    let qids = question_ids();
    let mut world = World::new("two-instances").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    let bots_at_start = [world.spawn_with(webhook_env), world.spawn_with(webhook_env)];
    let mut ports = [
        bots_at_start[0].webhook_port().await,
        bots_at_start[1].webhook_port().await,
    ];
    let mut bots = bots_at_start.map(Some);

    // /start to the first, «Начать аудит» to the second.
    let greeting = send_text(&fake, ports[0], "/start", |m| {
        m.button_data("Начать аудит").is_some()
    })
    .await;
    let data = greeting.button_data("Начать аудит").expect("start button");
    let (id, query) = fake.push_callback(USER, USER, greeting.message_id, &data);
    assert_eq!(post(ports[1], &fake.take_update(id)).await, 200);
    fake.wait_callback_answered(&query, WAIT).await.unwrap();
    let mut card = fake
        .wait_for_bot_message(
            USER,
            |m| m.message_id > greeting.message_id && is_live_card(m, 1),
            WAIT,
        )
        .await
        .unwrap();

    let mut model = Model::default();
    let mut step = 0usize;
    let mut double_taps = 0usize;
    let mut repeats = 0usize;
    let mut killed_once = false;
    let mut down: Option<usize> = None;
    let mut presses_while_down = 0usize;
    let mut acked_queries: Vec<String> = Vec::new();

    while model.cursor < TOTAL {
        assert_card_matches(&card, &model, &qids);
        let todo = presses_for(model.cursor);
        let p = if model.awaiting_priority(&qids).is_some() {
            todo[1]
        } else {
            todo[0]
        };
        step += 1;
        // The load balancer: alternately, or the one that is up.
        let target = match down {
            Some(dead) => 1 - dead,
            None => step % 2,
        };

        if down.is_none() && !killed_once && model.cursor == TOTAL / 2 {
            // Killed right after it took a press: the press may or may not
            // have been handled. The other instance carries on.
            let victim = target;
            let (update, query) = press(&fake, &card, p);
            let status = post(ports[victim], &update).await;
            let mut bot = bots[victim].take().expect("the victim runs");
            bot.sigkill();
            killed_once = true;
            down = Some(victim);
            // The user, seeing no new card, asks the survivor for it.
            let survivor = 1 - victim;
            let reply = send_text(&fake, ports[survivor], "/continue", |m| {
                card_index(m).is_some() || m.plain_text.starts_with(NO_AUDIT)
            })
            .await;
            let acked = answers_to(&fake, &query)
                .first()
                .is_some_and(|a| is_ack_or_finished(a));
            let with = model.applied(p, &qids);
            let stored = DbState::read(world.db_url()).await.answers();
            if stored == with.answers {
                model = with;
            } else {
                assert!(
                    !acked,
                    "the acknowledged press (HTTP {status}) is not stored"
                );
                assert_eq!(stored, model.answers, "neither before nor after the press");
            }
            if acked {
                acked_queries.push(query);
            }
            card = reply;
            continue;
        }

        if let Some(dead) = down {
            presses_while_down += 1;
            if presses_while_down == 5 {
                // Back up: a new process, which the load balancer is told of.
                let bot = world.spawn_with(webhook_env);
                ports[dead] = bot.webhook_port().await;
                bots[dead] = Some(bot);
                down = None;
            }
        }

        let both_up = down.is_none();
        let (update, query) = press(&fake, &card, p);
        if both_up && p == Press::Yes && step.is_multiple_of(5) {
            // A double tap: the same button twice, one tap to each instance,
            // at the same moment. One is recorded; the other changes nothing.
            let (second, second_query) = press(&fake, &card, p);
            let (a, b) = tokio::join!(post(ports[0], &update), post(ports[1], &second));
            assert_eq!((a, b), (200, 200));
            let first = fake.wait_callback_answered(&query, WAIT).await.unwrap();
            let other = fake
                .wait_callback_answered(&second_query, WAIT)
                .await
                .unwrap();
            let acks = [&first, &other]
                .iter()
                .filter(|a| a.as_deref().is_some_and(is_ack_or_finished))
                .count();
            assert_eq!(acks, 1, "a double tap: {first:?} / {other:?}");
            acked_queries.push(if first.as_deref().is_some_and(is_ack_or_finished) {
                query
            } else {
                second_query
            });
            double_taps += 1;
        } else if both_up && step.is_multiple_of(7) {
            // Telegram delivers the same update to both (a retry that the
            // load balancer sent elsewhere): handled once.
            let (a, b) = tokio::join!(post(ports[0], &update), post(ports[1], &update));
            assert_eq!((a, b), (200, 200));
            let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
            assert!(ack.as_deref().is_some_and(is_ack_or_finished), "{ack:?}");
            acked_queries.push(query);
            repeats += 1;
        } else {
            assert_eq!(post(ports[target], &update).await, 200);
            let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
            assert!(
                ack.as_deref().is_some_and(is_ack_or_finished),
                "{p:?}: {ack:?}"
            );
            acked_queries.push(query);
        }
        model.apply(p, &qids);
        if model.cursor < TOTAL {
            card = wait_card_edited(&fake, &card).await;
        }
    }

    fake.wait_for_bot_message(USER, |m| m.plain_text.contains(SUMMARY), WAIT)
        .await
        .unwrap();
    for bot in bots.iter_mut().flatten() {
        bot.stop_cleanly().await;
    }

    assert!(killed_once);
    assert!(double_taps >= 2, "double taps: {double_taps}");
    assert!(repeats >= 2, "repeated updates: {repeats}");
    // Every acknowledged press was answered once, and is stored once.
    for query in &acked_queries {
        assert_eq!(answers_to(&fake, query).len(), 1, "query {query}");
    }
    let db = DbState::read(world.db_url()).await;
    assert_eq!(
        db.rows.len(),
        TOTAL,
        "a question stored twice: {:?}",
        db.rows
    );
    assert_eq!(db.answers(), model.answers);
    assert_eq!(db.audits.len(), 1);
    assert_eq!(db.audits[0].1, "finished");
    // One summary, though two processes could have sent it.
    let summaries = fake
        .bot_messages(USER)
        .into_iter()
        .filter(|m| m.plain_text.contains(SUMMARY))
        .count();
    assert_eq!(summaries, 1);
    for method in ["getUpdates", "deleteWebhook", "setWebhook"] {
        assert!(fake.requests_for(method).is_empty(), "{method} was called");
    }
    world.assert_token_not_logged();
}
