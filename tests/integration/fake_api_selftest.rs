//! Tests of the fake Bot API server itself, driven by a real teloxide `Bot`.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::json;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageEntityKind,
    MessageId, ParseMode, UpdateKind,
};
use teloxide::{ApiError, RequestError};

use crate::fake_api::{parse_telegram_html, FakeApi, FakeUser, FaultKind};

const USER: i64 = 42;
const SECOND: Duration = Duration::from_secs(1);

fn bot(api: &FakeApi) -> Bot {
    Bot::new("12345:TEST").set_api_url(api.url().parse().unwrap())
}

async fn api_with_user() -> FakeApi {
    let api = FakeApi::start().await;
    api.add_user(FakeUser::new(USER, "Alice"));
    api
}

fn keyboard(buttons: &[(&str, &str)]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([buttons
        .iter()
        .map(|(label, data)| InlineKeyboardButton::callback(*label, *data))
        .collect::<Vec<_>>()])
}

/// A minimal HTTP/1.1 POST (for answers teloxide would delay, like 5xx).
async fn raw_post(api: &FakeApi, method: &str, body: &str) -> (u16, serde_json::Value) {
    let addr = api
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let request = format!(
        "POST /bot12345:TEST/{method} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split(' ').nth(1).unwrap().parse().unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1;
        (status, serde_json::from_str(body).unwrap())
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn get_me_returns_the_test_bot() {
    let api = FakeApi::start().await;
    let me = bot(&api).get_me().await.unwrap();
    assert_eq!(me.id, UserId(1000));
    assert!(me.is_bot);
    assert_eq!(me.username(), "churn_audit_test_bot");
    assert_eq!(me.first_name, "Churn Audit");
    let recorded = api.requests_for("getMe");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].token, "12345:TEST");
}

#[tokio::test]
async fn edit_message_text_updates_the_stored_message() {
    let api = api_with_user().await;
    let bot = bot(&api);
    let sent = bot
        .send_message(ChatId(USER), "<b>Question 1</b>: churn &lt; 5%?")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard(&[("Yes", "q1:yes"), ("No", "q1:no")]))
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("Question 1: churn < 5%?"));
    assert!(sent.reply_markup().is_some());

    let stored = api.message(USER, sent.id.0).unwrap();
    assert_eq!(stored.text, "<b>Question 1</b>: churn &lt; 5%?");
    assert_eq!(stored.plain_text, "Question 1: churn < 5%?");
    assert_eq!(stored.parse_mode.as_deref(), Some("HTML"));
    assert_eq!(
        stored.keyboard,
        vec![vec![
            ("Yes".to_owned(), "q1:yes".to_owned()),
            ("No".to_owned(), "q1:no".to_owned())
        ]]
    );

    let edited = bot
        .edit_message_text(ChatId(USER), sent.id, "Answered: <i>yes</i>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("Answered: yes"));
    let stored = api.message(USER, sent.id.0).unwrap();
    assert_eq!(stored.text, "Answered: <i>yes</i>");
    assert_eq!(stored.edit_count, 1);
    assert!(
        stored.keyboard.is_empty(),
        "an edit without reply_markup removes the keyboard, as in Telegram"
    );

    let err = bot
        .edit_message_text(ChatId(USER), sent.id, "Answered: <i>yes</i>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );

    let err = bot
        .edit_message_text(ChatId(USER), MessageId(999), "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{err:?}"
    );

    let markup = bot
        .edit_message_reply_markup(ChatId(USER), sent.id)
        .reply_markup(keyboard(&[("Undo", "q1:undo")]))
        .await
        .unwrap();
    assert!(markup.reply_markup().is_some());
    assert_eq!(
        api.last_bot_message(USER).unwrap().callback_data(),
        ["q1:undo"]
    );
    assert_eq!(api.bot_messages(USER).len(), 1);
}

#[tokio::test]
async fn invalid_html_is_rejected_with_bad_request() {
    let api = api_with_user().await;
    let bot = bot(&api);
    for text in [
        "<b>unclosed",
        "a < b",
        "line<br>break",
        "<b><i>crossed</b></i>",
        "Tom & Jerry",
        "5 > 3",
        "<span>no class</span>",
    ] {
        let err = bot
            .send_message(ChatId(USER), text)
            .parse_mode(ParseMode::Html)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, RequestError::Api(ApiError::CantParseEntities(_))),
            "{text:?} -> {err:?}"
        );
    }
    assert!(api
        .requests_for("sendMessage")
        .iter()
        .all(|r| r.status == 400));
    assert!(api.bot_messages(USER).is_empty());

    // The same texts are fine without parse_mode, and well-formed HTML passes.
    bot.send_message(ChatId(USER), "Tom & Jerry, a < b")
        .await
        .unwrap();
    let ok = bot
        .send_message(
            ChatId(USER),
            "Tom &amp; Jerry &#60;3 <a href=\"https://example.com/?a=1&amp;b=2\">link</a> \
             <tg-spoiler>s</tg-spoiler> <span class=\"tg-spoiler\">t</span> \
             <pre><code class=\"language-rust\">fn x() {}</code></pre>",
        )
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(ok.text(), Some("Tom & Jerry <3 link s t fn x() {}"));
    let link = ok.entities().unwrap().iter().find_map(|e| match &e.kind {
        MessageEntityKind::TextLink { url } => Some(url.to_string()),
        _ => None,
    });
    assert_eq!(link.as_deref(), Some("https://example.com/?a=1&b=2"));

    let too_long = "x".repeat(4097);
    let err = bot.send_message(ChatId(USER), too_long).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageIsTooLong)),
        "{err:?}"
    );
    // Length counts the visible text, not the markup.
    let long_html = format!("<b>{}</b>", "x".repeat(4096));
    bot.send_message(ChatId(USER), long_html)
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
}

#[test]
fn html_parser_follows_telegram_rules() {
    let (text, entities) = parse_telegram_html("<b>bold <i>both</i></b> 😀<u>u</u>").unwrap();
    assert_eq!(text, "bold both 😀u");
    assert_eq!(
        entities,
        vec![
            json!({"type": "bold", "offset": 0, "length": 9}),
            json!({"type": "italic", "offset": 5, "length": 4}),
            // the emoji counts as two UTF-16 units
            json!({"type": "underline", "offset": 12, "length": 1}),
        ]
    );
    let err = parse_telegram_html("<b>x</i>").unwrap_err();
    assert!(err.starts_with("Unmatched end tag"), "{err}");
    let err = parse_telegram_html("<div>x</div>").unwrap_err();
    assert_eq!(err, "Unsupported start tag \"div\" at byte offset 0");
    let err = parse_telegram_html("<b>x").unwrap_err();
    assert_eq!(err, "Can't find end tag corresponding to start tag \"b\"");
    assert!(parse_telegram_html("x</b>").is_err());
    assert!(parse_telegram_html("&amp;&lt;&gt;&quot;&#x1F600;").is_ok());
    assert!(parse_telegram_html("&nbsp;").is_err());
}

#[tokio::test]
async fn callback_data_longer_than_64_bytes_is_rejected() {
    let api = api_with_user().await;
    let bot = bot(&api);
    let send = |data: String| {
        bot.send_message(ChatId(USER), "pick")
            .reply_markup(InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback("ok", "ok"),
                InlineKeyboardButton::callback("long", data),
            ]]))
    };
    send("x".repeat(64)).await.unwrap();
    for data in ["x".repeat(65), "й".repeat(33)] {
        let err = send(data.clone()).await.unwrap_err();
        assert!(
            matches!(err, RequestError::Api(ApiError::ButtonDataInvalid)),
            "{data:?} -> {err:?}"
        );
    }
    assert_eq!(api.bot_messages(USER).len(), 1);
}

#[tokio::test]
async fn unconfirmed_updates_are_delivered_again() {
    let api = api_with_user().await;
    let id = api.push_text(USER, USER, "/start ref_abc");

    let first = bot(&api).get_updates().await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id.0, id);
    let UpdateKind::Message(msg) = &first[0].kind else {
        panic!("expected a message: {:?}", first[0].kind)
    };
    assert_eq!(msg.text(), Some("/start ref_abc"));
    assert_eq!(
        msg.from.as_ref().unwrap().language_code.as_deref(),
        Some("ru")
    );
    let command = &msg.entities().unwrap()[0];
    assert_eq!(
        (command.kind.clone(), command.offset, command.length),
        (MessageEntityKind::BotCommand, 0, 6)
    );

    // The bot "crashes" before confirming; the restarted bot gets it again.
    let restarted = bot(&api);
    let again = restarted.get_updates().await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id.0, id);
    assert!(!api.is_confirmed(id));
    assert_eq!(api.pending_update_count(), 1);

    let after = restarted
        .get_updates()
        .offset(again[0].id.as_offset())
        .await
        .unwrap();
    assert!(after.is_empty());
    assert!(api.is_confirmed(id));
    assert_eq!(api.pending_update_count(), 0);
    api.wait_until_confirmed(id, SECOND).await.unwrap();

    // `limit` is respected and the rest waits for the next call.
    let a = api.push_text(USER, USER, "a");
    let b = api.push_text(USER, USER, "b");
    let one = restarted.get_updates().limit(1).await.unwrap();
    assert_eq!(one.iter().map(|u| u.id.0).collect::<Vec<_>>(), [a]);
    let rest = restarted
        .get_updates()
        .offset(one[0].id.as_offset())
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|u| u.id.0).collect::<Vec<_>>(), [b]);
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_an_update_is_pushed() {
    let api = api_with_user().await;
    let poll = tokio::spawn({
        let bot = bot(&api);
        async move { bot.get_updates().timeout(30).await.unwrap() }
    });
    api.wait_for_idle_poll(5 * SECOND).await.unwrap();
    let pushed_at = Instant::now();
    let id = api.push_text(USER, USER, "hello");
    let updates = poll.await.unwrap();
    assert_eq!(updates.iter().map(|u| u.id.0).collect::<Vec<_>>(), [id]);
    assert!(pushed_at.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn an_idle_long_poll_returns_an_empty_list_within_about_a_second() {
    let api = FakeApi::start().await;
    let started = Instant::now();
    let updates = bot(&api).get_updates().timeout(30).await.unwrap();
    assert!(updates.is_empty());
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < 3 * SECOND,
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn callback_queries_carry_the_bot_message_and_are_answered_once() {
    let api = api_with_user().await;
    let bot = bot(&api);
    let sent = bot
        .send_message(ChatId(USER), "Ready?")
        .reply_markup(keyboard(&[("Go", "go")]))
        .await
        .unwrap();
    let (update_id, query_id) = api.push_callback(USER, USER, sent.id.0, "go");

    let updates = bot.get_updates().await.unwrap();
    assert_eq!(updates[0].id.0, update_id);
    let UpdateKind::CallbackQuery(query) = &updates[0].kind else {
        panic!("expected a callback query: {:?}", updates[0].kind)
    };
    assert_eq!(query.id.0, query_id);
    assert_eq!(query.data.as_deref(), Some("go"));
    assert_eq!(query.from.id, UserId(USER as u64));
    let message = query.message.as_ref().unwrap();
    assert_eq!(message.id(), sent.id);
    assert_eq!(message.regular_message().unwrap().text(), Some("Ready?"));

    bot.answer_callback_query(query.id.clone())
        .text("Saved")
        .await
        .unwrap();
    assert_eq!(
        api.wait_callback_answered(&query_id, SECOND)
            .await
            .unwrap()
            .as_deref(),
        Some("Saved")
    );
    let err = bot
        .answer_callback_query(query.id.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::InvalidQueryId)),
        "{err:?}"
    );

    let (_, second) = api.push_callback(USER, USER, sent.id.0, "go");
    let err = bot
        .answer_callback_query(teloxide::types::CallbackQueryId(second.clone()))
        .text("x".repeat(201))
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Api(_)), "{err:?}");
    let err = api
        .wait_callback_answered(&second, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("answerCallbackQuery"), "{err}");
}

#[tokio::test]
async fn group_chats_get_group_updates() {
    let api = FakeApi::start().await;
    api.add_group(-100, "Sales team");
    api.push_text(7, -100, "/report@churn_audit_test_bot now");
    let updates = bot(&api).get_updates().await.unwrap();
    let UpdateKind::Message(msg) = &updates[0].kind else {
        panic!("expected a message")
    };
    assert!(msg.chat.is_group());
    assert_eq!(msg.chat.title(), Some("Sales team"));
    assert_eq!(msg.from.as_ref().unwrap().id, UserId(7));
    assert_eq!(msg.entities().unwrap()[0].length, 28);

    let sent = bot(&api)
        .send_message(ChatId(-100), "Report follows")
        .await
        .unwrap();
    assert_eq!(sent.id, MessageId(2), "message ids are per chat");
    let err = bot(&api)
        .send_message(ChatId(-555), "nobody here")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ChatNotFound)),
        "{err:?}"
    );
}

#[tokio::test]
async fn rate_limit_switch_makes_teloxide_report_retry_after() {
    let api = api_with_user().await;
    let bot = bot(&api);
    api.fail_next("sendMessage", 1, FaultKind::Status429 { retry_after: 7 });
    let err = bot.send_message(ChatId(USER), "hi").await.unwrap_err();
    assert!(
        matches!(err, RequestError::RetryAfter(s) if s.seconds() == 7),
        "{err:?}"
    );
    bot.send_message(ChatId(USER), "hi").await.unwrap();
    let statuses: Vec<u16> = api
        .requests_for("sendMessage")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(api.bot_messages(USER).len(), 1);
}

#[tokio::test]
async fn server_error_switch_fails_the_next_calls_then_recovers() {
    // Raw HTTP: teloxide itself sleeps 10 s after any 5xx answer.
    let api = FakeApi::start().await;
    api.fail_next("*", 2, FaultKind::Status500);
    let (status, body) = raw_post(&api, "getMe", "{}").await;
    assert_eq!(status, 500);
    assert_eq!(body["error_code"], 500);
    assert_eq!(raw_post(&api, "getUpdates", "{}").await.0, 500);
    let (status, body) = raw_post(&api, "getMe", "{}").await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["username"], "churn_audit_test_bot");
}

#[tokio::test]
async fn drop_connection_switch_closes_the_connection_before_the_call_takes_effect() {
    let api = api_with_user().await;
    let bot = bot(&api);
    api.fail_next("sendMessage", 1, FaultKind::DropConnection);
    let err = bot.send_message(ChatId(USER), "lost").await.unwrap_err();
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
    assert!(
        api.bot_messages(USER).is_empty(),
        "a dropped call took effect"
    );
    // The next call goes through (on a new connection).
    bot.send_message(ChatId(USER), "hi").await.unwrap();
    let calls = api.requests_for("sendMessage");
    let statuses: Vec<u16> = calls.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [0, 200]);
    assert!(calls[0].is_dropped() && !calls[0].is_ok());
    assert_eq!(calls[0].fault, Some(FaultKind::DropConnection));
    assert_eq!(calls[0].error_description(), None);
    assert!(
        calls[0].to_string().contains("connection dropped"),
        "{}",
        calls[0]
    );
    assert_eq!(api.bot_messages(USER).len(), 1);
    assert_eq!(api.faults_injected(), 1);
    assert!(!api.faults_pending());
}

#[tokio::test]
async fn lose_response_switch_applies_the_call_but_the_bot_gets_no_answer() {
    let api = api_with_user().await;
    let bot = bot(&api);
    let sent = bot
        .send_message(ChatId(USER), "card")
        .reply_markup(keyboard(&[("Yes", "y")]))
        .await
        .unwrap();
    let (_, query) = api.push_callback(USER, USER, sent.id.0, "y");
    api.fail_next("answerCallbackQuery", 1, FaultKind::LoseResponse);
    let err = bot
        .answer_callback_query(teloxide::types::CallbackQueryId(query.clone()))
        .text("Recorded")
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
    // It did take effect: the user saw the answer, and a retry is refused
    // the way Telegram refuses a second answer.
    assert_eq!(
        api.wait_callback_answered(&query, SECOND).await.unwrap(),
        Some("Recorded".to_owned())
    );
    let err = bot
        .answer_callback_query(teloxide::types::CallbackQueryId(query))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::InvalidQueryId)),
        "{err:?}"
    );
    let statuses: Vec<u16> = api
        .requests_for("answerCallbackQuery")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [0, 400]);
    let lost = &api.requests_for("answerCallbackQuery")[0];
    assert_eq!(lost.fault, Some(FaultKind::LoseResponse));
    assert_eq!(lost.response["ok"], true, "the answer the bot never got");
}

#[tokio::test]
async fn delay_switch_holds_the_request_then_handles_it() {
    let api = api_with_user().await;
    api.fail_next(
        "sendMessage",
        1,
        FaultKind::Delay(Duration::from_millis(300)),
    );
    let started = Instant::now();
    bot(&api).send_message(ChatId(USER), "late").await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    let calls = api.requests_for("sendMessage");
    assert!(calls[0].is_ok());
    assert_eq!(
        calls[0].fault,
        Some(FaultKind::Delay(Duration::from_millis(300)))
    );
}

#[tokio::test]
async fn a_message_the_user_deleted_cannot_be_edited_or_pressed() {
    let api = api_with_user().await;
    let bot = bot(&api);
    let sent = bot
        .send_message(ChatId(USER), "card")
        .reply_markup(keyboard(&[("Yes", "y")]))
        .await
        .unwrap();
    assert!(api.delete_message_as_user(USER, sent.id.0));
    assert!(!api.delete_message_as_user(USER, sent.id.0), "already gone");
    assert!(api.message(USER, sent.id.0).is_none());
    assert_eq!(api.deleted_by_user(), [(USER, sent.id.0)]);

    let err = bot
        .edit_message_text(ChatId(USER), sent.id, "new")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{err:?}"
    );
    let err = bot
        .edit_message_reply_markup(ChatId(USER), sent.id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{err:?}"
    );
    // Only bot messages can be deleted this way.
    api.push_text(USER, USER, "hello");
    assert!(!api.delete_message_as_user(USER, sent.id.0 + 1));
    assert!(api.message(USER, sent.id.0 + 1).is_some());
}

#[tokio::test]
async fn held_updates_wait_on_the_server_until_released() {
    let api = api_with_user().await;
    let bot = bot(&api);
    api.hold_updates(true);
    let id = api.push_text(USER, USER, "wait");
    assert!(bot.get_updates().await.unwrap().is_empty());
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(30).await.unwrap() }
    });
    api.wait_for_parked_poll(5 * SECOND).await.unwrap();
    api.hold_updates(false);
    let updates = poll.await.unwrap();
    assert_eq!(updates.iter().map(|u| u.id.0).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn unknown_methods_answer_true_and_are_recorded() {
    let api = FakeApi::start().await;
    let (status, body) = raw_post(&api, "setChatMenuButton", r#"{"chat_id": 42}"#).await;
    assert_eq!((status, body), (200, json!({"ok": true, "result": true})));
    let recorded = api.requests_for("setChatMenuButton");
    assert_eq!(recorded[0].i64_param("chat_id"), Some(42));
    let (status, _) = raw_post(&api, "sendMessage", "not json").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn uploaded_files_are_recorded_with_name_and_bytes() {
    let api = api_with_user().await;
    let bot = bot(&api);
    let csv = b"customer,churn_risk\nacme,high\n".to_vec();
    let sent = bot
        .send_document(
            ChatId(USER),
            InputFile::memory(csv.clone()).file_name("audit.csv"),
        )
        .caption("Your <b>audit</b>")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(
        sent.document().unwrap().file_name.as_deref(),
        Some("audit.csv")
    );
    assert_eq!(sent.caption(), Some("Your audit"));

    let request = &api.requests_for("sendDocument")[0];
    let file = request.file("document").unwrap();
    assert_eq!((file.file_name.as_str(), &file.bytes), ("audit.csv", &csv));
    assert_eq!(request.i64_param("chat_id"), Some(USER));
    assert_eq!(request.str_param("caption"), Some("Your <b>audit</b>"));
    let stored = api.last_bot_message(USER).unwrap();
    assert_eq!(stored.attachment.unwrap().bytes, csv);
    assert_eq!(stored.plain_text, "Your audit");

    let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
    let photo = bot
        .send_photo(
            ChatId(USER),
            InputFile::memory(png.clone()).file_name("chart.png"),
        )
        .await
        .unwrap();
    assert!(photo.photo().is_some());
    assert_eq!(
        api.requests_for("sendPhoto")[0]
            .file("photo")
            .unwrap()
            .len(),
        png.len()
    );

    bot.send_chat_action(ChatId(USER), teloxide::types::ChatAction::UploadDocument)
        .await
        .unwrap();
}

#[tokio::test]
async fn commands_round_trip_and_invalid_names_are_rejected() {
    let api = FakeApi::start().await;
    let bot = bot(&api);
    bot.set_my_commands([BotCommand::new("start", "Start the audit")])
        .await
        .unwrap();
    let commands = bot.get_my_commands().await.unwrap();
    assert_eq!(commands, [BotCommand::new("start", "Start the audit")]);
    assert_eq!(
        api.my_commands(None),
        Some(vec![("start".to_owned(), "Start the audit".to_owned())])
    );
    let err = bot
        .set_my_commands([BotCommand::new("Start-Audit", "x")])
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Api(_)), "{err:?}");
}

#[tokio::test]
async fn wait_for_times_out_with_a_readable_list_of_requests() {
    let api = api_with_user().await;
    bot(&api)
        .send_message(ChatId(USER), "hello there")
        .await
        .unwrap();
    let started = Instant::now();
    let err = api
        .wait_for(
            |requests| requests.iter().any(|r| r.is("sendPhoto")),
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < SECOND);
    let text = err.to_string();
    assert!(text.contains("timed out after 200ms"), "{text}");
    assert!(
        text.contains("sendMessage") && text.contains("hello there"),
        "{text}"
    );

    let found = api
        .wait_for_request(
            "sendMessage",
            |r| r.str_param("text") == Some("hello there"),
            SECOND,
        )
        .await
        .unwrap();
    assert!(found.is_ok());
}

#[tokio::test]
async fn a_teloxide_dispatcher_works_end_to_end() {
    let api = api_with_user().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = format!("echo: {}", msg.text().unwrap_or_default());
        bot.send_message(msg.chat.id, text).await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot(&api), handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    api.wait_for_idle_poll(10 * SECOND).await.unwrap();
    let id = api.push_text(USER, USER, "hi");
    let reply = api
        .wait_for_bot_message(USER, |m| m.text == "echo: hi", 5 * SECOND)
        .await
        .unwrap();
    assert_eq!(reply.message_id, 2);
    api.wait_until_confirmed(id, 5 * SECOND).await.unwrap();

    shutdown.shutdown().unwrap().await;
    running.await.unwrap();
    let startup: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.method.clone())
        .take_while(|m| m != "getUpdates")
        .collect();
    // teloxide asks for the webhook first, then who it is, then polls.
    assert_eq!(startup, ["getWebhookInfo", "getMe"]);
}

#[tokio::test]
async fn a_webhook_refuses_get_updates_until_it_is_deleted() {
    let api = FakeApi::start().await;
    let (status, body) = raw_post(&api, "setWebhook", r#"{"url":"https://x.example/tg"}"#).await;
    assert_eq!((status, body["result"].clone()), (200, true.into()));
    let (_, info) = raw_post(&api, "getWebhookInfo", "{}").await;
    assert_eq!(info["result"]["url"], "https://x.example/tg");
    let (status, body) = raw_post(&api, "getUpdates", "{}").await;
    assert_eq!(status, 409);
    assert!(body["description"]
        .as_str()
        .unwrap()
        .contains("webhook is active"));
    raw_post(&api, "deleteWebhook", "{}").await;
    assert_eq!(api.webhook_url(), None);
    let (_, info) = raw_post(&api, "getWebhookInfo", "{}").await;
    assert_eq!(info["result"]["url"], "");
    assert_eq!(raw_post(&api, "getUpdates", "{}").await.0, 200);
}

#[tokio::test]
async fn a_revoked_token_is_answered_401_on_every_call() {
    let api = FakeApi::start().await;
    assert_eq!(raw_post(&api, "getMe", "{}").await.0, 200);
    api.revoke_token("12345:TEST");
    for method in ["getMe", "getUpdates", "sendMessage"] {
        let (status, body) = raw_post(&api, method, "{}").await;
        assert_eq!(status, 401, "{method}");
        assert_eq!(body["description"], "Unauthorized", "{method}");
    }
}
