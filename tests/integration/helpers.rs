//! A small harness over `teloxide_tests::MockBot` for dialogue tests: a fresh
//! temporary database per test, users who send text and press buttons on the
//! live card, and a record of everything the bot sent, edited and answered.
//!
//! The harness tracks the live card itself, from the bot's own requests: the
//! latest message the bot sent (or else edited) with an inline keyboard in a
//! chat. Button data is always read from the bot's output.
#![allow(dead_code)] // not every test uses every helper

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use churn_audit_bot::domain::checklist;
use churn_audit_bot::i18n::{I18n, Lang};
use churn_audit_bot::service::Service;
use churn_audit_bot::storage::Storage;
use churn_audit_bot::telegram;
use sqlx::{AnyPool, Row};
use teloxide::types::{
    CallbackQueryId, Chat, InlineKeyboardButtonKind, InlineKeyboardMarkup, Message, ParseMode,
    ReplyMarkup, User,
};
use teloxide_tests::mock_bot::DistributionKey;
use teloxide_tests::{
    MockCallbackQuery, MockGroupChat, MockMessageText, MockPrivateChat, MockUser, Responses,
};

type Bot = teloxide_tests::MockBot<anyhow::Error, DistributionKey>;

// Button labels, as the locale writes them.
pub const YES: &str = "✅ Да";
pub const NO: &str = "❌ Нет";
pub const NA: &str = "➖ Не применимо";
pub const LOW: &str = "🟢 Низкий";
pub const MEDIUM: &str = "🟡 Средний";
pub const HIGH: &str = "🔴 Высокий";
pub const SKIP: &str = "Пропустить";
pub const BACK: &str = "⬅️ Назад";
pub const START: &str = "▶️ Начать аудит";
pub const RESTART: &str = "🔄 Начать заново";
pub const RESTART_CONFIRM: &str = "Да, начать заново";
pub const RESTART_CANCEL: &str = "Нет, продолжить";

/// Telegram's limits.
pub const MAX_TEXT: usize = 4096;
pub const MAX_CALLBACK_DATA: usize = 64;
pub const MAX_NOTICE: usize = 200;

/// Someone talking to the bot, in a private chat or a group.
#[derive(Clone, Debug)]
pub struct Person {
    pub user: User,
    pub chat: Chat,
}

impl Person {
    /// A user in a private chat with the bot, whose Telegram is in Russian.
    pub fn new(id: u64, first_name: &str) -> Self {
        Self::speaking(id, first_name, Some("ru"))
    }

    /// A user whose Telegram sends `language_code` (or none).
    pub fn speaking(id: u64, first_name: &str, language_code: Option<&str>) -> Self {
        let mut user = MockUser::new().id(id).first_name(first_name).build();
        user.language_code = language_code.map(str::to_string);
        let chat = MockPrivateChat::new()
            .id(id as i64)
            .first_name(first_name)
            .build();
        Self { user, chat }
    }

    /// The same user, writing in a group.
    pub fn in_group(&self, group_id: i64) -> Self {
        Self {
            user: self.user.clone(),
            chat: MockGroupChat::new().id(group_id).build(),
        }
    }

    pub fn id(&self) -> i64 {
        self.user.id.0 as i64
    }

    pub fn chat_id(&self) -> i64 {
        self.chat.id.0
    }
}

/// One request of the bot, as recorded.
#[derive(Clone, Debug)]
pub enum Output {
    Sent {
        chat: i64,
        message_id: i32,
        text: String,
        parse_mode: Option<ParseMode>,
        keyboard: Option<InlineKeyboardMarkup>,
    },
    EditedText {
        chat: i64,
        message_id: i32,
        text: String,
        parse_mode: Option<ParseMode>,
        keyboard: Option<InlineKeyboardMarkup>,
    },
    EditedMarkup {
        chat: i64,
        message_id: i32,
        keyboard: Option<InlineKeyboardMarkup>,
    },
    Answered {
        query_id: String,
        text: Option<String>,
    },
}

/// A button as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub data: String,
}

/// The rows of an inline keyboard, as labels and callback data.
pub fn buttons(markup: Option<&InlineKeyboardMarkup>) -> Vec<Vec<Button>> {
    markup
        .map(|m| {
            m.inline_keyboard
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| Button {
                            label: b.text.clone(),
                            data: match &b.kind {
                                InlineKeyboardButtonKind::CallbackData(d) => d.clone(),
                                other => panic!("not a callback button: {other:?}"),
                            },
                        })
                        .collect()
                })
                .filter(|row: &Vec<Button>| !row.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub fn labels(rows: &[Vec<Button>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|b| b.label.clone()).collect())
        .collect()
}

fn inline(markup: &Option<ReplyMarkup>) -> Option<InlineKeyboardMarkup> {
    match markup {
        Some(ReplyMarkup::InlineKeyboard(k)) => Some(k.clone()),
        None => None,
        Some(other) => panic!("the bot sent a non-inline keyboard: {other:?}"),
    }
}

/// An answer to one question, as the tests give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    Yes,
    /// «Нет» and the priority.
    No(Prio),
    /// «Не применимо», rated or skipped.
    Na(Option<Prio>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Prio {
    Low,
    Medium,
    High,
}

impl Prio {
    pub fn label(self) -> &'static str {
        match self {
            Prio::Low => LOW,
            Prio::Medium => MEDIUM,
            Prio::High => HIGH,
        }
    }
    pub fn word(self) -> &'static str {
        match self {
            Prio::Low => "Низкий",
            Prio::Medium => "Средний",
            Prio::High => "Высокий",
        }
    }
    pub fn icon(self) -> &'static str {
        match self {
            Prio::Low => "🟢",
            Prio::Medium => "🟡",
            Prio::High => "🔴",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Prio::Low => "low",
            Prio::Medium => "medium",
            Prio::High => "high",
        }
    }
    pub fn weight(self) -> u32 {
        match self {
            Prio::Low => 1,
            Prio::Medium => 2,
            Prio::High => 3,
        }
    }
}

impl Reply {
    pub fn priority(self) -> Option<Prio> {
        match self {
            Reply::Yes => None,
            Reply::No(p) => Some(p),
            Reply::Na(p) => p,
        }
    }
    /// The stored answer code.
    pub fn code(self) -> &'static str {
        match self {
            Reply::Yes => "yes",
            Reply::No(_) => "no",
            Reply::Na(_) => "na",
        }
    }
}

// ---------------------------------------------------------------------------
// The checklist, read from the TOML file independently of the bot's loader
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub hint: String,
    pub action: String,
    pub section: usize,
}

#[derive(Clone, Debug)]
pub struct Sheet {
    pub title: String,
    pub intro: String,
    /// Descriptions of Да, Нет, Не применимо.
    pub answers: [String; 3],
    /// Descriptions of Низкий, Средний, Высокий.
    pub priorities: [String; 3],
    pub section_titles: Vec<String>,
    pub questions: Vec<Question>,
}

/// The shipped checklists: `questions/`.
pub fn questions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
}

/// The churn audit alone, in every language it has (a copy of its files in
/// `questions/`): for the many tests of one audit, where /start offers it
/// without a choice.
pub fn churn_only_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("churn-only-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the churn-only folder");
        for entry in std::fs::read_dir(questions_dir())
            .expect("questions/")
            .flatten()
        {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with("churn_audit.") {
                std::fs::copy(entry.path(), dir.join(&name)).expect("copy a checklist");
            }
        }
        dir
    })
    .clone()
}

pub fn sheet() -> Sheet {
    let path = questions_dir().join("churn_audit.ru.toml");
    let source = std::fs::read_to_string(&path).expect("read the checklist");
    let table: toml::Table = toml::from_str(&source).expect("parse the checklist");
    let s = |t: &toml::Table, key: &str| -> String {
        t.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{key} missing"))
            .to_string()
    };
    let sub = |key: &str| table[key].as_table().expect(key).clone();
    let answers = sub("answers");
    let priorities = sub("priorities");
    let mut section_titles = Vec::new();
    let mut questions = Vec::new();
    for (si, section) in table["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .enumerate()
    {
        let section = section.as_table().expect("section");
        section_titles.push(s(section, "title"));
        for q in section["questions"].as_array().expect("questions") {
            let q = q.as_table().expect("question");
            questions.push(Question {
                id: s(q, "id"),
                text: s(q, "text"),
                hint: s(q, "hint"),
                action: s(q, "action"),
                section: si,
            });
        }
    }
    Sheet {
        title: s(&table, "title"),
        intro: s(&table, "intro"),
        answers: [
            s(&answers, "yes"),
            s(&answers, "no"),
            s(&answers, "not_applicable"),
        ],
        priorities: [
            s(&priorities, "low"),
            s(&priorities, "medium"),
            s(&priorities, "high"),
        ],
        section_titles,
        questions,
    }
}

/// HTML-escapes a text the way Telegram needs it.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------

pub struct Harness {
    bot: Option<Bot>,
    pub service: Arc<Service>,
    dir: tempfile::TempDir,
    db_url: String,
    db: Option<AnyPool>,
    /// The latest known version of every message the bot sent, by id.
    messages: HashMap<i32, Message>,
    /// The live card (latest message with buttons) of each chat.
    cards: HashMap<i64, i32>,
    /// What the bot did during the last dispatch.
    pub last: Responses,
    /// Everything the bot did during this test, in dispatch order.
    pub log: Vec<Output>,
    queries: u64,
}

// ---------------------------------------------------------------------------
// The database: SQLite, or PostgreSQL with TEST_BACKEND=postgres
// ---------------------------------------------------------------------------

/// Whether this run's tests use PostgreSQL: `TEST_BACKEND=postgres` (with
/// `TEST_POSTGRES_URL` naming the server; `.ci/run` sets both for a second
/// run of the dialogue and end-to-end tests). Unset: SQLite.
pub fn on_postgres() -> bool {
    match std::env::var("TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("TEST_BACKEND is {other:?}; expected sqlite or postgres"),
    }
}

/// A fresh, empty database for one test: a file `name` in `dir`, or a new
/// database on the PostgreSQL test server.
pub async fn fresh_database_url(dir: &Path, name: &str) -> String {
    if !on_postgres() {
        return format!("sqlite://{}", dir.join(name).display());
    }
    use sqlx::Connection;
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let server = std::env::var("TEST_POSTGRES_URL")
        .expect("TEST_BACKEND=postgres needs TEST_POSTGRES_URL, the test server");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let database = format!(
        "it_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let _ = admin.close().await;
    let mut url = url::Url::parse(&server).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(&database);
    url.to_string()
}

/// A pool for reading (and, in hostile tests, corrupting) a test's
/// database from outside the bot, on either backend. Placeholders: `$1`.
pub async fn inspect(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("open the database for inspection")
}

/// `ORDER BY` for answers in about the order they were written: the time
/// answered, then the question id (no table keeps an insertion order: on
/// SQLite answers have no rowid).
pub fn answers_in_order() -> &'static str {
    "ORDER BY answered_at, question_id"
}

/// `SELECT * FROM table` in a fixed order, on either backend (PostgreSQL has
/// no rowid).
pub fn all_rows_sql(table: &str) -> String {
    let key = match table {
        "audits" => "id",
        "answers" => "audit_id, question_id",
        "plan_items" => "audit_id, position",
        "pending_inputs" => "user_id",
        other => panic!("no order known for table {other}"),
    };
    format!("SELECT * FROM {table} ORDER BY {key}")
}

/// One cell of a row read through [`inspect`], as text: an integer (a
/// PostgreSQL boolean as 0 or 1, the way SQLite stores it) or a text.
pub fn cell_text(row: &sqlx::any::AnyRow, i: usize) -> String {
    row.try_get::<Option<i64>, _>(i)
        .map(|v| format!("{v:?}"))
        .or_else(|_| {
            row.try_get::<Option<bool>, _>(i)
                .map(|v| format!("{:?}", v.map(i64::from)))
        })
        .or_else(|_| {
            row.try_get::<Option<String>, _>(i)
                .map(|v| format!("{v:?}"))
        })
        .expect("an integer, boolean or text cell")
}

async fn service_on(url: &str) -> Arc<Service> {
    let storage = Storage::connect_for_short_runtimes(url)
        .await
        .expect("open the database");
    let checklists = checklist::load_dir(&churn_only_dir()).expect("load the checklists");
    Arc::new(Service::new(storage, checklists))
}

fn mock_bot(service: &Arc<Service>) -> Bot {
    mock_bot_speaking(service, Lang::En)
}

/// A mock bot whose DEFAULT_LANGUAGE is `default`.
fn mock_bot_speaking(service: &Arc<Service>, default: Lang) -> Bot {
    let i18n = Arc::new(I18n::new(default).expect("the locales"));
    // Any update will do: every dispatch sets its own.
    let mut bot = Bot::new(
        MockMessageText::new().text("/help"),
        telegram::schema::<teloxide::Bot>(),
    );
    bot.dependencies(telegram::dependencies(service.clone(), i18n));
    bot
}

impl Harness {
    /// A bot on a fresh, empty database.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = fresh_database_url(dir.path(), "t.db").await;
        let service = service_on(&db_url).await;
        let bot = mock_bot(&service);
        Self {
            bot: Some(bot),
            service,
            dir,
            db_url,
            db: None,
            messages: HashMap::new(),
            cards: HashMap::new(),
            last: Responses::default(),
            log: Vec::new(),
            queries: 0,
        }
    }

    /// Simulates a restart of the bot process: the mock bot and the service
    /// go away, a new service opens the same database file and a new mock
    /// bot (with a new, empty Telegram) takes over.
    pub async fn restart(&mut self) {
        drop(self.bot.take());
        self.service.storage().close().await;
        self.service = service_on(&self.db_url).await;
        self.bot = Some(mock_bot(&self.service));
        self.messages.clear();
        self.cards.clear();
        self.last = Responses::default();
    }

    pub fn db_url(&self) -> &str {
        &self.db_url
    }

    fn bot(&mut self) -> &mut Bot {
        self.bot.as_mut().expect("the bot is running")
    }

    async fn dispatch(&mut self, update: impl teloxide_tests::IntoUpdate) {
        let bot = self.bot();
        bot.update(update);
        bot.dispatch().await;
        let responses = bot.get_responses();
        self.record(responses);
    }

    fn record(&mut self, r: Responses) {
        assert_eq!(
            r.sent_messages.len(),
            r.sent_messages_text.len()
                + r.sent_messages_photo.len()
                + r.sent_messages_document.len(),
            "the bot sent something other than text, a photo or a document"
        );
        let mut new_card: Option<(i64, i32)> = None;
        let mut edited_card: Option<(i64, i32)> = None;
        for s in &r.sent_messages_text {
            let out = Output::Sent {
                chat: s.message.chat.id.0,
                message_id: s.message.id.0,
                text: s.bot_request.text.clone(),
                parse_mode: s.bot_request.parse_mode,
                keyboard: inline(&s.bot_request.reply_markup),
            };
            check_output(&out);
            if !buttons(s.message.reply_markup()).is_empty() {
                new_card = Some((s.message.chat.id.0, s.message.id.0));
            }
            self.messages.insert(s.message.id.0, s.message.clone());
            self.log.push(out);
        }
        for e in &r.edited_messages_text {
            let out = Output::EditedText {
                chat: e.message.chat.id.0,
                message_id: e.message.id.0,
                text: e.bot_request.text.clone(),
                parse_mode: e.bot_request.parse_mode,
                keyboard: inline(&e.bot_request.reply_markup),
            };
            check_output(&out);
            if !buttons(e.message.reply_markup()).is_empty() {
                edited_card = Some((e.message.chat.id.0, e.message.id.0));
            }
            self.messages.insert(e.message.id.0, e.message.clone());
            self.log.push(out);
        }
        for e in &r.edited_messages_reply_markup {
            let out = Output::EditedMarkup {
                chat: e.message.chat.id.0,
                message_id: e.message.id.0,
                keyboard: inline(&e.bot_request.reply_markup),
            };
            check_output(&out);
            self.messages.insert(e.message.id.0, e.message.clone());
            self.log.push(out);
        }
        for a in &r.answered_callback_queries {
            let out = Output::Answered {
                query_id: a.callback_query_id.clone(),
                text: a.text.clone(),
            };
            check_output(&out);
            self.log.push(out);
        }
        if let Some((chat, id)) = new_card.or(edited_card) {
            self.cards.insert(chat, id);
        }
        self.last = r;
    }

    // --- acting -----------------------------------------------------------

    /// `who` sends a text message (or a command).
    pub async fn send_text(&mut self, who: &Person, text: &str) {
        let message = MockMessageText::new()
            .text(text)
            .from(who.user.clone())
            .chat(who.chat.clone());
        self.dispatch(message).await;
    }

    /// `who` presses a button with `data` on the live card of their chat;
    /// returns the notice the bot answered the query with.
    pub async fn press(&mut self, who: &Person, data: &str) -> String {
        let card = self.card_id(who);
        self.press_on(who, card, Some(data)).await
    }

    /// `who` presses the button labelled `label` on the live card.
    pub async fn tap(&mut self, who: &Person, label: &str) -> String {
        let data = self.data_of(who, label);
        self.press(who, &data).await
    }

    /// `who` presses a button with `data` (or without data) on message
    /// `message_id` of the bot; asserts the query got exactly one answer and
    /// returns its text.
    pub async fn press_on(&mut self, who: &Person, message_id: i32, data: Option<&str>) -> String {
        let message = self
            .messages
            .get(&message_id)
            .unwrap_or_else(|| panic!("the bot sent no message {message_id}"))
            .clone();
        self.queries += 1;
        let query_id = format!("query-{}", self.queries);
        let mut query = MockCallbackQuery::new()
            .id(CallbackQueryId(query_id.clone()))
            .from(who.user.clone())
            .message(message);
        if let Some(data) = data {
            query = query.data(data);
        }
        self.dispatch(query).await;
        let answers: Vec<_> = self
            .last
            .answered_callback_queries
            .iter()
            .filter(|a| a.callback_query_id == query_id)
            .collect();
        assert_eq!(
            answers.len(),
            1,
            "callback query {data:?} must be answered exactly once: {:?}",
            self.last.answered_callback_queries
        );
        assert_eq!(
            self.last.answered_callback_queries.len(),
            1,
            "only this query was pending"
        );
        answers[0].text.clone().unwrap_or_default()
    }

    /// Starts an audit: `/start`, then «Начать аудит».
    pub async fn start_audit(&mut self, who: &Person) {
        self.send_text(who, "/start").await;
        let notice = self.tap(who, START).await;
        assert_eq!(notice, "Аудит начат. Первый вопрос ниже.");
        assert!(
            self.card_text(who).contains("Вопрос 1/39"),
            "{}",
            self.card_text(who)
        );
    }

    /// Answers the current question on the card; returns the notices.
    pub async fn answer(&mut self, who: &Person, reply: Reply) -> Vec<String> {
        let mut notices = Vec::new();
        match reply {
            Reply::Yes => notices.push(self.tap(who, YES).await),
            Reply::No(p) => {
                notices.push(self.tap(who, NO).await);
                notices.push(self.tap(who, p.label()).await);
            }
            Reply::Na(p) => {
                notices.push(self.tap(who, NA).await);
                notices.push(self.tap(who, p.map_or(SKIP, Prio::label)).await);
            }
        }
        notices
    }

    // --- looking ----------------------------------------------------------

    pub fn card_id(&self, who: &Person) -> i32 {
        *self
            .cards
            .get(&who.chat_id())
            .unwrap_or_else(|| panic!("no message with buttons in chat {}", who.chat_id()))
    }

    pub fn message(&self, id: i32) -> &Message {
        &self.messages[&id]
    }

    pub fn card(&self, who: &Person) -> &Message {
        self.message(self.card_id(who))
    }

    pub fn card_text(&self, who: &Person) -> String {
        self.card(who).text().unwrap_or_default().to_string()
    }

    /// The buttons the live card has now.
    pub fn card_buttons(&self, who: &Person) -> Vec<Vec<Button>> {
        buttons(self.card(who).reply_markup())
    }

    pub fn card_labels(&self, who: &Person) -> Vec<Vec<String>> {
        labels(&self.card_buttons(who))
    }

    /// The callback data of the card's button labelled `label`.
    pub fn data_of(&self, who: &Person, label: &str) -> String {
        self.card_buttons(who)
            .into_iter()
            .flatten()
            .find(|b| b.label == label)
            .map(|b| b.data)
            .unwrap_or_else(|| {
                panic!(
                    "no button {label:?} on the card: {:?}\n{}",
                    self.card_labels(who),
                    self.card_text(who)
                )
            })
    }

    /// (file name, caption) of the photos sent during the last dispatch.
    pub fn sent_photos(&self) -> Vec<(String, String)> {
        self.last
            .sent_messages_photo
            .iter()
            .map(|p| {
                let caption = p.bot_request.caption.clone().unwrap_or_default();
                (p.bot_request.file_name.clone(), caption)
            })
            .collect()
    }

    /// (file name, caption, content) of the documents sent during the last
    /// dispatch. The content is as the mock server keeps it: exact for text
    /// files such as the CSV, lossy for binary ones such as the PDF.
    pub fn sent_documents(&self) -> Vec<(String, String, String)> {
        self.last
            .sent_messages_document
            .iter()
            .map(|d| {
                let caption = d.bot_request.caption.clone().unwrap_or_default();
                (
                    d.bot_request.file_name.clone(),
                    caption,
                    d.bot_request.file_data.clone(),
                )
            })
            .collect()
    }

    /// Texts of the messages sent during the last dispatch.
    pub fn sent_texts(&self) -> Vec<String> {
        self.last
            .sent_messages_text
            .iter()
            .map(|s| s.bot_request.text.clone())
            .collect()
    }

    pub fn last_sent_text(&self) -> String {
        self.sent_texts()
            .pop()
            .expect("the bot sent no message in the last dispatch")
    }

    /// (message id, text) of the messages edited during the last dispatch.
    pub fn edited_texts(&self) -> Vec<(i32, String)> {
        self.last
            .edited_messages_text
            .iter()
            .map(|e| (e.message.id.0, e.bot_request.text.clone()))
            .collect()
    }

    pub fn last_edited_text(&self) -> String {
        self.edited_texts()
            .pop()
            .expect("the bot edited no message in the last dispatch")
            .1
    }

    /// Ids of the messages whose buttons were taken off in the last dispatch.
    pub fn stripped(&self) -> Vec<i32> {
        self.last
            .edited_messages_reply_markup
            .iter()
            .filter(|e| buttons(inline(&e.bot_request.reply_markup).as_ref()).is_empty())
            .map(|e| e.message.id.0)
            .collect()
    }

    /// Whether the last dispatch changed nothing visible: no message sent or
    /// edited.
    pub fn nothing_shown(&self) -> bool {
        self.last.sent_messages.is_empty()
            && self.last.edited_messages_text.is_empty()
            && self.last.edited_messages_reply_markup.is_empty()
    }

    // --- the database -----------------------------------------------------

    pub async fn db(&mut self) -> AnyPool {
        if self.db.is_none() {
            self.db = Some(inspect(&self.db_url).await);
        }
        self.db.clone().expect("pool")
    }

    pub async fn audits(&mut self) -> Vec<AuditRow> {
        let db = self.db().await;
        sqlx::query(
            "SELECT id, user_id, status, current_question_id, revision, card_message_id
             FROM audits ORDER BY id",
        )
        .fetch_all(&db)
        .await
        .expect("read audits")
        .iter()
        .map(|r| AuditRow {
            id: r.get("id"),
            user_id: r.get("user_id"),
            status: r.get("status"),
            current_question_id: r.get("current_question_id"),
            revision: r.get("revision"),
            card_message_id: r.get("card_message_id"),
        })
        .collect()
    }

    /// The only audit of `who`.
    pub async fn audit_of(&mut self, who: &Person) -> AuditRow {
        let mine: Vec<AuditRow> = self
            .audits()
            .await
            .into_iter()
            .filter(|a| a.user_id == who.id())
            .collect();
        assert_eq!(
            mine.len(),
            1,
            "expected one audit of {}: {mine:?}",
            who.id()
        );
        mine.into_iter().next().expect("one")
    }

    pub async fn answers(&mut self, audit_id: i64) -> Vec<AnswerRow> {
        let db = self.db().await;
        sqlx::query(&format!(
            "SELECT question_id, answer, priority,
                    CAST(priority_skipped AS INTEGER) AS priority_skipped
             FROM answers WHERE audit_id = $1 {}",
            answers_in_order()
        ))
        .bind(audit_id)
        .fetch_all(&db)
        .await
        .expect("read answers")
        .iter()
        .map(|r| AnswerRow {
            question_id: r.get("question_id"),
            answer: r.get("answer"),
            priority: r.get("priority"),
            priority_skipped: r.get::<i64, _>("priority_skipped") != 0,
        })
        .collect()
    }

    /// Every audit and answer row, with every column, as text: to compare
    /// before and after something that must change nothing.
    pub async fn snapshot(&mut self) -> String {
        let db = self.db().await;
        let mut out = String::new();
        for table in ["audits", "answers"] {
            let rows = sqlx::query(&all_rows_sql(table))
                .fetch_all(&db)
                .await
                .expect("read table");
            for row in rows {
                let cells: Vec<String> = (0..row.len()).map(|i| cell_text(&row, i)).collect();
                out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub user_id: i64,
    pub status: String,
    pub current_question_id: Option<String>,
    pub revision: i64,
    pub card_message_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRow {
    pub question_id: String,
    pub answer: String,
    pub priority: Option<String>,
    pub priority_skipped: bool,
}

// ---------------------------------------------------------------------------
// What Telegram accepts
// ---------------------------------------------------------------------------

/// Checks a text is HTML Telegram can parse, with the fake Bot API's parser
/// (only Telegram's tags, properly nested and closed, entities escaped).
pub fn check_html(text: &str) -> Result<(), String> {
    crate::fake_api::parse_telegram_html(text).map(drop)
}

/// The text Telegram shows for an HTML text: tags dropped, entities decoded.
pub fn plain(html: &str) -> String {
    crate::fake_api::parse_telegram_html(html)
        .map(|(visible, _)| visible)
        .unwrap_or_else(|e| panic!("not Telegram HTML ({e}): {html}"))
}

/// Checks one request of the bot against Telegram's rules; panics with the
/// request if it breaks one.
pub fn check_output(out: &Output) {
    let problems = output_problems(out);
    assert!(problems.is_empty(), "{problems:?} in {out:#?}");
}

pub fn output_problems(out: &Output) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check_text = |text: &str, parse_mode: &Option<ParseMode>| {
        if *parse_mode != Some(ParseMode::Html) {
            problems.push(format!("parse mode {parse_mode:?}, not HTML"));
        }
        if let Err(e) = check_html(text) {
            problems.push(e);
        }
        if text.chars().count() > MAX_TEXT {
            problems.push(format!("{} characters", text.chars().count()));
        }
        let shown = plain(text);
        if shown.encode_utf16().count() > MAX_TEXT {
            problems.push(format!(
                "{} UTF-16 units shown",
                shown.encode_utf16().count()
            ));
        }
        if shown.trim().is_empty() {
            problems.push("an empty text".into());
        }
    };
    let keyboard = match out {
        Output::Sent {
            text,
            parse_mode,
            keyboard,
            ..
        }
        | Output::EditedText {
            text,
            parse_mode,
            keyboard,
            ..
        } => {
            check_text(text, parse_mode);
            keyboard
        }
        Output::EditedMarkup { keyboard, .. } => keyboard,
        Output::Answered { text, .. } => {
            if let Some(text) = text {
                if text.chars().count() > MAX_NOTICE {
                    problems.push(format!("a notice of {} characters", text.chars().count()));
                }
            }
            &None
        }
    };
    for button in buttons(keyboard.as_ref()).into_iter().flatten() {
        if button.data.len() > MAX_CALLBACK_DATA || button.data.is_empty() {
            problems.push(format!(
                "callback data {:?} is {} bytes",
                button.data,
                button.data.len()
            ));
        }
    }
    problems
}

/// Asserts the needles occur in `haystack` in this order, without overlap.
pub fn assert_in_order(haystack: &str, needles: &[String]) {
    let mut from = 0;
    for needle in needles {
        match haystack[from..].find(needle.as_str()) {
            Some(at) => from += at + needle.len(),
            None => panic!(
                "{needle:?} is missing or out of order (searched after byte {from}) in:\n{haystack}"
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Checklists from another folder, raw updates, silence and audit state
// (for hostile.rs and checklist_edits.rs)
// ---------------------------------------------------------------------------

use sqlx::Column;

async fn service_with_questions(db_url: &str, questions: &Path) -> Arc<Service> {
    let storage = Storage::connect_for_short_runtimes(db_url)
        .await
        .expect("open the database");
    let checklists = checklist::load_dir(questions).expect("load the checklists");
    Arc::new(Service::new(storage, checklists))
}

/// A teloxide `Update` from its Bot API JSON, for update kinds
/// teloxide_tests has no mock of. Panics if teloxide cannot parse it (it
/// would otherwise become an `UpdateKind::Error` that tests nothing).
pub fn update_from_json(json: serde_json::Value) -> teloxide::types::Update {
    // From text, as Telegram sends it: teloxide reads the update kind from a
    // borrowed key, which a `serde_json::Value` cannot lend.
    let update: teloxide::types::Update =
        serde_json::from_str(&json.to_string()).expect("a Bot API update");
    assert!(
        !matches!(update.kind, teloxide::types::UpdateKind::Error(_)),
        "teloxide did not understand the update: {json:#}"
    );
    update
}

impl Harness {
    /// A bot on a fresh, empty database, with the checklists of `questions`
    /// instead of the shipped `questions/`.
    pub async fn with_questions(questions: &Path) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = fresh_database_url(dir.path(), "t.db").await;
        let service = service_with_questions(&db_url, questions).await;
        let bot = mock_bot(&service);
        Self {
            bot: Some(bot),
            service,
            dir,
            db_url,
            db: None,
            messages: HashMap::new(),
            cards: HashMap::new(),
            last: Responses::default(),
            log: Vec::new(),
            queries: 0,
        }
    }

    /// Like [`Harness::restart`], but the new process loads its checklists
    /// from `questions` (e.g. an edited copy of the shipped file).
    pub async fn restart_with_questions(&mut self, questions: &Path) {
        drop(self.bot.take());
        self.service.storage().close().await;
        self.service = service_with_questions(&self.db_url, questions).await;
        self.bot = Some(mock_bot(&self.service));
        self.messages.clear();
        self.cards.clear();
        self.last = Responses::default();
    }

    /// Like [`Harness::restart_with_questions`], with `default` as the
    /// DEFAULT_LANGUAGE of the new process.
    pub async fn restart_with(&mut self, questions: &Path, default: Lang) {
        drop(self.bot.take());
        self.service.storage().close().await;
        self.service = service_with_questions(&self.db_url, questions).await;
        self.bot = Some(mock_bot_speaking(&self.service, default));
        self.messages.clear();
        self.cards.clear();
        self.last = Responses::default();
    }

    /// Dispatches any update: a mock of teloxide_tests, a raw `Update` (see
    /// [`update_from_json`]) or a `Vec` of them.
    pub async fn send_update(&mut self, update: impl teloxide_tests::IntoUpdate) {
        self.dispatch(update).await;
    }

    /// Whether the bot made no request at all in the last dispatch: nothing
    /// sent, edited, deleted, forwarded, answered or otherwise done.
    pub fn silent(&self) -> bool {
        let r = &self.last;
        r.sent_messages.is_empty()
            && r.sent_media_group.is_empty()
            && r.edited_messages_text.is_empty()
            && r.edited_messages_caption.is_empty()
            && r.edited_messages_reply_markup.is_empty()
            && r.deleted_messages.is_empty()
            && r.forwarded_messages.is_empty()
            && r.copied_messages.is_empty()
            && r.answered_callback_queries.is_empty()
            && r.pinned_chat_messages.is_empty()
            && r.unpinned_chat_messages.is_empty()
            && r.unpinned_all_chat_messages.is_empty()
            && r.banned_chat_members.is_empty()
            && r.unbanned_chat_members.is_empty()
            && r.restricted_chat_members.is_empty()
            && r.sent_chat_actions.is_empty()
            && r.set_message_reaction.is_empty()
            && r.set_my_commands.is_empty()
    }

    /// Every audit and answer row as text, like [`Harness::snapshot`], but
    /// without the card columns: what must stay the same when the card is
    /// only sent again (answers, position, revision, status).
    pub async fn audit_state(&mut self) -> String {
        let db = self.db().await;
        let mut out = String::new();
        for table in ["audits", "answers"] {
            let rows = sqlx::query(&all_rows_sql(table))
                .fetch_all(&db)
                .await
                .expect("read table");
            for row in rows {
                let cells: Vec<String> = row
                    .columns()
                    .iter()
                    .filter(|c| !c.name().starts_with("card_"))
                    .map(|c| format!("{}={}", c.name(), cell_text(&row, c.ordinal())))
                    .collect();
                out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
            }
        }
        out
    }

    /// `who` presses buttons with each of `data` on message `message_id`,
    /// all in one dispatch (the updates of one chat are handled in order).
    /// Asserts every query got exactly one answer; returns the answers'
    /// texts in the order of `data`.
    pub async fn press_many(
        &mut self,
        who: &Person,
        message_id: i32,
        data: &[String],
    ) -> Vec<String> {
        let message = self
            .messages
            .get(&message_id)
            .unwrap_or_else(|| panic!("the bot sent no message {message_id}"))
            .clone();
        let mut ids = Vec::with_capacity(data.len());
        let mut updates = Vec::with_capacity(data.len());
        for d in data {
            self.queries += 1;
            let query_id = format!("query-{}", self.queries);
            updates.push(
                MockCallbackQuery::new()
                    .id(CallbackQueryId(query_id.clone()))
                    .from(who.user.clone())
                    .message(message.clone())
                    .data(d.as_str()),
            );
            ids.push(query_id);
        }
        self.dispatch(updates).await;
        let answered = &self.last.answered_callback_queries;
        assert_eq!(
            answered.len(),
            data.len(),
            "one answer per query: {answered:?}"
        );
        ids.iter()
            .zip(data)
            .map(|(id, d)| {
                let answers: Vec<_> = answered
                    .iter()
                    .filter(|a| &a.callback_query_id == id)
                    .collect();
                assert_eq!(
                    answers.len(),
                    1,
                    "callback query {d:?} must be answered exactly once: {answered:?}"
                );
                answers[0].text.clone().unwrap_or_default()
            })
            .collect()
    }
}

impl Harness {
    /// `who` presses a button with `data` on `message`, a message of the bot
    /// the harness may no longer know (e.g. one sent before a restart);
    /// asserts the query got exactly one answer and returns its text.
    pub async fn press_on_message(&mut self, who: &Person, message: Message, data: &str) -> String {
        self.messages.insert(message.id.0, message.clone());
        self.press_on(who, message.id.0, Some(data)).await
    }
}
