//! The few Bot API calls the dialogue makes, each retried when the failure
//! is transient (network, timeouts, 5xx) or flood control (429) asks to wait.
//! In production teloxide's `Throttle` adaptor also keeps the bot inside
//! Telegram's rate limits (it waits out 429s of sending methods itself;
//! edits and callback answers are waited out here).

use std::future::{Future, IntoFuture};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardMarkup, InputFile, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

/// A Bot API client the handlers can use: the plain `Bot` in tests,
/// `Throttle<Bot>` in production.
pub trait Api: Requester<Err = RequestError> + Clone + Send + Sync + 'static {
    /// The plain client underneath: the Bot API's address, the token and
    /// the HTTP client, for the calls made by [`call_unread`].
    fn plain(&self) -> &Bot;
}

impl Api for Bot {
    fn plain(&self) -> &Bot {
        self
    }
}

impl Api for teloxide::adaptors::Throttle<Bot> {
    fn plain(&self) -> &Bot {
        self.inner()
    }
}

/// How many times a call is made at most.
const ATTEMPTS: u32 = 3;
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// Worth another try: the request may not have reached Telegram, or
/// Telegram failed on its side.
pub fn is_transient(error: &RequestError) -> bool {
    match error {
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => true,
        RequestError::Api(ApiError::Unknown(description)) => {
            let d = description.to_ascii_lowercase();
            [
                "internal server error",
                "bad gateway",
                "service unavailable",
                "gateway timeout",
            ]
            .iter()
            .any(|s| d.contains(s))
        }
        _ => false,
    }
}

/// Runs `call` until it succeeds, fails for good, or runs out of attempts,
/// pausing longer after each transient failure.
pub async fn retrying<T, F, Fut>(what: &str, mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(RequestError::RetryAfter(wait)) if attempt < ATTEMPTS => {
                log::warn!(
                    "{what}: flood control, retry {attempt} in {} s",
                    wait.seconds()
                );
                tokio::time::sleep(wait.duration()).await;
                attempt += 1;
            }
            Err(RequestError::RetryAfter(wait)) => {
                // Giving up is no licence to write to the chat sooner: what
                // the caller does instead (a card sent anew) waits out the
                // window too, or Telegram extends the ban.
                log::warn!(
                    "{what}: flood control {attempt} times; giving up after {} s",
                    wait.seconds()
                );
                tokio::time::sleep(wait.duration()).await;
                return Err(RequestError::RetryAfter(wait));
            }
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                log::warn!(
                    "{what} failed ({e}); retry {attempt} in {} ms",
                    pause.as_millis()
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Report files drawn and not yet sent, at most: fifty audits finishing
/// together would otherwise draw all their files within a second and hold
/// them while Telegram's one message a second per chat lets them out. A
/// handler takes a place before it draws and frees it once the files are
/// sent.
const FILES_IN_FLIGHT: usize = 8;

/// A place for one handler's report files (see [`FILES_IN_FLIGHT`]), held
/// until it is dropped.
pub async fn files_slot() -> Option<tokio::sync::SemaphorePermit<'static>> {
    static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(FILES_IN_FLIGHT);
    // The semaphore is never closed, so the permit always comes.
    SLOTS.acquire().await.ok()
}

/// Runs report drawing (the chart, the PDF, the CSV) on a blocking thread,
/// one at a time: it is CPU work, and each holds a 3.6 MB bitmap and a
/// document in memory, so fifty audits finishing together draw one by one
/// instead of holding fifty of each at once (one at a time rather than two:
/// ~5 MB less at the peak, and the files go no slower — Telegram's one
/// message a second per chat paces them, not the drawing).
pub async fn render<T, F>(draw: F) -> Result<T, tokio::task::JoinError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    static DRAWING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    // The semaphore is never closed, so the permit always comes.
    let _permit = DRAWING.acquire().await.ok();
    tokio::task::spawn_blocking(draw).await
}

pub async fn send_html<B: Api>(bot: &B, chat: ChatId, text: &str) -> Result<Message, RequestError> {
    retrying("sendMessage", || {
        bot.send_message(chat, text)
            .parse_mode(ParseMode::Html)
            .into_future()
    })
    .await
}

pub async fn send_with_keyboard<B: Api>(
    bot: &B,
    chat: ChatId,
    text: &str,
    keyboard: &InlineKeyboardMarkup,
) -> Result<Message, RequestError> {
    retrying("sendMessage", || {
        bot.send_message(chat, text)
            .parse_mode(ParseMode::Html)
            .reply_markup(keyboard.clone())
            .into_future()
    })
    .await
}

/// Edits a message's text and buttons. «Message is not modified» counts as
/// done: the message already shows exactly this (e.g. a retried edit whose
/// first answer was lost).
pub async fn edit_with_keyboard<B: Api>(
    bot: &B,
    chat: ChatId,
    message: MessageId,
    text: &str,
    keyboard: &InlineKeyboardMarkup,
) -> Result<(), RequestError> {
    use teloxide::payloads::{EditMessageText, EditMessageTextSetters};
    let payload = EditMessageText::new(chat, message, text)
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard.clone());
    let edited = retrying("editMessageText", || call_unread(bot.plain(), &payload)).await;
    match edited {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sends a PNG as a photo with a caption.
pub async fn send_png<B: Api>(
    bot: &B,
    chat: ChatId,
    png: Vec<u8>,
    file_name: &str,
    caption: &str,
) -> Result<Message, RequestError> {
    // Shared, not copied, by each attempt's request.
    let png = bytes::Bytes::from(png);
    retrying("sendPhoto", || {
        let file = InputFile::memory(png.clone()).file_name(file_name.to_string());
        bot.send_photo(chat, file).caption(caption).into_future()
    })
    .await
}

/// Sends a file as a document.
pub async fn send_document<B: Api>(
    bot: &B,
    chat: ChatId,
    bytes: Vec<u8>,
    file_name: &str,
    caption: &str,
) -> Result<Message, RequestError> {
    let bytes = bytes::Bytes::from(bytes);
    retrying("sendDocument", || {
        let file = InputFile::memory(bytes.clone()).file_name(file_name.to_string());
        bot.send_document(chat, file).caption(caption).into_future()
    })
    .await
}

/// Takes the buttons off a message; failures (already gone, not modified)
/// do not matter to the dialogue.
pub async fn strip_buttons<B: Api>(bot: &B, chat: ChatId, message: MessageId) {
    let result = retrying("editMessageReplyMarkup", || {
        bot.edit_message_reply_markup(chat, message).into_future()
    })
    .await;
    if let Err(e) = result {
        log::debug!("could not take buttons off message {}: {e}", message.0);
    }
}

/// Answers a callback query, with a notice when `text` is given.
pub async fn answer<B: Api>(
    bot: &B,
    query: &CallbackQuery,
    text: Option<&str>,
) -> Result<(), RequestError> {
    use teloxide::payloads::{AnswerCallbackQuery, AnswerCallbackQuerySetters};
    let mut payload = AnswerCallbackQuery::new(query.id.clone());
    if let Some(text) = text {
        payload = payload.text(text);
    }
    retrying("answerCallbackQuery", || call_unread(bot.plain(), &payload)).await
}

/// How long a call that met a 5xx waits before it reports it, as teloxide's
/// own calls do: Telegram is in trouble, and asking again at once would
/// not help it.
const PAUSE_ON_SERVER_ERROR: Duration = Duration::from_secs(10);

/// What [`call_unread`] reads of Telegram's answer: whether the call
/// succeeded and, if not, why. The result (for an edit, the whole message
/// as it now is) is skipped over, not decoded.
#[derive(serde::Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<teloxide::types::ResponseParameters>,
}

/// Makes the call `payload` and reads only whether it succeeded, with the
/// same errors teloxide's call gives. For the two calls of every press,
/// the edit of the card and the answer to the press: the dialogue uses
/// nothing of what they return. teloxide decodes every answer twice over —
/// into a tree of its values, then from that tree into a `Message`, whose
/// kinds it tries one after the other, building an error for each that
/// does not fit — for an edit, about 3 % of a press's CPU. Neither call is
/// held back by `Throttle` (it forwards edits and answers as they come), so
/// going to the plain client changes nothing of the rate limits.
async fn call_unread<P>(bot: &Bot, payload: &P) -> Result<(), RequestError>
where
    P: teloxide::requests::Payload + serde::Serialize,
{
    call_unread_by(super::http::client(), bot, payload).await
}

/// [`call_unread`] through `http`, or through the bot's own reqwest client
/// where there is none (a proxy is named, see `http::client`).
async fn call_unread_by<P>(
    http: Option<&super::http::Http>,
    bot: &Bot,
    payload: &P,
) -> Result<(), RequestError>
where
    P: teloxide::requests::Payload + serde::Serialize,
{
    let mut url = bot.api_url();
    url.path_segments_mut()
        .map_err(|()| {
            RequestError::Io(std::io::Error::other("the Bot API URL has no path").into())
        })?
        .push(&format!("bot{}", bot.token()))
        .push(P::NAME);
    let body = serde_json::to_vec(payload).map_err(|e| RequestError::InvalidJson {
        source: e.into(),
        raw: Box::from(""),
    })?;
    let (server_error, text) = match http {
        Some(http) => {
            let (status, text) = http.post_json(url.as_str(), body).await?;
            (status.is_server_error(), text)
        }
        None => {
            let response = bot
                .client()
                .post(url)
                .header(axum::http::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await?;
            (response.status().is_server_error(), response.bytes().await?)
        }
    };
    if server_error {
        tokio::time::sleep(PAUSE_ON_SERVER_ERROR).await;
    }
    let reply: Reply = serde_json::from_slice(&text).map_err(|e| RequestError::InvalidJson {
        source: e.into(),
        raw: String::from_utf8_lossy(&text).into(),
    })?;
    if reply.ok {
        return Ok(());
    }
    use teloxide::types::ResponseParameters;
    Err(match reply.parameters {
        Some(ResponseParameters::RetryAfter(wait)) => RequestError::RetryAfter(wait),
        Some(ResponseParameters::MigrateToChatId(chat)) => RequestError::MigrateToChatId(chat),
        None => {
            use serde::de::IntoDeserializer;
            let description = reply.description.unwrap_or_default();
            let error: Result<ApiError, serde::de::value::Error> =
                serde::Deserialize::deserialize(description.as_str().into_deserializer());
            RequestError::Api(error.unwrap_or(ApiError::Unknown(description)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn server_error() -> RequestError {
        RequestError::Api(ApiError::Unknown("Internal Server Error".into()))
    }

    #[tokio::test]
    async fn report_files_wait_while_eight_handlers_hold_theirs() {
        let mut held = Vec::new();
        for _ in 0..FILES_IN_FLIGHT {
            held.push(files_slot().await);
        }
        assert!(held.iter().all(Option::is_some));
        let ninth = files_slot();
        tokio::pin!(ninth);
        assert!(futures_util::poll!(ninth.as_mut()).is_pending());
        held.pop();
        assert!(
            ninth.await.is_some(),
            "a freed place goes to the one waiting"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let result = retrying("test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(server_error()),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(result.ok(), Some(7));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_after_the_last_attempt() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retrying("test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(server_error())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_final_error_is_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retrying("test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(RequestError::Api(ApiError::MessageNotModified))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn flood_control_is_waited_out_then_retried() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result = retrying("test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(RequestError::RetryAfter(
                    teloxide::types::Seconds::from_seconds(5),
                )),
                _ => Ok(1),
            }
        })
        .await;
        assert_eq!(result.ok(), Some(1));
        assert!(
            started.elapsed() >= Duration::from_secs(5),
            "waited {:?}",
            started.elapsed()
        );
    }

    /// A Bot API on loopback that answers every call with `status` and
    /// `body`; the bot for it, and each call's path and body as they came.
    async fn canned(
        status: u16,
        body: &'static str,
    ) -> (Bot, std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>) {
        use axum::http::{StatusCode, Uri};
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = calls.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, request: String| {
            seen.lock()
                .expect("calls")
                .push((uri.path().to_string(), request));
            let status = StatusCode::from_u16(status).expect("a status");
            async move { (status, body) }
        });
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}/", tcp.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(tcp, app).await });
        let bot = Bot::new("123:secret").set_api_url(url.parse().expect("a URL"));
        (bot, calls)
    }

    fn an_edit() -> teloxide::payloads::EditMessageText {
        teloxide::payloads::EditMessageText::new(ChatId(7), MessageId(9), "текст")
    }

    /// Each way [`call_unread`] can go: hyper itself, and the bot's own
    /// reqwest client (where a proxy is named).
    fn transports() -> [Option<super::super::http::Http>; 2] {
        let hyper = super::super::http::Http::new().expect("TLS set up");
        [Some(hyper), None]
    }

    #[tokio::test]
    async fn a_call_unread_posts_the_payload_to_the_method_and_takes_ok_as_done() {
        for http in transports() {
            let edited = r#"{"ok":true,"result":{"message_id":9,"date":0,"chat":{"id":7,"type":"private"},"text":"текст"}}"#;
            let (bot, calls) = canned(200, edited).await;

            call_unread_by(http.as_ref(), &bot, &an_edit())
                .await
                .expect("done");

            let calls = calls.lock().expect("calls").clone();
            assert_eq!(calls.len(), 1);
            assert_eq!(calls[0].0, "/bot123:secret/EditMessageText");
            let sent: serde_json::Value = serde_json::from_str(&calls[0].1).expect("JSON");
            assert_eq!(
                sent,
                serde_json::json!({"chat_id": 7, "message_id": 9, "text": "текст"})
            );
        }
    }

    #[tokio::test]
    async fn a_call_unread_fails_as_teloxide_would() {
        for http in transports() {
            let call = |bot: Bot| {
                let http = http.as_ref();
                async move { call_unread_by(http, &bot, &an_edit()).await }
            };
            let not_modified = r#"{"ok":false,"error_code":400,"description":"Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"}"#;
            let (bot, _) = canned(400, not_modified).await;
            let e = call(bot).await.expect_err("refused");
            assert!(
                matches!(e, RequestError::Api(ApiError::MessageNotModified)),
                "{e:?}"
            );

            let flood = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#;
            let (bot, _) = canned(429, flood).await;
            let e = call(bot).await.expect_err("flood");
            assert!(
                matches!(e, RequestError::RetryAfter(s) if s.seconds() == 7),
                "{e:?}"
            );

            let odd = r#"{"ok":false,"error_code":400,"description":"Bad Request: something new"}"#;
            let (bot, _) = canned(400, odd).await;
            let e = call(bot).await.expect_err("unknown");
            assert!(
                matches!(&e, RequestError::Api(ApiError::Unknown(d)) if d == "Bad Request: something new"),
                "{e:?}"
            );

            // What a proxy in front of the Bot API may answer (a 5xx waits
            // first; the faults tests see that through the whole bot).
            let (bot, _) = canned(200, "<html>Bad Gateway</html>").await;
            let e = call(bot).await.expect_err("not JSON");
            assert!(matches!(e, RequestError::InvalidJson { .. }), "{e:?}");
            assert!(is_transient(&e), "retried");
        }
    }

    #[tokio::test]
    async fn a_call_unread_that_reaches_no_server_fails_transiently_without_the_token() {
        for http in transports() {
            // A port just freed: nothing listens on it.
            let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
            let url = format!("http://{}/", tcp.local_addr().expect("address"));
            drop(tcp);
            let bot = Bot::new("123:secret").set_api_url(url.parse().expect("a URL"));

            let e = call_unread_by(http.as_ref(), &bot, &an_edit())
                .await
                .expect_err("refused");

            assert!(is_transient(&e), "{e:?}");
            assert!(!format!("{e} {e:?}").contains("secret"), "{e:?}");
        }
    }

    #[test]
    fn only_network_and_server_side_failures_are_transient() {
        assert!(is_transient(&server_error()));
        assert!(is_transient(&RequestError::Api(ApiError::Unknown(
            "Bad Gateway".into()
        ))));
        assert!(!is_transient(&RequestError::Api(
            ApiError::MessageToEditNotFound
        )));
        assert!(!is_transient(&RequestError::RetryAfter(
            teloxide::types::Seconds::from_seconds(3)
        )));
    }
}
