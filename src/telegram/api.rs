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
pub trait Api: Requester<Err = RequestError> + Clone + Send + Sync + 'static {}

impl<T> Api for T where T: Requester<Err = RequestError> + Clone + Send + Sync + 'static {}

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
    let edited = retrying("editMessageText", || {
        bot.edit_message_text(chat, message, text)
            .parse_mode(ParseMode::Html)
            .reply_markup(keyboard.clone())
            .into_future()
    })
    .await;
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
    retrying("answerCallbackQuery", || {
        let request = bot.answer_callback_query(query.id.clone());
        match text {
            Some(text) => request.text(text).into_future(),
            None => request.into_future(),
        }
    })
    .await
    .map(drop)
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
