//! A fake Telegram Bot API server for end-to-end tests.
//!
//! The real bot binary talks to it through `TELOXIDE_API_URL=<FakeApi::url()>`.
//! Requests arrive as `POST /bot<TOKEN>/<methodName>` with a JSON body (or
//! multipart/form-data for uploads). The server simulates one bot, the users
//! and chats a test creates, and the messages the bot sends; it validates the
//! requests the way Telegram does where that matters for bugs in the bot
//! (HTML entities, text lengths, callback data sizes, "message is not
//! modified", stale callback queries) and records every request so tests can
//! wait for and inspect them.
//!
//! The state lives in the test process, so it survives the bot process being
//! killed and restarted against the same `FakeApi`.
//!
//! Fault switches ([`FakeApi::fail_next`]) make the next calls of a method
//! answer 429 with `retry_after`, 500, arrive late, or lose their TCP
//! connection (before or after the call took effect); the user can delete a
//! bot message ([`FakeApi::delete_message_as_user`]); and the delivery of
//! updates can be held back ([`FakeApi::hold_updates`]) to order events
//! deterministically.
#![allow(dead_code)] // not every test module uses every helper

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::http::{header, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use tokio::sync::{oneshot, watch};

pub const BOT_ID: i64 = 1000;
pub const BOT_USERNAME: &str = "churn_audit_test_bot";
pub const BOT_FIRST_NAME: &str = "Churn Audit";

/// Upper bound for holding a long-polling `getUpdates` request.
const MAX_LONG_POLL: Duration = Duration::from_secs(1);
/// Telegram's upload limit for bots.
const MAX_BODY_BYTES: usize = 50 * 1024 * 1024;
const MAX_TEXT_UTF16: usize = 4096;
const MAX_CAPTION_UTF16: usize = 1024;
const MAX_CALLBACK_ANSWER_CHARS: usize = 200;

const ERR_NOT_MODIFIED: &str =
    "Bad Request: message is not modified: specified new message content and reply \
     markup are exactly the same as a current content and reply markup of the message";
const ERR_QUERY_TOO_OLD: &str =
    "Bad Request: query is too old and response timeout expired or query id is invalid";
const ERR_TEXT_BUTTONS: &str = "Bad Request: can't parse inline keyboard button: Text buttons are \
     unallowed in the inline keyboard";

// ---------------------------------------------------------------------------
// Public data types
// ---------------------------------------------------------------------------

/// One request the bot made, with the answer it got.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Position in the request log (0-based); see [`FakeApi::request_count`].
    pub seq: usize,
    pub token: String,
    /// Method name, canonical camelCase (`sendMessage`) even though teloxide
    /// sends `SendMessage` (Telegram ignores the case).
    pub method: String,
    /// Parameters as a JSON object. For multipart requests: the text fields;
    /// fields that contain JSON objects/arrays (e.g. `reply_markup`) are parsed,
    /// scalars stay strings (use [`Recorded::i64_param`]).
    pub params: Value,
    /// Uploaded files (multipart only).
    pub files: Vec<RecordedFile>,
    /// HTTP status of the answer (200, 400, 429, ...); 0 when the connection
    /// was dropped and the bot got no answer at all.
    pub status: u16,
    /// The full JSON answer. For [`FaultKind::LoseResponse`]: the answer the
    /// call got on the server side, which never reached the bot.
    pub response: Value,
    /// The fault switch that hit this request, if any.
    pub fault: Option<FaultKind>,
    /// When the server finished with the request.
    pub at: Instant,
}

impl Recorded {
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    pub fn str_param(&self, name: &str) -> Option<&str> {
        p_str(&self.params, name)
    }

    /// Accepts JSON numbers and numeric strings (multipart).
    pub fn i64_param(&self, name: &str) -> Option<i64> {
        p_i64(&self.params, name)
    }

    pub fn is_ok(&self) -> bool {
        self.status == 200
    }

    /// The connection was closed without an answer (see [`FaultKind::DropConnection`]
    /// and [`FaultKind::LoseResponse`]).
    pub fn is_dropped(&self) -> bool {
        self.status == 0
    }

    /// `description` of an error answer.
    pub fn error_description(&self) -> Option<&str> {
        if self.is_ok() || self.is_dropped() {
            None
        } else {
            self.response.get("description").and_then(Value::as_str)
        }
    }

    pub fn file(&self, field: &str) -> Option<&RecordedFile> {
        self.files.iter().find(|f| f.field == field)
    }
}

impl fmt::Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} {}",
            self.seq,
            self.method,
            truncate(&self.params.to_string(), 300)
        )?;
        for file in &self.files {
            write!(
                f,
                " [file {}={:?}, {} bytes]",
                file.field,
                file.file_name,
                file.bytes.len()
            )?;
        }
        if let Some(fault) = &self.fault {
            write!(f, " [fault {fault:?}]")?;
        }
        match self.error_description() {
            None if self.is_dropped() => write!(f, " -> connection dropped, no answer"),
            None => write!(f, " -> {}", self.status),
            Some(d) => write!(f, " -> {} {}", self.status, d),
        }
    }
}

/// A file uploaded in a multipart request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedFile {
    /// The API field it was attached to (`document`, `photo`, ...), resolved
    /// through `attach://` references.
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl RecordedFile {
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// A file attached to a stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// `"document"` or `"photo"`.
    pub kind: String,
    pub file_id: String,
    /// Set for uploads (not for re-sent file ids / URLs).
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A message as the simulated world currently holds it.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub chat_id: i64,
    pub message_id: i32,
    pub from_bot: bool,
    /// Sender (the bot's id for bot messages).
    pub from_user_id: i64,
    pub date: i64,
    pub edit_date: Option<i64>,
    /// Text (caption for media) exactly as the bot sent it, markup included.
    pub text: String,
    /// Text as the user sees it (HTML parsed, entities decoded).
    pub plain_text: String,
    pub parse_mode: Option<String>,
    /// Entities as Telegram would return them (UTF-16 offsets).
    pub entities: Vec<Value>,
    /// Inline keyboard rows as `(label, callback_data)`. Buttons without
    /// callback data appear as `(label, "<field>:<value>")`, e.g. `"url:https://…"`.
    pub keyboard: Vec<Vec<(String, String)>>,
    /// `reply_markup` as sent (any keyboard type).
    pub reply_markup: Option<Value>,
    pub attachment: Option<Attachment>,
    pub edit_count: u32,
}

impl StoredMessage {
    /// All callback_data values of the inline keyboard, row by row.
    pub fn callback_data(&self) -> Vec<String> {
        self.keyboard
            .iter()
            .flatten()
            .map(|(_, data)| data.clone())
            .collect()
    }

    /// Callback data of the first button whose label contains `label_part`.
    pub fn button_data(&self, label_part: &str) -> Option<String> {
        self.keyboard
            .iter()
            .flatten()
            .find(|(label, _)| label.contains(label_part))
            .map(|(_, data)| data.clone())
    }
}

/// A user of the simulated world.
#[derive(Clone, Debug)]
pub struct FakeUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl FakeUser {
    /// A user with language_code `ru`.
    pub fn new(id: i64, first_name: &str) -> Self {
        FakeUser {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: Some("ru".to_owned()),
        }
    }

    pub fn username(mut self, username: &str) -> Self {
        self.username = Some(username.to_owned());
        self
    }

    /// `None` removes the language_code from updates.
    pub fn language(mut self, code: Option<&str>) -> Self {
        self.language_code = code.map(str::to_owned);
        self
    }
}

/// What a fault switch does to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// HTTP 429 with `parameters.retry_after`; teloxide turns it into
    /// `RequestError::RetryAfter`.
    Status429 { retry_after: u32 },
    /// HTTP 500 "Internal Server Error". Note: teloxide sleeps 10 s before
    /// returning the error on any 5xx answer.
    Status500,
    /// Hold the request this long, then handle it normally. Longer than the
    /// client's timeout (17 s for teloxide) it becomes a timeout.
    Delay(Duration),
    /// Read the request, then close the TCP connection without any HTTP
    /// answer; the call does not take effect (it never reached Telegram).
    /// teloxide reports `RequestError::Network`.
    DropConnection,
    /// Handle the call normally (it takes effect), then close the TCP
    /// connection without sending the answer: the bot can't know it worked.
    LoseResponse,
}

#[derive(Clone, Debug)]
struct FaultRule {
    /// Method name (case-insensitive) or `*` for any method.
    method: String,
    remaining: u32,
    kind: FaultKind,
}

/// Fault switches, checked at the top of every request.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    /// The next `n` calls of `method` (`"*"` = any method) get `kind`.
    /// Rules are consumed in the order they were added.
    pub fn fail_next(&mut self, method: &str, n: u32, kind: FaultKind) {
        if n > 0 {
            self.rules.push(FaultRule {
                method: method.to_owned(),
                remaining: n,
                kind,
            });
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn take(&mut self, method: &str) -> Option<FaultKind> {
        let idx = self
            .rules
            .iter()
            .position(|r| r.method == "*" || r.method.eq_ignore_ascii_case(method))?;
        let rule = &mut self.rules[idx];
        rule.remaining -= 1;
        let kind = rule.kind.clone();
        if rule.remaining == 0 {
            self.rules.remove(idx);
        }
        Some(kind)
    }
}

/// A `wait_*` helper ran out of time. `Debug` prints the same readable text
/// as `Display`, so `.unwrap()` / `.expect()` give a useful panic message.
pub struct WaitTimeout {
    pub message: String,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.message)
    }
}

impl std::error::Error for WaitTimeout {}

// ---------------------------------------------------------------------------
// The simulated world
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum ChatKind {
    Private,
    Group { title: String },
}

#[derive(Clone, Debug)]
struct FakeChat {
    id: i64,
    kind: ChatKind,
}

#[derive(Clone, Debug)]
struct PendingUpdate {
    id: u32,
    json: Value,
}

#[derive(Clone, Debug)]
struct CallbackAnswer {
    text: Option<String>,
    show_alert: bool,
    url: Option<String>,
}

#[derive(Clone, Debug)]
struct CallbackState {
    chat_id: i64,
    message_id: i32,
    user_id: i64,
    answer: Option<CallbackAnswer>,
}

#[derive(Debug)]
struct World {
    next_update_id: u32,
    /// Unconfirmed updates, ascending ids.
    updates: VecDeque<PendingUpdate>,
    /// Every update id below this has been confirmed by the bot.
    confirmed_below: u32,
    /// getUpdates requests currently parked in long polling.
    parked_polls: usize,
    users: BTreeMap<i64, FakeUser>,
    chats: BTreeMap<i64, FakeChat>,
    blocked: HashSet<i64>,
    messages: BTreeMap<(i64, i32), StoredMessage>,
    last_message_id: HashMap<i64, i32>,
    callbacks: HashMap<String, CallbackState>,
    next_callback: u64,
    next_file: u64,
    commands: BTreeMap<String, Value>,
    requests: Vec<Recorded>,
    faults: Faults,
    /// Requests a fault switch hit (counted when they arrive).
    faults_fired: usize,
    /// While set, getUpdates hands out nothing (updates wait on the server).
    updates_held: bool,
    /// Bot messages the user deleted, `(chat_id, message_id)`.
    deleted_by_user: Vec<(i64, i32)>,
    /// The webhook's URL while one is set: Telegram then refuses getUpdates.
    webhook_url: Option<String>,
    /// Why Telegram's last post to the webhook failed, and when (Unix time).
    webhook_error: Option<(i64, String)>,
    /// Tokens Telegram no longer knows (revoked): every call with one
    /// gets 401 Unauthorized.
    revoked: HashSet<String>,
}

struct Shared {
    world: Mutex<World>,
    /// Bumped whenever an update is pushed (wakes long polls).
    updates_tx: watch::Sender<u64>,
    /// Bumped on every state change (wakes `wait_*` helpers).
    events_tx: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        self.events_tx.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn update_pushed(&self) {
        self.updates_tx.send_modify(|v| *v = v.wrapping_add(1));
        self.changed();
    }

    fn record(&self, call: Call, reply: &Reply, fault: Option<FaultKind>) {
        self.lock().record(call, reply, fault);
        self.changed();
    }
}

/// A request as read from the wire.
struct Call {
    token: String,
    method: String,
    params: Value,
    files: Vec<RecordedFile>,
}

/// A duplicate of the connection's socket, kept with the connection so a
/// handler can close it under the client (`DropConnection`).
struct ConnSocket(TcpStream);

/// Stores a [`ConnSocket`] for every accepted TCP connection.
fn remember_socket(conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions) {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            if let Ok(fd) = stream.as_fd().try_clone_to_owned() {
                ext.insert(ConnSocket(TcpStream::from(fd)));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (conn, ext);
}

struct ServerGuard {
    handle: ServerHandle,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        // `stop` sends the command right away; the returned future only waits
        // for completion, which we don't need.
        std::mem::drop(self.handle.stop(false));
    }
}

/// The fake Bot API server. Cheap to clone; the server stops when the last
/// clone is dropped.
#[derive(Clone)]
pub struct FakeApi {
    shared: Arc<Shared>,
    url: String,
    _server: Arc<ServerGuard>,
}

impl FakeApi {
    /// Binds 127.0.0.1 on a free port and serves from a background thread.
    pub async fn start() -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake api: bind 127.0.0.1:0");
        let port = listener.local_addr().expect("fake api: local_addr").port();
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new()),
            updates_tx: watch::channel(0).0,
            events_tx: watch::channel(0).0,
        });
        let (tx, rx) = oneshot::channel::<Result<ServerHandle, String>>();
        let data = web::Data::from(shared.clone());
        std::thread::Builder::new()
            .name("fake-telegram-api".to_owned())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let server = HttpServer::new(move || {
                        App::new()
                            .app_data(data.clone())
                            .default_service(web::to(handle_request))
                    })
                    .on_connect(remember_socket)
                    .workers(2)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .listen(listener);
                    let server = match server {
                        Ok(s) => s.run(),
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                    let _ = tx.send(Ok(server.handle()));
                    let _ = server.await;
                });
            })
            .expect("fake api: spawn server thread");
        let handle = rx
            .await
            .expect("fake api: server thread died")
            .expect("fake api: server failed to start");
        FakeApi {
            shared,
            url: format!("http://127.0.0.1:{port}/"),
            _server: Arc::new(ServerGuard { handle }),
        }
    }

    /// `http://127.0.0.1:PORT/` — the value for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    // ----- world setup ----------------------------------------------------

    /// Adds (or replaces) a user and their private chat (chat id == user id).
    pub fn add_user(&self, user: FakeUser) {
        let mut w = self.shared.lock();
        w.chats.insert(
            user.id,
            FakeChat {
                id: user.id,
                kind: ChatKind::Private,
            },
        );
        w.users.insert(user.id, user);
        drop(w);
        self.shared.changed();
    }

    /// Adds a group chat (`chat_id` must be negative).
    pub fn add_group(&self, chat_id: i64, title: &str) {
        assert!(chat_id < 0, "group chat ids are negative, got {chat_id}");
        self.shared.lock().chats.insert(
            chat_id,
            FakeChat {
                id: chat_id,
                kind: ChatKind::Group {
                    title: title.to_owned(),
                },
            },
        );
        self.shared.changed();
    }

    /// While blocked, sending to the user's private chat answers 403
    /// "Forbidden: bot was blocked by the user".
    pub fn set_blocked(&self, user_id: i64, blocked: bool) {
        let mut w = self.shared.lock();
        if blocked {
            w.blocked.insert(user_id);
        } else {
            w.blocked.remove(&user_id);
        }
    }

    // ----- updates ----------------------------------------------------------

    /// A user writes `text` in `chat_id` (== `user_id` for a private chat,
    /// negative for a group). Unknown users/chats are created on the fly.
    /// A leading `/command` gets a `bot_command` entity. Returns the update_id.
    pub fn push_text(&self, user_id: i64, chat_id: i64, text: &str) -> u32 {
        let update_id = {
            let mut w = self.shared.lock();
            w.ensure_user(user_id);
            w.ensure_chat(chat_id, user_id);
            let message_id = w.next_message_id(chat_id);
            let plain = text.to_owned();
            let entities = command_entity(text).into_iter().collect();
            let msg = StoredMessage {
                chat_id,
                message_id,
                from_bot: false,
                from_user_id: user_id,
                date: now(),
                edit_date: None,
                text: plain.clone(),
                plain_text: plain,
                parse_mode: None,
                entities,
                keyboard: Vec::new(),
                reply_markup: None,
                attachment: None,
                edit_count: 0,
            };
            let json = w.message_json(&msg);
            w.messages.insert((chat_id, message_id), msg);
            w.push_update("message", json)
        };
        self.shared.update_pushed();
        update_id
    }

    /// The user presses an inline button on the bot's message `message_id`.
    /// Returns `(update_id, callback_query_id)`. Panics if there is no such
    /// bot message (test bug).
    pub fn push_callback(
        &self,
        user_id: i64,
        chat_id: i64,
        message_id: i32,
        data: &str,
    ) -> (u32, String) {
        let result = {
            let mut w = self.shared.lock();
            w.ensure_user(user_id);
            w.ensure_chat(chat_id, user_id);
            let msg = match w.messages.get(&(chat_id, message_id)) {
                Some(m) if m.from_bot => m.clone(),
                _ => panic!("push_callback: no bot message {message_id} in chat {chat_id}"),
            };
            w.next_callback += 1;
            let query_id = (4_000_000_000_000_000_000u64 + w.next_callback).to_string();
            w.callbacks.insert(
                query_id.clone(),
                CallbackState {
                    chat_id,
                    message_id,
                    user_id,
                    answer: None,
                },
            );
            let json = json!({
                "id": query_id,
                "from": w.user_json(user_id),
                "message": w.message_json(&msg),
                "chat_instance": format!("{}", chat_id.unsigned_abs().wrapping_mul(7919)),
                "data": data,
            });
            (w.push_update("callback_query", json), query_id)
        };
        self.shared.update_pushed();
        result
    }

    /// Pushes an arbitrary update, e.g. `push_raw_update("my_chat_member", json!({...}))`.
    pub fn push_raw_update(&self, kind: &str, payload: Value) -> u32 {
        let id = self.shared.lock().push_update(kind, payload);
        self.shared.update_pushed();
        id
    }

    /// Takes a pushed update off the getUpdates queue and returns its JSON,
    /// as Telegram would post it to a webhook. Panics if there is no such
    /// update (test bug).
    pub fn take_update(&self, update_id: u32) -> String {
        let mut w = self.shared.lock();
        let at = w
            .updates
            .iter()
            .position(|u| u.id == update_id)
            .unwrap_or_else(|| panic!("take_update: no pending update {update_id}"));
        let update = w.updates.remove(at).expect("the position just found");
        update.json.to_string()
    }

    /// Updates not yet confirmed by the bot (fetched or not).
    pub fn pending_update_count(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// True once the bot called getUpdates with an offset beyond `update_id`.
    pub fn is_confirmed(&self, update_id: u32) -> bool {
        update_id < self.shared.lock().confirmed_below
    }

    // ----- the webhook, the token ----------------------------------------------

    /// Sets a webhook as `setWebhook` would, without a request recorded:
    /// getUpdates is refused (409) until `deleteWebhook`.
    pub fn set_webhook(&self, url: &str) {
        let mut w = self.shared.lock();
        w.webhook_url = Some(url.to_owned());
        w.webhook_error = None;
    }

    /// The token is revoked (or never was): every call made with it is
    /// answered 401 Unauthorized, as Telegram does.
    pub fn revoke_token(&self, token: &str) {
        self.shared.lock().revoked.insert(token.to_owned());
    }

    /// Telegram's last post to the webhook failed, at `date` (Unix time),
    /// as `getWebhookInfo` reports it.
    pub fn fail_webhook_delivery(&self, date: i64, message: &str) {
        self.shared.lock().webhook_error = Some((date, message.to_owned()));
    }

    /// The webhook's URL, while one is set.
    pub fn webhook_url(&self) -> Option<String> {
        self.shared.lock().webhook_url.clone()
    }

    // ----- faults -------------------------------------------------------------

    /// The next `n` calls of `method` (`"*"` = any) fail with `kind`.
    pub fn fail_next(&self, method: &str, n: u32, kind: FaultKind) {
        self.shared.lock().faults.fail_next(method, n, kind);
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Fault switches not used up yet.
    pub fn faults_pending(&self) -> bool {
        !self.shared.lock().faults.is_empty()
    }

    /// Waits until every fault switch has hit its requests (a delayed or
    /// dropped request counts from the moment it arrives).
    pub async fn wait_for_faults_used(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until("the fault switches to be used up", timeout, |w| {
            w.faults.is_empty().then_some(())
        })
        .await
    }

    /// How many requests a fault switch hit so far (counted when they
    /// arrive, so a delayed request counts before it is answered).
    pub fn faults_injected(&self) -> usize {
        self.shared.lock().faults_fired
    }

    /// The user deletes the bot message `message_id` (as from their client):
    /// it is gone for good, later edits answer 400 "message to edit not
    /// found", and no button on it can be pressed any more. Returns false if
    /// there was no such bot message.
    pub fn delete_message_as_user(&self, chat_id: i64, message_id: i32) -> bool {
        let deleted = {
            let mut w = self.shared.lock();
            let is_bot = w
                .messages
                .get(&(chat_id, message_id))
                .is_some_and(|m| m.from_bot);
            if is_bot {
                w.messages.remove(&(chat_id, message_id));
                w.deleted_by_user.push((chat_id, message_id));
            }
            is_bot
        };
        self.shared.changed();
        deleted
    }

    /// Bot messages the user deleted, `(chat_id, message_id)`, in order.
    pub fn deleted_by_user(&self) -> Vec<(i64, i32)> {
        self.shared.lock().deleted_by_user.clone()
    }

    /// While held, getUpdates answers with no updates (long polls still wait
    /// as usual): pushed updates stay on the server until released. Lets a
    /// test change the world between a push and its delivery.
    pub fn hold_updates(&self, held: bool) {
        self.shared.lock().updates_held = held;
        // Wakes parked long polls, which then look again.
        self.shared.update_pushed();
    }

    /// Direct access to the fault switches.
    pub fn with_faults<T>(&self, f: impl FnOnce(&mut Faults) -> T) -> T {
        f(&mut self.shared.lock().faults)
    }

    // ----- inspection -----------------------------------------------------------

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// The requests answered with an error, as text, in order.
    pub fn refused(&self) -> Vec<String> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| !r.is_ok())
            .map(ToString::to_string)
            .collect()
    }

    /// Requests of one method (case-insensitive), in order.
    pub fn requests_for(&self, method: &str) -> Vec<Recorded> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is(method))
            .cloned()
            .collect()
    }

    /// Number of recorded requests; use as a mark (`r.seq >= mark`).
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<StoredMessage> {
        self.shared
            .lock()
            .messages
            .get(&(chat_id, message_id))
            .cloned()
    }

    /// Bot messages in a chat, oldest first (deleted ones are gone).
    pub fn bot_messages(&self, chat_id: i64) -> Vec<StoredMessage> {
        self.shared.lock().bot_messages(chat_id)
    }

    pub fn last_bot_message(&self, chat_id: i64) -> Option<StoredMessage> {
        self.shared.lock().bot_messages(chat_id).pop()
    }

    /// Commands set by setMyCommands for the default scope.
    pub fn my_commands(&self, language_code: Option<&str>) -> Option<Vec<(String, String)>> {
        let w = self.shared.lock();
        let key = commands_key(&json!({"type": "default"}), language_code.unwrap_or(""));
        let list = w.commands.get(&key)?.as_array()?.clone();
        Some(
            list.iter()
                .map(|c| {
                    (
                        p_str(c, "command").unwrap_or_default().to_owned(),
                        p_str(c, "description").unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        )
    }

    // ----- waiting ------------------------------------------------------------

    /// Waits until `pred` holds for the request log and returns a snapshot of
    /// it. `pred` runs under the state lock: don't call `FakeApi` from it.
    pub async fn wait_for(
        &self,
        pred: impl Fn(&[Recorded]) -> bool,
        timeout: Duration,
    ) -> Result<Vec<Recorded>, WaitTimeout> {
        self.wait_until("a condition on the recorded requests", timeout, |w| {
            pred(&w.requests).then(|| w.requests.clone())
        })
        .await
    }

    /// Waits for the first recorded `method` request that satisfies `pred`.
    pub async fn wait_for_request(
        &self,
        method: &str,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Result<Recorded, WaitTimeout> {
        self.wait_until(&format!("a matching {method} request"), timeout, |w| {
            w.requests.iter().find(|r| r.is(method) && pred(r)).cloned()
        })
        .await
    }

    /// Waits until some current bot message in `chat_id` satisfies `pred`
    /// (sent or edited into that state); returns the newest such message.
    pub async fn wait_for_bot_message(
        &self,
        chat_id: i64,
        pred: impl Fn(&StoredMessage) -> bool,
        timeout: Duration,
    ) -> Result<StoredMessage, WaitTimeout> {
        self.wait_until(
            &format!("a matching bot message in chat {chat_id}"),
            timeout,
            |w| w.bot_messages(chat_id).into_iter().rev().find(|m| pred(m)),
        )
        .await
    }

    /// Waits until `n` bot messages in `chat_id` contain `needle`; returns
    /// the `n`-th.
    pub async fn wait_until_messages(
        &self,
        chat_id: i64,
        needle: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<StoredMessage, WaitTimeout> {
        self.wait_until(
            &format!("{n} bot messages with {needle:?} in chat {chat_id}"),
            timeout,
            |w| {
                w.bot_messages(chat_id)
                    .into_iter()
                    .filter(|m| m.plain_text.contains(needle))
                    .nth(n.checked_sub(1)?)
            },
        )
        .await
    }

    /// Waits until the callback query was answered; returns the answer text.
    pub async fn wait_callback_answered(
        &self,
        callback_query_id: &str,
        timeout: Duration,
    ) -> Result<Option<String>, WaitTimeout> {
        self.wait_until(
            &format!("answerCallbackQuery for {callback_query_id}"),
            timeout,
            |w| {
                w.callbacks
                    .get(callback_query_id)
                    .and_then(|c| c.answer.as_ref())
                    .map(|a| a.text.clone())
            },
        )
        .await
    }

    /// Waits until the bot confirmed `update_id` (getUpdates with a higher offset).
    pub async fn wait_until_confirmed(
        &self,
        update_id: u32,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.wait_until(
            &format!("the bot to confirm update {update_id}"),
            timeout,
            |w| (update_id < w.confirmed_below).then_some(()),
        )
        .await
    }

    /// Waits until a getUpdates long poll is parked with nothing to deliver,
    /// i.e. the bot is up and idle.
    pub async fn wait_for_idle_poll(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until(
            "the bot to park an idle getUpdates long poll",
            timeout,
            |w| (w.parked_polls > 0 && w.updates.is_empty()).then_some(()),
        )
        .await
    }

    /// Waits until a getUpdates long poll is parked, whether or not updates
    /// wait on the server (see [`FakeApi::hold_updates`]).
    pub async fn wait_for_parked_poll(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_until("a parked getUpdates long poll", timeout, |w| {
            (w.parked_polls > 0).then_some(())
        })
        .await
    }

    /// Core of the `wait_*` helpers: re-checks `check` on every state change.
    async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&World) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.shared.events_tx.subscribe();
        loop {
            rx.borrow_and_update();
            if let Some(v) = check(&self.shared.lock()) {
                return Ok(v);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) | Err(_) => {
                    let w = self.shared.lock();
                    if let Some(v) = check(&w) {
                        return Ok(v);
                    }
                    return Err(WaitTimeout {
                        message: w.timeout_report(what, timeout),
                    });
                }
            }
        }
    }
}

impl World {
    fn new() -> World {
        World {
            next_update_id: 1,
            updates: VecDeque::new(),
            confirmed_below: 0,
            parked_polls: 0,
            users: BTreeMap::new(),
            chats: BTreeMap::new(),
            blocked: HashSet::new(),
            messages: BTreeMap::new(),
            last_message_id: HashMap::new(),
            callbacks: HashMap::new(),
            next_callback: 0,
            next_file: 0,
            commands: BTreeMap::new(),
            requests: Vec::new(),
            faults: Faults::default(),
            faults_fired: 0,
            updates_held: false,
            deleted_by_user: Vec::new(),
            webhook_url: None,
            webhook_error: None,
            revoked: HashSet::new(),
        }
    }

    /// Appends a request to the log; with the change the call made, under
    /// the same lock, so a waiter never sees one without the other.
    fn record(&mut self, call: Call, reply: &Reply, fault: Option<FaultKind>) {
        let dropped = matches!(
            fault,
            Some(FaultKind::DropConnection | FaultKind::LoseResponse)
        );
        let seq = self.requests.len();
        self.requests.push(Recorded {
            seq,
            token: call.token,
            method: call.method,
            params: call.params,
            files: call.files,
            status: if dropped { 0 } else { reply.status },
            response: reply.body.clone(),
            fault,
            at: Instant::now(),
        });
    }

    fn timeout_report(&self, what: &str, timeout: Duration) -> String {
        let polls = self.requests.iter().filter(|r| r.is("getUpdates")).count();
        let others: Vec<&Recorded> = self
            .requests
            .iter()
            .filter(|r| !r.is("getUpdates"))
            .collect();
        let mut s = format!(
            "fake api: timed out after {timeout:?} waiting for {what}\n\
             {} requests recorded ({polls} getUpdates); last other requests:\n",
            self.requests.len()
        );
        if others.is_empty() {
            s.push_str("  (none)\n");
        }
        for r in others.iter().skip(others.len().saturating_sub(15)) {
            s.push_str(&format!("  {r}\n"));
        }
        s.push_str(&format!(
            "pending updates: {:?}; confirmed below update {}",
            self.updates.iter().map(|u| u.id).collect::<Vec<_>>(),
            self.confirmed_below
        ));
        s
    }

    fn ensure_user(&mut self, user_id: i64) {
        assert!(user_id > 0, "user ids are positive, got {user_id}");
        self.users
            .entry(user_id)
            .or_insert_with(|| FakeUser::new(user_id, &format!("User {user_id}")));
    }

    fn ensure_chat(&mut self, chat_id: i64, user_id: i64) {
        if self.chats.contains_key(&chat_id) {
            return;
        }
        let kind = if chat_id == user_id {
            ChatKind::Private
        } else if chat_id < 0 {
            ChatKind::Group {
                title: format!("Group {chat_id}"),
            }
        } else {
            panic!("a private chat's id must equal the user id (chat {chat_id}, user {user_id})");
        };
        self.chats.insert(chat_id, FakeChat { id: chat_id, kind });
    }

    fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let id = self.last_message_id.entry(chat_id).or_insert(0);
        *id += 1;
        *id
    }

    fn push_update(&mut self, kind: &str, payload: Value) -> u32 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut json = Map::new();
        json.insert("update_id".to_owned(), json!(id));
        json.insert(kind.to_owned(), payload);
        self.updates.push_back(PendingUpdate {
            id,
            json: Value::Object(json),
        });
        id
    }

    /// getUpdates offset semantics: positive offsets confirm everything below;
    /// negative ones keep only the last `-offset` updates.
    fn confirm(&mut self, offset: i64) {
        if offset > 0 {
            let offset = u32::try_from(offset).unwrap_or(u32::MAX);
            self.updates.retain(|u| u.id >= offset);
            self.confirmed_below = self.confirmed_below.max(offset);
        } else if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while self.updates.len() > keep {
                if let Some(u) = self.updates.pop_front() {
                    self.confirmed_below = self.confirmed_below.max(u.id + 1);
                }
            }
        }
    }

    fn pending(&self, limit: usize) -> Vec<Value> {
        if self.updates_held {
            return Vec::new();
        }
        self.updates
            .iter()
            .take(limit)
            .map(|u| u.json.clone())
            .collect()
    }

    fn bot_messages(&self, chat_id: i64) -> Vec<StoredMessage> {
        self.messages
            .range((chat_id, i32::MIN)..=(chat_id, i32::MAX))
            .map(|(_, m)| m)
            .filter(|m| m.from_bot)
            .cloned()
            .collect()
    }

    // ----- JSON of world objects --------------------------------------------

    fn bot_user_json(&self) -> Value {
        json!({
            "id": BOT_ID,
            "is_bot": true,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        })
    }

    fn user_json(&self, user_id: i64) -> Value {
        let Some(u) = self.users.get(&user_id) else {
            return json!({"id": user_id, "is_bot": false, "first_name": format!("User {user_id}")});
        };
        let mut o = Map::new();
        o.insert("id".into(), json!(u.id));
        o.insert("is_bot".into(), json!(false));
        o.insert("first_name".into(), json!(u.first_name));
        if let Some(v) = &u.last_name {
            o.insert("last_name".into(), json!(v));
        }
        if let Some(v) = &u.username {
            o.insert("username".into(), json!(v));
        }
        if let Some(v) = &u.language_code {
            o.insert("language_code".into(), json!(v));
        }
        Value::Object(o)
    }

    fn chat_json(&self, chat_id: i64) -> Value {
        match self.chats.get(&chat_id).map(|c| &c.kind) {
            Some(ChatKind::Group { title }) => {
                json!({"id": chat_id, "type": "group", "title": title})
            }
            _ => {
                let mut o = Map::new();
                o.insert("id".into(), json!(chat_id));
                o.insert("type".into(), json!("private"));
                match self.users.get(&chat_id) {
                    Some(u) => {
                        o.insert("first_name".into(), json!(u.first_name));
                        if let Some(v) = &u.last_name {
                            o.insert("last_name".into(), json!(v));
                        }
                        if let Some(v) = &u.username {
                            o.insert("username".into(), json!(v));
                        }
                    }
                    None => {
                        o.insert("first_name".into(), json!(format!("User {chat_id}")));
                    }
                }
                Value::Object(o)
            }
        }
    }

    fn message_json(&self, m: &StoredMessage) -> Value {
        let mut o = Map::new();
        o.insert("message_id".into(), json!(m.message_id));
        o.insert(
            "from".into(),
            if m.from_bot {
                self.bot_user_json()
            } else {
                self.user_json(m.from_user_id)
            },
        );
        o.insert("chat".into(), self.chat_json(m.chat_id));
        o.insert("date".into(), json!(m.date));
        if let Some(d) = m.edit_date {
            o.insert("edit_date".into(), json!(d));
        }
        match &m.attachment {
            None => {
                o.insert("text".into(), json!(m.plain_text));
                if !m.entities.is_empty() {
                    o.insert("entities".into(), json!(m.entities));
                }
            }
            Some(a) => {
                let size = a.bytes.len().max(1);
                let unique = format!("u{}", a.file_id);
                if a.kind == "photo" {
                    o.insert(
                        "photo".into(),
                        json!([{"file_id": a.file_id, "file_unique_id": unique,
                                "width": 640, "height": 480, "file_size": size}]),
                    );
                } else {
                    let mut d = Map::new();
                    d.insert("file_id".into(), json!(a.file_id));
                    d.insert("file_unique_id".into(), json!(unique));
                    if let Some(name) = &a.file_name {
                        d.insert("file_name".into(), json!(name));
                    }
                    d.insert("file_size".into(), json!(size));
                    o.insert("document".into(), Value::Object(d));
                }
                if !m.plain_text.is_empty() {
                    o.insert("caption".into(), json!(m.plain_text));
                    if !m.entities.is_empty() {
                        o.insert("caption_entities".into(), json!(m.entities));
                    }
                }
            }
        }
        if let Some(markup) = inline_part(&m.reply_markup) {
            o.insert("reply_markup".into(), markup);
        }
        Value::Object(o)
    }

    // ----- method handlers ----------------------------------------------------

    fn call(&mut self, method: &str, p: &Value, files: &[RecordedFile]) -> Reply {
        let result = match method.to_ascii_lowercase().as_str() {
            "getme" => {
                let mut me = self.bot_user_json();
                if let Some(o) = me.as_object_mut() {
                    o.insert("can_join_groups".into(), json!(true));
                    o.insert("can_read_all_group_messages".into(), json!(false));
                    o.insert("supports_inline_queries".into(), json!(false));
                    o.insert("can_connect_to_business".into(), json!(false));
                    o.insert("has_main_web_app".into(), json!(false));
                }
                Ok(me)
            }
            "setwebhook" => match p.get("url").and_then(Value::as_str) {
                None => Err(Reply::bad("Bad Request: bad webhook: URL is empty")),
                Some(url) => {
                    self.webhook_url = Some(url.to_owned()).filter(|u| !u.is_empty());
                    self.webhook_error = None;
                    Ok(json!(true))
                }
            },
            "deletewebhook" => {
                self.webhook_url = None;
                Ok(json!(true))
            }
            "logout" | "close" => Ok(json!(true)),
            "getwebhookinfo" => {
                let mut info = json!({
                    "url": self.webhook_url.clone().unwrap_or_default(),
                    "has_custom_certificate": false,
                    "pending_update_count": self.updates.len(),
                });
                if let (Some((date, message)), Some(o)) =
                    (&self.webhook_error, info.as_object_mut())
                {
                    o.insert("last_error_date".into(), json!(date));
                    o.insert("last_error_message".into(), json!(message));
                }
                Ok(info)
            }
            "setmycommands" => self.set_my_commands(p),
            "getmycommands" => Ok(self
                .commands
                .get(&commands_key_of(p))
                .cloned()
                .unwrap_or_else(|| json!([]))),
            "deletemycommands" => {
                self.commands.remove(&commands_key_of(p));
                Ok(json!(true))
            }
            "sendmessage" => self.send_message(p),
            "editmessagetext" => self.edit_message_text(p),
            "editmessagecaption" => self.edit_message_caption(p),
            "editmessagereplymarkup" => self.edit_message_reply_markup(p),
            "deletemessage" => self.delete_message(p),
            "answercallbackquery" => self.answer_callback_query(p),
            "senddocument" => self.send_media(p, files, "document"),
            "sendphoto" => self.send_media(p, files, "photo"),
            "sendchataction" => self.target_chat(p).map(|_| json!(true)),
            _ => Ok(json!(true)),
        };
        match result {
            Ok(v) => Reply::ok(v),
            Err(e) => e,
        }
    }

    fn target_chat(&self, p: &Value) -> Result<i64, Reply> {
        let id = match p.get("chat_id") {
            None | Some(Value::Null) => return Err(Reply::bad("Bad Request: chat_id is empty")),
            Some(v) => match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| {
                    let name = s.trim().strip_prefix('@')?;
                    self.users
                        .values()
                        .find(|u| u.username.as_deref() == Some(name))
                        .map(|u| u.id)
                }),
                _ => None,
            },
        };
        let Some(id) = id.filter(|id| self.chats.contains_key(id)) else {
            return Err(Reply::bad("Bad Request: chat not found"));
        };
        if self.blocked.contains(&id) {
            return Err(Reply::error(403, "Forbidden: bot was blocked by the user"));
        }
        Ok(id)
    }

    fn send_message(&mut self, p: &Value) -> Result<Value, Reply> {
        let chat_id = self.target_chat(p)?;
        let text = p_str(p, "text").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode").map(str::to_owned);
        let (plain, entities) = render(text, parse_mode.as_deref(), p.get("entities"))?;
        if plain.trim().is_empty() {
            return Err(Reply::bad("Bad Request: message text is empty"));
        }
        if utf16_len(&plain) > MAX_TEXT_UTF16 {
            return Err(Reply::bad("Bad Request: message is too long"));
        }
        let reply_markup = reply_markup_param(p)?;
        let message_id = self.next_message_id(chat_id);
        let msg = StoredMessage {
            chat_id,
            message_id,
            from_bot: true,
            from_user_id: BOT_ID,
            date: now(),
            edit_date: None,
            text: text.to_owned(),
            plain_text: plain,
            parse_mode,
            entities,
            keyboard: keyboard_of(&reply_markup),
            reply_markup,
            attachment: None,
            edit_count: 0,
        };
        let json = self.message_json(&msg);
        self.messages.insert((chat_id, message_id), msg);
        Ok(json)
    }

    fn send_media(
        &mut self,
        p: &Value,
        files: &[RecordedFile],
        kind: &str,
    ) -> Result<Value, Reply> {
        let chat_id = self.target_chat(p)?;
        let (file_name, bytes, file_id) = if let Some(f) = files.iter().find(|f| f.field == kind) {
            if f.bytes.is_empty() {
                return Err(Reply::bad("Bad Request: file must be non-empty"));
            }
            self.next_file += 1;
            (
                Some(f.file_name.clone()),
                f.bytes.clone(),
                format!("fake-{kind}-{}", self.next_file),
            )
        } else {
            match p_str(p, kind) {
                Some(id) if !id.is_empty() && !id.starts_with("attach://") => {
                    (None, Vec::new(), id.to_owned())
                }
                _ => {
                    return Err(Reply::bad(format!(
                        "Bad Request: there is no {kind} in the request"
                    )))
                }
            }
        };
        let caption = p_str(p, "caption").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode").map(str::to_owned);
        let (plain, entities) = render(caption, parse_mode.as_deref(), p.get("caption_entities"))?;
        if utf16_len(&plain) > MAX_CAPTION_UTF16 {
            return Err(Reply::bad("Bad Request: message caption is too long"));
        }
        let reply_markup = reply_markup_param(p)?;
        let message_id = self.next_message_id(chat_id);
        let msg = StoredMessage {
            chat_id,
            message_id,
            from_bot: true,
            from_user_id: BOT_ID,
            date: now(),
            edit_date: None,
            text: caption.to_owned(),
            plain_text: plain,
            parse_mode,
            entities,
            keyboard: keyboard_of(&reply_markup),
            reply_markup,
            attachment: Some(Attachment {
                kind: kind.to_owned(),
                file_id,
                file_name,
                bytes,
            }),
            edit_count: 0,
        };
        let json = self.message_json(&msg);
        self.messages.insert((chat_id, message_id), msg);
        Ok(json)
    }

    /// Finds the bot message an edit refers to.
    fn message_to_edit(&self, p: &Value) -> Result<(i64, i32), Reply> {
        let chat_id = self.target_chat(p)?;
        let message_id = p_i64(p, "message_id")
            .and_then(|id| i32::try_from(id).ok())
            .ok_or_else(|| Reply::bad("Bad Request: message identifier is not specified"))?;
        match self.messages.get(&(chat_id, message_id)) {
            None => Err(Reply::bad("Bad Request: message to edit not found")),
            Some(m) if !m.from_bot => Err(Reply::bad("Bad Request: message can't be edited")),
            Some(_) => Ok((chat_id, message_id)),
        }
    }

    /// Applies an edit (text/caption and/or markup) after the "not modified" check.
    fn apply_edit(
        &mut self,
        key: (i64, i32),
        content: Option<(String, String, Option<String>, Vec<Value>)>,
        reply_markup: Option<Value>,
    ) -> Result<Value, Reply> {
        let Some(msg) = self.messages.get_mut(&key) else {
            return Err(Reply::bad("Bad Request: message to edit not found"));
        };
        let same_content = match &content {
            None => true,
            Some((_, plain, _, entities)) => *plain == msg.plain_text && *entities == msg.entities,
        };
        if same_content && inline_part(&reply_markup) == inline_part(&msg.reply_markup) {
            return Err(Reply::bad(ERR_NOT_MODIFIED));
        }
        if let Some((text, plain, parse_mode, entities)) = content {
            msg.text = text;
            msg.plain_text = plain;
            msg.parse_mode = parse_mode;
            msg.entities = entities;
        }
        // Like Telegram: an edit without reply_markup removes the inline keyboard.
        msg.keyboard = keyboard_of(&reply_markup);
        msg.reply_markup = reply_markup;
        msg.edit_count += 1;
        msg.edit_date = Some(now());
        let msg = msg.clone();
        Ok(self.message_json(&msg))
    }

    fn edit_message_text(&mut self, p: &Value) -> Result<Value, Reply> {
        let text = p_str(p, "text").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode").map(str::to_owned);
        let (plain, entities) = render(text, parse_mode.as_deref(), p.get("entities"))?;
        if plain.trim().is_empty() {
            return Err(Reply::bad("Bad Request: message text is empty"));
        }
        if utf16_len(&plain) > MAX_TEXT_UTF16 {
            return Err(Reply::bad("Bad Request: MESSAGE_TOO_LONG"));
        }
        let reply_markup = reply_markup_param(p)?;
        if p.get("inline_message_id").is_some() {
            return Ok(json!(true));
        }
        let key = self.message_to_edit(p)?;
        if self
            .messages
            .get(&key)
            .is_some_and(|m| m.attachment.is_some())
        {
            return Err(Reply::bad(
                "Bad Request: there is no text in the message to edit",
            ));
        }
        self.apply_edit(
            key,
            Some((text.to_owned(), plain, parse_mode, entities)),
            reply_markup,
        )
    }

    fn edit_message_caption(&mut self, p: &Value) -> Result<Value, Reply> {
        let caption = p_str(p, "caption").unwrap_or_default();
        let parse_mode = p_str(p, "parse_mode").map(str::to_owned);
        let (plain, entities) = render(caption, parse_mode.as_deref(), p.get("caption_entities"))?;
        if utf16_len(&plain) > MAX_CAPTION_UTF16 {
            return Err(Reply::bad("Bad Request: message caption is too long"));
        }
        let reply_markup = reply_markup_param(p)?;
        if p.get("inline_message_id").is_some() {
            return Ok(json!(true));
        }
        let key = self.message_to_edit(p)?;
        if self
            .messages
            .get(&key)
            .is_some_and(|m| m.attachment.is_none())
        {
            return Err(Reply::bad(
                "Bad Request: there is no caption in the message to edit",
            ));
        }
        self.apply_edit(
            key,
            Some((caption.to_owned(), plain, parse_mode, entities)),
            reply_markup,
        )
    }

    fn edit_message_reply_markup(&mut self, p: &Value) -> Result<Value, Reply> {
        let reply_markup = reply_markup_param(p)?;
        if p.get("inline_message_id").is_some() {
            return Ok(json!(true));
        }
        let key = self.message_to_edit(p)?;
        self.apply_edit(key, None, reply_markup)
    }

    fn delete_message(&mut self, p: &Value) -> Result<Value, Reply> {
        let chat_id = self.target_chat(p)?;
        let message_id = p_i64(p, "message_id")
            .and_then(|id| i32::try_from(id).ok())
            .ok_or_else(|| Reply::bad("Bad Request: message identifier is not specified"))?;
        match self.messages.remove(&(chat_id, message_id)) {
            Some(_) => Ok(json!(true)),
            None => Err(Reply::bad("Bad Request: message to delete not found")),
        }
    }

    fn answer_callback_query(&mut self, p: &Value) -> Result<Value, Reply> {
        let id = match p.get("callback_query_id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(Reply::bad(ERR_QUERY_TOO_OLD)),
        };
        let text = p_str(p, "text").map(str::to_owned);
        if text
            .as_deref()
            .is_some_and(|t| t.chars().count() > MAX_CALLBACK_ANSWER_CHARS)
        {
            return Err(Reply::bad("Bad Request: MESSAGE_TOO_LONG"));
        }
        match self.callbacks.get_mut(&id) {
            Some(cb) if cb.answer.is_none() => {
                cb.answer = Some(CallbackAnswer {
                    text,
                    show_alert: p_bool(p, "show_alert"),
                    url: p_str(p, "url").map(str::to_owned),
                });
                Ok(json!(true))
            }
            _ => Err(Reply::bad(ERR_QUERY_TOO_OLD)),
        }
    }

    fn set_my_commands(&mut self, p: &Value) -> Result<Value, Reply> {
        let Some(Value::Array(commands)) = p_json(p, "commands") else {
            return Err(Reply::bad("Bad Request: commands must be an Array"));
        };
        if commands.len() > 100 {
            return Err(Reply::bad("Bad Request: too many commands"));
        }
        for c in &commands {
            let name = p_str(c, "command").unwrap_or_default();
            let valid_name = (1..=32).contains(&name.len())
                && name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !valid_name {
                return Err(Reply::bad("Bad Request: BOT_COMMAND_INVALID"));
            }
            let description = p_str(c, "description").unwrap_or_default();
            if !(1..=256).contains(&description.chars().count()) {
                return Err(Reply::bad(
                    "Bad Request: command description is empty or too long",
                ));
            }
        }
        self.commands
            .insert(commands_key_of(p), Value::Array(commands));
        Ok(json!(true))
    }
}

// ---------------------------------------------------------------------------
// HTTP side
// ---------------------------------------------------------------------------

/// An answer: HTTP status + Bot API JSON body.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn ok(result: Value) -> Reply {
        Reply {
            status: 200,
            body: json!({"ok": true, "result": result}),
        }
    }

    fn error(code: u16, description: impl Into<String>) -> Reply {
        Reply {
            status: code,
            body: json!({"ok": false, "error_code": code, "description": description.into()}),
        }
    }

    fn bad(description: impl Into<String>) -> Reply {
        Reply::error(400, description)
    }

    fn too_many_requests(retry_after: u32) -> Reply {
        Reply {
            status: 429,
            body: json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after},
            }),
        }
    }

    fn into_http(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .content_type("application/json")
            .body(self.body.to_string())
    }
}

fn canonical_method(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `/bot<TOKEN>/<method>` → `(token, method)`.
fn split_path(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/bot")?;
    let (token, method) = rest.split_once('/')?;
    if token.is_empty() || method.is_empty() || method.contains('/') {
        return None;
    }
    Some((token.to_owned(), method.to_owned()))
}

async fn handle_request(
    req: HttpRequest,
    payload: web::Payload,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let Some((token, method)) = split_path(req.path()) else {
        return Reply::error(404, "Not Found").into_http();
    };
    // Telegram's method names are case-insensitive and teloxide sends them
    // capitalized ("SendMessage"); record the canonical "sendMessage".
    let method = canonical_method(&method);
    let (params, files) = match read_params(&req, payload).await {
        Ok(p) => p,
        Err(reply) => {
            let call = Call {
                token,
                method,
                params: json!({}),
                files: Vec::new(),
            };
            shared.record(call, &reply, None);
            return reply.into_http();
        }
    };
    if shared.lock().revoked.contains(&token) {
        let reply = Reply::error(401, "Unauthorized");
        let call = Call {
            token,
            method,
            params,
            files,
        };
        shared.record(call, &reply, None);
        return reply.into_http();
    }
    let fault = {
        let mut w = shared.lock();
        let fault = w.faults.take(&method);
        if fault.is_some() {
            w.faults_fired += 1;
        }
        fault
    };
    if fault.is_some() {
        shared.changed();
    }
    if let Some(FaultKind::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    let drop_connection = matches!(
        fault,
        Some(FaultKind::DropConnection | FaultKind::LoseResponse)
    );
    let call = Call {
        token,
        method,
        params,
        files,
    };
    let reply = if call.method.eq_ignore_ascii_case("getUpdates")
        && !matches!(
            fault,
            Some(FaultKind::Status429 { .. } | FaultKind::Status500 | FaultKind::DropConnection)
        ) {
        let reply = get_updates(&shared, &call.params).await;
        shared.record(call, &reply, fault);
        reply
    } else {
        let mut w = shared.lock();
        let reply = match &fault {
            Some(FaultKind::Status429 { retry_after }) => Reply::too_many_requests(*retry_after),
            Some(FaultKind::Status500) => Reply::error(500, "Internal Server Error"),
            Some(FaultKind::DropConnection) => {
                Reply::error(0, "connection dropped before the call was handled")
            }
            _ => w.call(&call.method, &call.params, &call.files),
        };
        w.record(call, &reply, fault);
        drop(w);
        shared.changed();
        reply
    };
    if drop_connection {
        // Close both directions under the client: it sees the connection end
        // without a single byte of an answer. Whatever actix then tries to
        // write fails on the closed socket.
        if let Some(ConnSocket(socket)) = req.conn_data::<ConnSocket>() {
            let _ = socket.shutdown(Shutdown::Both);
        }
        return HttpResponse::new(StatusCode::INTERNAL_SERVER_ERROR);
    }
    reply.into_http()
}

/// Keeps `parked_polls` right even if the request future is dropped.
struct ParkedPoll<'a>(&'a Shared);

impl<'a> ParkedPoll<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.lock().parked_polls += 1;
        shared.changed();
        ParkedPoll(shared)
    }
}

impl Drop for ParkedPoll<'_> {
    fn drop(&mut self) {
        {
            let mut w = self.0.lock();
            w.parked_polls = w.parked_polls.saturating_sub(1);
        }
        self.0.changed();
    }
}

async fn get_updates(shared: &Shared, p: &Value) -> Reply {
    let offset = p_i64(p, "offset").unwrap_or(0);
    let limit = usize::try_from(p_i64(p, "limit").unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let timeout = u64::try_from(p_i64(p, "timeout").unwrap_or(0)).unwrap_or(0);
    if shared.lock().webhook_url.is_some() {
        return Reply::error(
            409,
            "Conflict: can't use getUpdates method while webhook is active; \
             use deleteWebhook to delete the webhook first",
        );
    }
    // Subscribe before looking, so a push in between still wakes us.
    let mut rx = shared.updates_tx.subscribe();
    let first = {
        let mut w = shared.lock();
        w.confirm(offset);
        w.pending(limit)
    };
    shared.changed();
    if !first.is_empty() || timeout == 0 {
        return Reply::ok(Value::Array(first));
    }
    {
        let _parked = ParkedPoll::new(shared);
        // A poll parked while updates are held waits the client's whole
        // timeout, so the test that holds them decides when it returns
        // (a push while held must not end it with an empty answer).
        let held = shared.lock().updates_held;
        let wait = if held {
            Duration::from_secs(timeout)
        } else {
            Duration::from_secs(timeout).min(MAX_LONG_POLL)
        };
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Ok(())) = tokio::time::timeout_at(deadline, rx.changed()).await {
            if !shared.lock().pending(limit).is_empty() {
                break;
            }
        }
    }
    let updates = shared.lock().pending(limit);
    Reply::ok(Value::Array(updates))
}

/// A multipart text field: JSON objects/arrays are parsed, the rest stays a string.
fn field_value(s: String) -> Value {
    let t = s.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(&s) {
            return v;
        }
    }
    Value::String(s)
}

async fn read_params(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<(Value, Vec<RecordedFile>), Reply> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut params = Map::new();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
        let mut uploads: Vec<(String, String, Vec<u8>)> = Vec::new();
        let mut total = 0usize;
        while let Some(field) = multipart.next().await {
            let mut field = field
                .map_err(|e| Reply::bad(format!("Bad Request: can't parse multipart: {e}")))?;
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(str::to_owned);
            let mut data = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk
                    .map_err(|e| Reply::bad(format!("Bad Request: can't read multipart: {e}")))?;
                total += chunk.len();
                if total > MAX_BODY_BYTES {
                    return Err(Reply::error(413, "Request Entity Too Large"));
                }
                data.extend_from_slice(&chunk);
            }
            match file_name {
                Some(file_name) => uploads.push((name, file_name, data)),
                None => {
                    let text = String::from_utf8_lossy(&data).into_owned();
                    params.insert(name, field_value(text));
                }
            }
        }
        let files = uploads
            .into_iter()
            .map(|(name, file_name, bytes)| {
                let attach = format!("attach://{name}");
                let field = params
                    .iter()
                    .find(|(_, v)| v.as_str() == Some(attach.as_str()))
                    .map(|(k, _)| k.clone())
                    .unwrap_or(name);
                RecordedFile {
                    field,
                    file_name,
                    bytes,
                }
            })
            .collect();
        return Ok((Value::Object(params), files));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| Reply::bad(format!("Bad Request: can't read request body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Reply::error(413, "Request Entity Too Large"));
        }
        body.extend_from_slice(&chunk);
    }
    if !body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => params = m,
            _ => return Err(Reply::bad("Bad Request: can't parse JSON object")),
        }
    }
    Ok((Value::Object(params), Vec::new()))
}

// ---------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max_chars).collect();
        t.push('…');
        t
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn p_str<'a>(p: &'a Value, name: &str) -> Option<&'a str> {
    p.get(name).and_then(Value::as_str)
}

fn p_i64(p: &Value, name: &str) -> Option<i64> {
    match p.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn p_bool(p: &Value, name: &str) -> bool {
    match p.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        _ => false,
    }
}

/// A parameter that holds JSON, either inline or as a JSON string.
fn p_json(p: &Value, name: &str) -> Option<Value> {
    match p.get(name)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        v => Some(v.clone()),
    }
}

fn commands_key(scope: &Value, language_code: &str) -> String {
    format!("{scope}|{language_code}")
}

fn commands_key_of(p: &Value) -> String {
    let scope = p_json(p, "scope").unwrap_or_else(|| json!({"type": "default"}));
    commands_key(&scope, p_str(p, "language_code").unwrap_or_default())
}

/// `bot_command` entity for a leading `/command[@bot]`, as Telegram adds it.
fn command_entity(text: &str) -> Option<Value> {
    if !text.starts_with('/') {
        return None;
    }
    let command = text.split(char::is_whitespace).next().unwrap_or_default();
    (command.len() > 1)
        .then(|| json!({"type": "bot_command", "offset": 0, "length": utf16_len(command)}))
}

/// Visible text and entities for `text` under `parse_mode`.
fn render(
    text: &str,
    parse_mode: Option<&str>,
    explicit_entities: Option<&Value>,
) -> Result<(String, Vec<Value>), Reply> {
    match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => {
            let entities = match explicit_entities {
                Some(Value::Array(a)) => a.clone(),
                Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_default(),
                _ => Vec::new(),
            };
            Ok((text.to_owned(), entities))
        }
        Some("html") => parse_telegram_html(text)
            .map_err(|e| Reply::bad(format!("Bad Request: can't parse entities: {e}"))),
        // Not validated (yet): accepted as is.
        Some("markdown") | Some("markdownv2") => Ok((text.to_owned(), Vec::new())),
        Some(_) => Err(Reply::bad("Bad Request: unsupported parse_mode")),
    }
}

/// `reply_markup` parameter, validated like Telegram validates inline keyboards.
fn reply_markup_param(p: &Value) -> Result<Option<Value>, Reply> {
    let markup = match p.get("reply_markup") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).map_err(|_| {
            Reply::bad("Bad Request: can't parse reply keyboard markup JSON object")
        })?,
        Some(v) => v.clone(),
    };
    if let Some(rows) = markup.get("inline_keyboard") {
        let bad_rows =
            || Reply::bad("Bad Request: field \"inline_keyboard\" must be an Array of Arrays");
        for row in rows.as_array().ok_or_else(bad_rows)? {
            for button in row.as_array().ok_or_else(bad_rows)? {
                if p_str(button, "text").is_none() {
                    return Err(Reply::bad(
                        "Bad Request: can't parse inline keyboard button: Field \"text\" must be of type String",
                    ));
                }
                if let Some(data) = button.get("callback_data") {
                    let len = data.as_str().map_or(0, str::len);
                    if !(1..=64).contains(&len) {
                        return Err(Reply::bad("Bad Request: BUTTON_DATA_INVALID"));
                    }
                } else if let Some(url) = button.get("url") {
                    if url.as_str().is_none_or(str::is_empty) {
                        return Err(Reply::bad("Bad Request: BUTTON_URL_INVALID"));
                    }
                } else if button.as_object().is_none_or(|o| o.len() < 2) {
                    return Err(Reply::bad(ERR_TEXT_BUTTONS));
                }
            }
        }
    }
    Ok(Some(markup))
}

/// The inline keyboard part of a markup (what Telegram returns in `Message.reply_markup`).
fn inline_part(markup: &Option<Value>) -> Option<Value> {
    let rows = markup.as_ref()?.get("inline_keyboard")?;
    if rows.as_array().is_none_or(|r| r.is_empty()) {
        return None;
    }
    Some(json!({"inline_keyboard": rows}))
}

fn keyboard_of(markup: &Option<Value>) -> Vec<Vec<(String, String)>> {
    let Some(rows) = inline_part(markup) else {
        return Vec::new();
    };
    let rows = rows["inline_keyboard"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    rows.iter()
        .map(|row| {
            row.as_array()
                .map(|buttons| {
                    buttons
                        .iter()
                        .map(|b| {
                            let label = p_str(b, "text").unwrap_or_default().to_owned();
                            let data = match p_str(b, "callback_data") {
                                Some(d) => d.to_owned(),
                                None => b
                                    .as_object()
                                    .and_then(|o| o.iter().find(|(k, _)| k.as_str() != "text"))
                                    .map(|(k, v)| match v.as_str() {
                                        Some(s) => format!("{k}:{s}"),
                                        None => format!("{k}:{v}"),
                                    })
                                    .unwrap_or_default(),
                            };
                            (label, data)
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Telegram HTML
// ---------------------------------------------------------------------------

const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];

/// Decodes `&name;` at the start of `s`: returns the character and the bytes used.
fn decode_html_entity(s: &str) -> Option<(char, usize)> {
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..semi];
    let ch = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse::<u32>().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((ch, semi + 1))
}

/// Decodes entities in an attribute value (leniently, like Telegram).
fn decode_attr(v: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(ch) = v[i..].chars().next() {
        if ch == '&' {
            if let Some((c, len)) = decode_html_entity(&v[i..]) {
                out.push(c);
                i += len;
                continue;
            }
        }
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Lower-cased tag name, attributes, and the byte index after `>`.
type StartTag = (String, Vec<(String, String)>, usize);

struct OpenTag {
    name: String,
    start: usize,
    entity: Option<Map<String, Value>>,
}

/// Parses a start tag beginning at `begin` (`src[begin] == '<'`). Returns the
/// lower-cased tag name, its attributes, and the byte index after `>`.
fn parse_start_tag(src: &str, begin: usize) -> Result<StartTag, String> {
    let bytes = src.as_bytes();
    let unclosed = || format!("Unclosed start tag at byte offset {begin}");
    let mut i = begin + 1;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
        i += 1;
    }
    if i >= bytes.len() {
        return Err(unclosed());
    }
    let name = src[begin + 1..i].to_ascii_lowercase();
    if !HTML_TAGS.contains(&name.as_str()) {
        return Err(format!(
            "Unsupported start tag \"{name}\" at byte offset {begin}"
        ));
    }
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err(unclosed()),
            Some(b'>') => return Ok((name, attrs, i + 1)),
            Some(_) => {}
        }
        let attr_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'='
            && bytes[i] != b'>'
        {
            i += 1;
        }
        let attr = src[attr_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            attrs.push((attr, String::new()));
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match bytes.get(i) {
            None => return Err(unclosed()),
            Some(&q) if q == b'"' || q == b'\'' => {
                let close = src[i + 1..]
                    .find(q as char)
                    .map(|k| i + 1 + k)
                    .ok_or_else(unclosed)?;
                let v = &src[i + 1..close];
                i = close + 1;
                v
            }
            Some(_) => {
                let s = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                &src[s..i]
            }
        };
        attrs.push((attr, decode_attr(value)));
    }
}

fn entity_for(
    name: &str,
    attrs: &[(String, String)],
    stack: &mut [OpenTag],
    begin: usize,
) -> Result<Option<Map<String, Value>>, String> {
    let attr = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let simple = |t: &str| {
        let mut m = Map::new();
        m.insert("type".into(), json!(t));
        Ok(Some(m))
    };
    match name {
        "b" | "strong" => simple("bold"),
        "i" | "em" => simple("italic"),
        "u" | "ins" => simple("underline"),
        "s" | "strike" | "del" => simple("strikethrough"),
        "tg-spoiler" => simple("spoiler"),
        "span" => {
            if attr("class") != Some("tg-spoiler") {
                return Err(format!(
                    "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
                ));
            }
            simple("spoiler")
        }
        "blockquote" => simple(if attr("expandable").is_some() {
            "expandable_blockquote"
        } else {
            "blockquote"
        }),
        "pre" => simple("pre"),
        "code" => {
            let language = attr("class").and_then(|c| c.strip_prefix("language-"));
            if let (Some(language), Some(parent)) = (language, stack.last_mut()) {
                if parent.name == "pre" {
                    if let Some(e) = parent.entity.as_mut() {
                        e.insert("language".into(), json!(language));
                    }
                    return Ok(None);
                }
            }
            simple("code")
        }
        "a" => match attr("href") {
            Some(url)
                if url.starts_with("http://")
                    || url.starts_with("https://")
                    || url.starts_with("tg://")
                    || url.starts_with("mailto:") =>
            {
                let mut m = Map::new();
                m.insert("type".into(), json!("text_link"));
                m.insert("url".into(), json!(url));
                Ok(Some(m))
            }
            _ => Ok(None),
        },
        "tg-emoji" => match attr("emoji-id") {
            Some(id) => {
                let mut m = Map::new();
                m.insert("type".into(), json!("custom_emoji"));
                m.insert("custom_emoji_id".into(), json!(id));
                Ok(Some(m))
            }
            None => Err(format!(
                "Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset {begin}"
            )),
        },
        _ => Ok(None),
    }
}

/// Parses Telegram's HTML subset. Returns the visible text and the entities
/// (UTF-16 offsets), or the error text Telegram puts after "can't parse
/// entities: ". Stricter than Telegram in one respect: a bare `&` or `>` is
/// an error too (Telegram tolerates them), since unescaped user content is a
/// bug waiting for its first `<`.
pub fn parse_telegram_html(src: &str) -> Result<(String, Vec<Value>), String> {
    let bytes = src.as_bytes();
    let mut out = String::new();
    let mut out16 = 0usize;
    let mut stack: Vec<OpenTag> = Vec::new();
    let mut entities: Vec<(usize, usize, Map<String, Value>)> = Vec::new();
    let mut i = 0usize;
    while let Some(ch) = src[i..].chars().next() {
        match ch {
            '&' => {
                let (c, len) = decode_html_entity(&src[i..]).ok_or_else(|| {
                    format!("Unescaped \"&\" at byte offset {i}: write it as &amp;")
                })?;
                out.push(c);
                out16 += c.len_utf16();
                i += len;
            }
            '>' => {
                return Err(format!(
                    "Unescaped \">\" at byte offset {i}: write it as &gt;"
                ))
            }
            '<' if bytes.get(i + 1) == Some(&b'/') => {
                let begin = i;
                let close = src[i..]
                    .find('>')
                    .map(|k| i + k)
                    .ok_or_else(|| format!("Unclosed end tag at byte offset {begin}"))?;
                let name = src[i + 2..close].trim().to_ascii_lowercase();
                let open = stack
                    .pop()
                    .ok_or_else(|| format!("Unexpected end tag at byte offset {begin}"))?;
                if !name.is_empty() && name != open.name {
                    return Err(format!(
                        "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{name}>\"",
                        open.name
                    ));
                }
                if let Some(mut e) = open.entity {
                    let length = out16 - open.start;
                    if length > 0 {
                        e.insert("offset".into(), json!(open.start));
                        e.insert("length".into(), json!(length));
                        entities.push((open.start, length, e));
                    }
                }
                i = close + 1;
            }
            '<' => {
                let (name, attrs, next) = parse_start_tag(src, i)?;
                let entity = entity_for(&name, &attrs, &mut stack, i)?;
                stack.push(OpenTag {
                    name,
                    start: out16,
                    entity,
                });
                i = next;
            }
            c => {
                out.push(c);
                out16 += c.len_utf16();
                i += c.len_utf8();
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.name
        ));
    }
    entities.sort_by_key(|(offset, length, _)| (*offset, std::cmp::Reverse(*length)));
    Ok((
        out,
        entities
            .into_iter()
            .map(|(_, _, e)| Value::Object(e))
            .collect(),
    ))
}
