//! The operator's side, with the bot in this process against the fake Bot
//! API (see `reminders.rs` for the rig): admin commands only in admin
//! chats, scoped menus, finish notices and their report button, /stats
//! against figures computed here, /export, /links, the call to action.

use std::time::Duration;

use churn_audit_bot::domain::audit::{Answer, Command, Priority};
use churn_audit_bot::i18n::Lang;
use churn_audit_bot::storage::UserInfo;

use crate::bot_process::*;
use crate::fake_api::{FakeUser, StoredMessage, BOT_USERNAME};
use crate::reminders::{press, Rig};

const ADMIN: i64 = 5151;
const GROUP: i64 = -100_777;

async fn admin_rig(name: &'static str, extra: &[(&str, &str)]) -> Rig {
    let admins = format!("{ADMIN}");
    let mut vars = vec![("ADMIN_CHAT_IDS", admins.as_str())];
    vars.extend_from_slice(extra);
    let rig = Rig::new(name, &vars).await;
    rig.fake()
        .add_user(FakeUser::new(ADMIN, "Оператор").language(Some("ru")));
    rig
}

/// `who` writes `text` in `chat`; returns the first new bot message there
/// that satisfies `pred`.
async fn say(
    rig: &Rig,
    who: i64,
    chat: i64,
    text: &str,
    pred: impl Fn(&StoredMessage) -> bool,
) -> StoredMessage {
    let fake = rig.fake();
    let mark = fake.last_bot_message(chat).map_or(0, |m| m.message_id);
    fake.push_text(who, chat, text);
    fake.wait_for_bot_message(chat, |m| m.message_id > mark && pred(m), WAIT)
        .await
        .unwrap_or_else(|e| panic!("no answer to {text:?} in {chat}: {e:?}"))
}

/// The user opens the tracked link and answers the whole audit: «Нет» ·
/// Высокий on the first question, «Да» on the rest.
async fn finish_audit_from_link(rig: &Rig) -> StoredMessage {
    let fake = rig.fake();
    let mut card = say(rig, USER, USER, "/start churn_audit-fb", |m| {
        is_live_card(m, 1)
    })
    .await;
    let presses = std::iter::once(Press::No)
        .chain(std::iter::once(Press::High))
        .chain((1..TOTAL).map(|_| Press::Yes));
    let presses: Vec<Press> = presses.collect();
    for (i, p) in presses.iter().enumerate() {
        let query = press_on(fake, &card, *p);
        fake.wait_callback_answered(&query, WAIT).await.unwrap();
        if i + 1 < presses.len() {
            card = wait_card_edited(fake, &card).await;
        }
    }
    card
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_are_unknown_outside_admin_chats_and_scoped_in_the_menu() {
    let rig = admin_rig("admin-refused", &[]).await;
    let bot = rig.start();
    // A private chat that is not an admin's: /stats reads like any unknown
    // command.
    let unknown = say(&rig, USER, USER, "/nosuchcommand", |_| true).await;
    for command in ["/stats", "/export", "/links"] {
        let answer = say(&rig, USER, USER, command, |_| true).await;
        assert_eq!(answer.text, unknown.text, "{command}");
    }
    // A group that is not an admin chat: silence, as for any unknown
    // command; the next reply is to /help.
    rig.fake().add_group(GROUP, "Кофейня");
    for command in ["/stats", "/export", "/links"] {
        // One chat's updates are handled in order: the first reply after
        // both is /stats's, if it has one.
        let fake = rig.fake();
        let mark = fake.last_bot_message(GROUP).map_or(0, |m| m.message_id);
        fake.push_text(USER, GROUP, command);
        fake.push_text(USER, GROUP, "/help");
        fake.wait_for_bot_message(GROUP, |m| m.message_id > mark, WAIT)
            .await
            .unwrap();
        let first = fake
            .bot_messages(GROUP)
            .into_iter()
            .find(|m| m.message_id > mark)
            .unwrap();
        assert!(
            first.plain_text.contains("Как проходит аудит"),
            "{command}: {}",
            first.plain_text
        );
    }
    // In the admin chat they work.
    let stats = say(&rig, ADMIN, ADMIN, "/stats", |_| true).await;
    assert!(
        stats.plain_text.contains("Статистика"),
        "{}",
        stats.plain_text
    );
    // The menu: the admin commands are set for the admin chat only (at
    // start, beside the first updates: waited for).
    rig.fake()
        .wait_for_request(
            "setMyCommands",
            |r| r.param("scope").is_some_and(|s| s["type"] == "chat"),
            WAIT,
        )
        .await
        .unwrap();
    let menus = rig.fake().requests_for("setMyCommands");
    let scoped: Vec<_> = menus
        .iter()
        .filter(|r| r.param("scope").is_some_and(|s| s["type"] == "chat"))
        .collect();
    assert_eq!(scoped.len(), 1, "{scoped:#?}");
    assert_eq!(scoped[0].param("scope").unwrap()["chat_id"], ADMIN);
    let names = |r: &crate::fake_api::Recorded| -> Vec<String> {
        r.param("commands")
            .and_then(|c| c.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|c| c["command"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let admin_menu = names(scoped[0]);
    for command in ["stats", "export", "links", "start", "settings"] {
        assert!(admin_menu.iter().any(|c| c == command), "{admin_menu:?}");
    }
    for r in menus.iter().filter(|r| r.param("scope").is_none()) {
        let menu = names(r);
        assert!(
            !menu
                .iter()
                .any(|c| c == "stats" || c == "export" || c == "links"),
            "{menu:?}"
        );
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_audit_is_announced_once_with_a_report_button() {
    let rig = admin_rig("admin-notice", &[]).await;
    rig.fake().add_user(
        FakeUser::new(USER, "Анна")
            .username("anna_cafe")
            .language(Some("ru")),
    );
    let bot = rig.start();
    // The admin has written to the bot: the notice comes in their language.
    say(&rig, ADMIN, ADMIN, "/help", |_| true).await;
    finish_audit_from_link(&rig).await;
    let notice = rig
        .fake()
        .wait_for_bot_message(ADMIN, |m| m.plain_text.contains("Аудит завершён"), WAIT)
        .await
        .unwrap();
    let text = &notice.plain_text;
    for needle in [
        "Анна · @anna_cafe",
        "Русский",
        "Общий балл: 97%",
        "Топ-3 проблемные зоны:",
        "1. 🔴 Качество продукта/услуги — Высокий",
        "Источник: fb",
        "Заняло: ",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    assert!(
        notice.text.contains(&format!("tg://user?id={USER}")),
        "{}",
        notice.text
    );
    // «📄 Отчёт»: the PDF and the CSV, in the admin chat.
    let ack = press_as(&rig, ADMIN, &notice, "📄 Отчёт").await;
    assert_eq!(ack.as_deref(), Some("Отправляю отчёт"));
    let csv = rig
        .fake()
        .wait_for_bot_message(
            ADMIN,
            |m| {
                m.attachment
                    .as_ref()
                    .and_then(|a| a.file_name.as_deref())
                    .is_some_and(|n| n.ends_with(".csv"))
            },
            WAIT,
        )
        .await
        .unwrap();
    let pdfs = rig
        .fake()
        .bot_messages(ADMIN)
        .into_iter()
        .filter(|m| {
            m.attachment
                .as_ref()
                .and_then(|a| a.file_name.as_deref())
                .is_some_and(|n| n.ends_with(".pdf"))
        })
        .count();
    assert_eq!(pdfs, 1);
    assert!(csv.attachment.as_ref().is_some_and(|a| !a.bytes.is_empty()));

    // A restart sends no second notice.
    bot.stop().await;
    let bot = rig.start();
    say(&rig, ADMIN, ADMIN, "/links", |m| {
        m.plain_text.contains("Ссылки")
    })
    .await;
    bot.stop().await;
    let notices = rig
        .fake()
        .bot_messages(ADMIN)
        .into_iter()
        .filter(|m| m.plain_text.contains("Аудит завершён"))
        .count();
    assert_eq!(notices, 1);
}

/// Presses a button as `who` in their own chat.
async fn press_as(rig: &Rig, who: i64, message: &StoredMessage, label: &str) -> Option<String> {
    let data = message
        .button_data(label)
        .unwrap_or_else(|| panic!("no «{label}» on {:?}", message.keyboard));
    let (_, query) = rig
        .fake()
        .push_callback(who, message.chat_id, message.message_id, &data);
    rig.fake()
        .wait_callback_answered(&query, WAIT)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_admin_chat_leaves_the_user_undisturbed() {
    let rig = admin_rig("admin-blocked", &[]).await;
    rig.fake().set_blocked(ADMIN, true);
    let bot = rig.start();
    finish_audit_from_link(&rig).await;
    // The user gets the summary and the plan's first question.
    rig.fake()
        .wait_for_bot_message(USER, |m| m.plain_text.contains("Кто отвечает?"), WAIT)
        .await
        .unwrap();
    let db = crate::helpers::inspect(&rig.db_url()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM admin_notices")
            .fetch_optional(&db)
            .await
            .unwrap();
        if state.as_deref() == Some("failed") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{state:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.stop().await;
    let attempts = rig
        .fake()
        .requests_for("sendMessage")
        .into_iter()
        .filter(|r| r.i64_param("chat_id") == Some(ADMIN))
        .count();
    assert_eq!(attempts, 1, "tried once, not again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_match_figures_computed_from_the_seeded_audits() {
    let rig = admin_rig("admin-stats", &[]).await;
    let seed = rig.service().await;
    let person = |id: i64| UserInfo {
        id,
        first_name: format!("Клиент {id}"),
        username: None,
    };
    // Audit 1, from «fb»: all «Да». Audit 2: «Нет» (Высокий) on the first
    // 13 questions. Audit 3: abandoned after 2 answers. Audit 4: in progress.
    let mut scores = Vec::new();
    for (id, noes, source) in [(1, 0usize, Some("fb")), (2, 13, None)] {
        let s = seed
            .start_from(&person(id), Lang::Ru, id, "churn_audit", source)
            .await
            .unwrap();
        let mut revision = s.record.revision;
        for q in 0..TOTAL {
            let mut commands = vec![];
            if q < noes {
                commands.push(Command::Answer(Answer::No));
                commands.push(Command::Priority(Priority::High));
            } else {
                commands.push(Command::Answer(Answer::Yes));
            }
            for c in commands {
                revision = seed
                    .apply(id, s.record.id, revision, c)
                    .await
                    .unwrap()
                    .0
                    .record
                    .revision;
            }
        }
        // Each audit's score as the bot shows it: a whole percent.
        scores.push(((TOTAL - noes) as f64 / TOTAL as f64 * 100.0).round());
    }
    let abandoned = seed
        .start(&person(3), Lang::Ru, 3, "churn_audit")
        .await
        .unwrap();
    seed.apply(3, abandoned.record.id, 0, Command::Answer(Answer::Yes))
        .await
        .unwrap();
    seed.start(&person(3), Lang::Ru, 3, "churn_audit")
        .await
        .unwrap();
    drop(seed);
    let average = (scores.iter().sum::<f64>() / scores.len() as f64).round() as u32;

    let bot = rig.start();
    let stats = say(&rig, ADMIN, ADMIN, "/stats", |m| {
        m.plain_text.contains("30 дней")
    })
    .await;
    let text = &stats.plain_text;
    assert!(
        text.contains("Начато: 4 · завершено: 2 · брошено: 1 · в процессе: 1"),
        "{text}"
    );
    assert!(text.contains("Завершают: 50%"), "{text}");
    assert!(
        text.contains(&format!("Средний балл: {average}%")),
        "{text}"
    );
    // Each of the 13 problems: 1 of 2 finished audits.
    assert!(text.contains("Чаще всего «Нет»:"), "{text}");
    assert!(text.contains("— 1 (50%)"), "{text}");
    assert_eq!(text.matches("— 1 (50%)").count(), 10, "the top ten: {text}");
    assert!(
        text.contains("fb: начато 1, завершено 1 (100%), средний балл 100%"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "без метки: начато 3, завершено 1 (33%), средний балл {}%",
            scores[1].round() as u32
        )),
        "{text}"
    );
    let all_time = rig
        .fake()
        .wait_for_bot_message(ADMIN, |m| m.plain_text.contains("за всё время"), WAIT)
        .await
        .unwrap();
    assert!(
        all_time.plain_text.contains("Начато: 4"),
        "{}",
        all_time.plain_text
    );
    assert!(stats.text.chars().count() <= 4096);
    bot.stop().await;

    // The terminal's `stats` shows the same figures.
    let out = std::process::Command::new(BIN)
        .arg("stats")
        .env("DATABASE_URL", rig.db_url())
        .env("CHECKLISTS_DIR", checklists_dir())
        .env("DEFAULT_LANGUAGE", "ru")
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .unwrap();
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for line in [
        "Начато: 4 · завершено: 2 · брошено: 1 · в процессе: 1",
        "Завершают: 50%",
    ] {
        assert!(terminal.contains(line), "{line}: {terminal}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_sends_every_answer_and_plan_item_and_links_list_each_checklist() {
    let rig = admin_rig("admin-export", &[]).await;
    let bot = rig.start();
    finish_audit_from_link(&rig).await;
    // The plan's first item: owner typed, no deadline.
    rig.world
        .send_text("Ольга", |m| m.plain_text.contains("Срок?"))
        .await;
    let fake = rig.fake();
    let mark = fake.last_bot_message(ADMIN).map_or(0, |m| m.message_id);
    fake.push_text(ADMIN, ADMIN, "/export");
    let documents = fake
        .wait_for(
            |requests| {
                requests
                    .iter()
                    .filter(|r| r.is("sendDocument") && r.is_ok())
                    .count()
                    >= 2
            },
            WAIT,
        )
        .await
        .unwrap();
    assert!(!documents.is_empty());
    let files: Vec<StoredMessage> = fake
        .bot_messages(ADMIN)
        .into_iter()
        .filter(|m| m.message_id > mark && m.attachment.is_some())
        .collect();
    assert_eq!(files.len(), 2, "{files:#?}");
    let text = |m: &StoredMessage| {
        let bytes = &m.attachment.as_ref().unwrap().bytes;
        String::from_utf8(bytes[3..].to_vec()).unwrap()
    };
    let answers = text(&files[0]);
    let mut lines = answers.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert_eq!(header.len(), 16, "{header:?}");
    assert_eq!(header[0], "Аудит");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    assert_eq!(rows.len(), TOTAL, "one row per answer");
    assert!(rows.iter().all(|r| r[7] == "fb" && r[10] == "завершён"));
    assert_eq!(rows.iter().filter(|r| r[13] == "Нет").count(), 1);
    let plans = text(&files[1]);
    let plan_rows: Vec<&str> = plans.lines().skip(1).collect();
    assert_eq!(plan_rows.len(), 1, "{plans}");
    assert!(plan_rows[0].contains("Ольга"), "{plans}");

    let links = say(&rig, ADMIN, ADMIN, "/links", |m| {
        m.plain_text.contains("Ссылки")
    })
    .await;
    let link = format!("https://t.me/{BOT_USERNAME}?start=churn_audit");
    assert!(links.plain_text.contains(&link), "{}", links.plain_text);
    assert!(
        links.plain_text.contains(&format!("{link}-instagram")),
        "{}",
        links.plain_text
    );
    // The bot's username is the one asked at start, not asked again.
    assert_eq!(rig.fake().requests_for("getMe").len(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_to_action_ends_the_summary_and_the_pdf_when_set() {
    let rig = admin_rig(
        "admin-cta",
        &[
            ("CTA_TEXT_RU", "Записаться на разбор"),
            ("CTA_URL_RU", "https://example.com/call"),
        ],
    )
    .await;
    let bot = rig.start();
    let card = finish_audit_from_link(&rig).await;
    let summary_end = rig
        .fake()
        .wait_for_bot_message(
            USER,
            |m| {
                m.message_id > card.message_id
                    && m.keyboard
                        .iter()
                        .flatten()
                        .any(|(l, _)| l == "Записаться на разбор")
            },
            WAIT,
        )
        .await
        .unwrap();
    assert!(summary_end
        .keyboard
        .iter()
        .flatten()
        .any(|(_, data)| data == "url:https://example.com/call"));
    // The PDF's last section, after the plan walk is ended.
    let prompt = rig
        .fake()
        .wait_for_bot_message(USER, |m| m.plain_text.contains("Кто отвечает?"), WAIT)
        .await
        .unwrap();
    press(rig.fake(), &prompt, "⏹ Закончить план").await;
    let pdf = rig
        .fake()
        .wait_for_bot_message(
            USER,
            |m| {
                m.attachment
                    .as_ref()
                    .and_then(|a| a.file_name.as_deref())
                    .is_some_and(|n| n.ends_with(".pdf"))
            },
            WAIT,
        )
        .await
        .unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf.attachment.unwrap().bytes).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Следующий шаг"), "{flat}");
    assert!(flat.contains("Записаться на разбор"), "{flat}");
    assert!(flat.contains("https://example.com/call"), "{flat}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_call_to_action_the_summary_has_no_link_button() {
    let rig = admin_rig("admin-no-cta", &[]).await;
    let bot = rig.start();
    let card = finish_audit_from_link(&rig).await;
    rig.fake()
        .wait_for_bot_message(USER, |m| m.plain_text.contains("Кто отвечает?"), WAIT)
        .await
        .unwrap();
    let url_buttons = rig
        .fake()
        .bot_messages(USER)
        .into_iter()
        .filter(|m| m.message_id > card.message_id)
        .flat_map(|m| m.keyboard.into_iter().flatten())
        .filter(|(_, data)| data.starts_with("url:"))
        .count();
    assert_eq!(url_buttons, 0);
    bot.stop().await;
}
