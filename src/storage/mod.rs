//! Every SQL statement of the bot. Rows become domain types here and nowhere
//! else; the database is the single source of truth for an audit.
//!
//! Two backends behind one API: SQLite (`sqlite://…`, the default) and
//! PostgreSQL (`postgres://…`). The statements are written once, in `sql/`,
//! and compiled for each backend (see `sql/prelude.rs`); `sqlite.rs` and
//! `postgres.rs` hold what differs. [`Storage`] picks one by the URL and
//! hands every call to it.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use futures_util::stream::BoxStream;

#[cfg(test)]
use crate::domain::audit::{Answer, Priority};
use crate::domain::audit::{Change, Response, Status};
use crate::domain::plan::{PlanEntry, PlanItem, Source};
use crate::domain::schedule::Kind;

mod conns;
mod direct;
mod export;
mod group;
mod inbox;
mod postgres;
mod reminders;
mod sqlite;
#[cfg(test)]
pub(crate) mod testdb;
mod walsync;
pub use export::{AnswerExportRow, PlanExportRow};
pub use reminders::{Reminder, ReminderSeries, ReminderSettings};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the audit changed since this request was made")]
    Stale,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unexpected value in the database: {0}")]
    Corrupt(String),
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    Url,
    /// The error of a statement several calls shared (see `group`).
    #[error(transparent)]
    InGroup(std::sync::Arc<StorageError>),
    /// The statement a call was to be part of ended without an answer for
    /// it (see `group`).
    #[error("the statement this call was part of did not finish")]
    Unfinished,
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// A statement's text: most are written once, as `'static` text, and
/// neither copied nor allocated a press; a few are made for their call.
type Sql = std::borrow::Cow<'static, str>;

impl StorageError {
    /// `error` for each of `n` calls: itself for one, shared by several.
    fn shared(error: StorageError, n: usize) -> Vec<StorageError> {
        if n == 1 {
            return vec![error];
        }
        let error = std::sync::Arc::new(error);
        (0..n)
            .map(|_| StorageError::InGroup(error.clone()))
            .collect()
    }
}

/// A value bound to a statement of `sql/`.
enum Arg<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
    OptText(Option<&'a str>),
    Bool(bool),
    /// A text of its own: in a write handed to another task to run (see
    /// `sqlite::Store::write_together`).
    Owned(String),
}

impl Arg<'_> {
    /// The same value, owning its text.
    fn to_owned_arg(&self) -> Arg<'static> {
        match *self {
            Arg::Int(v) => Arg::Int(v),
            Arg::OptInt(v) => Arg::OptInt(v),
            Arg::Text(v) | Arg::OptText(Some(v)) => Arg::Owned(v.to_string()),
            Arg::OptText(None) => Arg::OptText(None),
            Arg::Bool(v) => Arg::Bool(v),
            Arg::Owned(ref v) => Arg::Owned(v.clone()),
        }
    }
}

/// How a press's take and its save each reach the database as one command
/// (see each backend's `ONE_COMMAND`).
enum OneCommand {
    /// The statements joined into one command (`Batch` in `sql/`); in a save this
    /// guard follows the revision's UPDATE and fails the command when that
    /// changed no row.
    Guarded(&'static str),
    /// One statement: the writes are parts of its `WITH` (`With` in `sql/`), each
    /// written only if the revision's UPDATE changed a row.
    With,
}

/// A row's columns by name, whoever read it: sqlx (either backend) or
/// SQLite on the calling thread (`direct`).
trait Fields {
    fn has(&self, column: &str) -> bool;
    fn int(&self, column: &str) -> Result<i64>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>>;
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    /// [`Fields::opt_text`] without a copy: for a text only looked at.
    fn opt_str(&self, column: &str) -> Result<Option<&str>>;
    fn flag(&self, column: &str) -> Result<bool>;
}

/// An update taken for handling by this process, and what the take read
/// on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The stored language code of the update's user; `None` if the user
    /// is not stored or has none.
    pub language: Option<String>,
    /// The audit asked for and its answers, as the take read them; `None`
    /// if none was asked for or it does not exist.
    pub audit: Option<(AuditRecord, Answers)>,
}

/// One update's take, made with others at once (PostgreSQL: see
/// `postgres::take_together`): the arguments of [`Storage::take_update`].
#[derive(Clone, Copy)]
struct TakeCall {
    update_id: i64,
    user_id: Option<i64>,
    audit_id: Option<i64>,
}

/// Takes made at once, run as one statement.
type TakeGroup = group::Group<TakeCall, Result<Option<Taken>>>;

/// An audit's answers by question id, and the notes on them.
pub type Answers = (Vec<(String, Response)>, HashMap<String, String>);

/// Who is talking to the bot, as Telegram tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
}

/// An audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub user_id: i64,
    pub chat_id: i64,
    pub checklist_id: String,
    pub checklist_version: u32,
    pub status: Status,
    pub current_question_id: Option<String>,
    pub revision: i64,
    pub card: Option<Card>,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    /// The tracked link's source that started it, if any.
    pub source: Option<String>,
}

/// Where the live audit card is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Card {
    pub chat_id: i64,
    pub message_id: i32,
}

/// What [`Storage::save`] writes besides the response: where the audit now is.
#[derive(Debug, Clone, Copy)]
pub struct Position<'a> {
    pub current_question_id: Option<&'a str>,
    pub status: Status,
}

/// What the bot waits for from a user next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Awaiting {
    /// A note on this question's answer.
    Note { question_id: String },
    /// «Кто отвечает?» for this plan item.
    Owner { position: u32 },
    /// «Срок?» for this plan item.
    Deadline { position: u32 },
    /// The owner's own solution for this plan item.
    Solution { position: u32 },
    /// Whether to add every «Высокий» problem to the plan.
    MoreHigh,
    /// What blocks this plan item («🧱 Застряло» on its reminder).
    Blocker { position: u32 },
}

impl Awaiting {
    /// The `kind` and `target` columns of `pending_inputs`.
    fn columns(&self) -> (&'static str, String) {
        match self {
            Awaiting::Note { question_id } => ("note", question_id.clone()),
            Awaiting::Owner { position } => ("owner", position.to_string()),
            Awaiting::Deadline { position } => ("deadline", position.to_string()),
            Awaiting::Solution { position } => ("solution", position.to_string()),
            Awaiting::MoreHigh => ("more", String::new()),
            Awaiting::Blocker { position } => ("blocker", position.to_string()),
        }
    }

    fn from_columns(kind: &str, target: &str) -> Result<Self> {
        let corrupt = || StorageError::Corrupt(format!("pending input {kind:?} {target:?}"));
        let position = || parse_position(target).ok_or_else(corrupt);
        match kind {
            "note" if !target.is_empty() => Ok(Awaiting::Note {
                question_id: target.to_string(),
            }),
            "owner" => Ok(Awaiting::Owner {
                position: position()?,
            }),
            "deadline" => Ok(Awaiting::Deadline {
                position: position()?,
            }),
            "solution" => Ok(Awaiting::Solution {
                position: position()?,
            }),
            "more" if target.is_empty() => Ok(Awaiting::MoreHigh),
            "blocker" => Ok(Awaiting::Blocker {
                position: position()?,
            }),
            _ => Err(corrupt()),
        }
    }
}

/// What a plan item's update does to what the bot waits for from the user.
#[derive(Debug, Clone, Copy)]
pub enum PendingChange<'a> {
    /// Leaves it as it is: a change made outside the questions the bot
    /// asked («✅ Сделано» on an item).
    Keep,
    /// The update is the answer to `answered`: the bot stops waiting for
    /// it and waits for `next`, if any — only if `answered` is still what
    /// it waits for. If not (another instance took an answer to it first),
    /// the update writes nothing.
    Answers {
        answered: &'a Pending,
        next: Option<&'a Pending>,
    },
}

/// What [`Storage::take_pending_note`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteTaken {
    /// The note is written and the bot waits no more.
    Written,
    /// The question has no answer to note any more (its answer was undone):
    /// nothing written.
    NoAnswer,
    /// The bot no longer waited for this note (another instance took an
    /// answer to it first): nothing written.
    NotAwaited,
}

/// A plan position as written by [`Awaiting::columns`]: decimal, from 1, in
/// its one canonical spelling.
fn parse_position(text: &str) -> Option<u32> {
    let position: u32 = text.parse().ok()?;
    (position >= 1 && position.to_string() == text).then_some(position)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub user_id: i64,
    pub audit_id: i64,
    pub awaiting: Awaiting,
    /// Walking through the whole plan (true) or editing one item (false).
    pub walk: bool,
    /// The message that asked; its buttons go when the answer comes.
    pub prompt: Option<Card>,
}

/// One change to a plan item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanUpdate {
    Owner(Option<String>),
    Deadline(Option<NaiveDate>),
    Solution(String),
    Done(bool),
    /// What blocks the item; `None` clears it.
    Blocker(Option<String>),
}

/// The bot's database, SQLite or PostgreSQL.
#[derive(Clone)]
pub struct Storage {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Store),
    Postgres(postgres::Store),
}

/// Which backend a `DATABASE_URL` names; `None` for neither.
pub fn backend_name(url: &str) -> Option<&'static str> {
    if url.starts_with("sqlite:") {
        Some("SQLite")
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some("PostgreSQL")
    } else {
        None
    }
}

/// A `DATABASE_URL` as it may be logged: a password in it is replaced by
/// `***`.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password fails only for URLs that cannot have one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL at all: whatever stands between `scheme://user:` and the
        // last `@` is taken for a password.
        Err(_) => {
            let Some(start) = url.find("://").map(|i| i + 3) else {
                return url.to_string();
            };
            let Some(at) = url[start..].rfind('@').map(|i| start + i) else {
                return url.to_string();
            };
            match url[start..at].find(':').map(|i| start + i + 1) {
                Some(colon) => format!("{}***{}", &url[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
    }
}

impl Storage {
    /// Opens the database `url` names (an SQLite file, created if missing,
    /// or a PostgreSQL database) and applies the migrations. A database
    /// migrated by a newer version of the bot is refused.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::open(url, true).await
    }

    /// Like [`Storage::connect`], but a PostgreSQL connection is closed
    /// after each use instead of kept for the next: for callers that run
    /// each piece of work in a tokio runtime of its own (teloxide_tests'
    /// mock bot builds one per dispatch), where a kept connection would
    /// belong to a runtime that is gone. SQLite's connections run on
    /// threads of their own and are kept either way.
    pub async fn connect_for_short_runtimes(url: &str) -> Result<Self> {
        Self::open(url, false).await
    }

    async fn open(url: &str, keep_connections: bool) -> Result<Self> {
        let backend = match backend_name(url) {
            Some("SQLite") => Backend::Sqlite(sqlite::Store::connect(url).await?),
            Some(_) => Backend::Postgres(postgres::Store::connect(url, keep_connections).await?),
            None => return Err(StorageError::Url),
        };
        Ok(Self { backend })
    }

    /// The same storage with every SQLite write through sqlx's
    /// connections, as when another process holds the write lock (tests of
    /// that path).
    #[cfg(test)]
    pub(crate) fn without_direct_writes(self) -> Self {
        match self.backend {
            Backend::Sqlite(s) => Self {
                backend: Backend::Sqlite(s.without_direct_writes()),
            },
            backend => Self { backend },
        }
    }

    /// The SQLite pool, for the tests of SQLite's own settings.
    #[cfg(test)]
    pub(crate) fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.backend {
            Backend::Sqlite(s) => Some(s.pool()),
            Backend::Postgres(_) => None,
        }
    }

    /// The SQLite connections of every update's statements (see `conns`).
    #[cfg(test)]
    pub(crate) fn sqlite_conns(&self) -> Option<&conns::Conns<sqlx::Sqlite>> {
        match &self.backend {
            Backend::Sqlite(s) => Some(s.conns()),
            Backend::Postgres(_) => None,
        }
    }

    /// Writes SQLite left to sqlx's connections because another process
    /// held the lock (see `direct`).
    #[cfg(test)]
    pub(crate) fn sqlite_direct_busy_count(&self) -> Option<u64> {
        match &self.backend {
            Backend::Sqlite(s) => s.direct_busy_count(),
            Backend::Postgres(_) => None,
        }
    }

    /// The flushes of the SQLite connections' commits (see `walsync`).
    #[cfg(test)]
    fn sqlite_wal(&self) -> Option<&walsync::WalSync> {
        match &self.backend {
            Backend::Sqlite(s) => Some(s.wal()),
            Backend::Postgres(_) => None,
        }
    }

    /// SQLite: the process's write turn, held until dropped.
    #[cfg(test)]
    async fn sqlite_write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.backend {
            Backend::Sqlite(s) => Some(s.write_turn().await),
            Backend::Postgres(_) => None,
        }
    }

    /// SQLite: writes waiting to run together (see `sqlite::Store::write_together`).
    #[cfg(test)]
    fn sqlite_writes_waiting(&self) -> usize {
        match &self.backend {
            Backend::Sqlite(s) => s.writes_waiting(),
            Backend::Postgres(_) => 0,
        }
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(s) => s.close().await,
            Backend::Postgres(s) => s.close().await,
        }
    }

    /// Every answer of every audit, by audit and question id.
    pub fn answer_rows(&self) -> BoxStream<'_, Result<AnswerExportRow>> {
        match &self.backend {
            Backend::Sqlite(s) => s.answer_rows(),
            Backend::Postgres(s) => s.answer_rows(),
        }
    }

    /// Every plan item of every audit, in order.
    pub fn plan_rows(&self) -> BoxStream<'_, Result<PlanExportRow>> {
        match &self.backend {
            Backend::Sqlite(s) => s.plan_rows(),
            Backend::Postgres(s) => s.plan_rows(),
        }
    }
}

/// Public methods that hand the call to the backend; each is documented
/// where its SQL is, in `sql/`.
macro_rules! delegate {
    ($( pub async fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl Storage {
            $(
                // As many as the backend's method takes.
                #[allow(clippy::too_many_arguments)]
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match &self.backend {
                        Backend::Sqlite(s) => s.$name($($arg),*).await,
                        Backend::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate! {
    pub async fn upsert_user(&self, user: &UserInfo, language: &str) -> Result<String>;
    pub async fn language(&self, user_id: i64) -> Result<Option<String>>;
    pub async fn set_language(&self, user_id: i64, language: &str) -> Result<()>;
    pub async fn create_audit(
        &self,
        user_id: i64,
        chat_id: i64,
        checklist_id: &str,
        checklist_version: u32,
        first_question_id: &str,
        source: Option<&str>,
    ) -> Result<AuditRecord>;
    pub async fn audit(&self, id: i64) -> Result<Option<AuditRecord>>;
    pub async fn open_audit(&self, user_id: i64) -> Result<Option<AuditRecord>>;
    pub async fn latest_audit(&self, user_id: i64) -> Result<Option<AuditRecord>>;
    pub async fn previous_finished(
        &self,
        user_id: i64,
        checklist_id: &str,
        before: i64,
    ) -> Result<Option<AuditRecord>>;
    pub async fn latest_finished(&self, user_id: i64) -> Result<Option<AuditRecord>>;
    pub async fn user_audits(&self, user_id: i64, limit: i64) -> Result<Vec<AuditRecord>>;
    pub async fn responses(&self, audit_id: i64) -> Result<Vec<(String, Response)>>;
    pub async fn responses_with_notes(&self, audit_id: i64) -> Result<Answers>;
    pub async fn audit_with_answers(&self, id: i64) -> Result<Option<(AuditRecord, Answers)>>;
    pub async fn set_note(
        &self,
        audit_id: i64,
        question_id: &str,
        note: Option<&str>,
    ) -> Result<bool>;
    pub async fn notes(&self, audit_id: i64) -> Result<HashMap<String, String>>;
    pub async fn take_pending_note(
        &self,
        awaited: &Pending,
        note: Option<&str>,
    ) -> Result<NoteTaken>;
    pub async fn save(
        &self,
        audit_id: i64,
        expected_revision: i64,
        change: &Change,
        position: Position<'_>,
    ) -> Result<i64>;
    pub async fn save_with_reminders(
        &self,
        audit_id: i64,
        expected_revision: i64,
        change: &Change,
        position: Position<'_>,
        reminders: &[ReminderSeries],
        notify: &[i64],
        at: i64,
    ) -> Result<i64>;
    pub async fn rebase(
        &self,
        audit_id: i64,
        expected_revision: i64,
        current_question_id: &str,
        checklist_version: u32,
    ) -> Result<Option<i64>>;
    pub async fn set_card(&self, audit_id: i64, card: Card) -> Result<Option<Card>>;
    pub async fn delete_user_data(&self, user_id: i64) -> Result<(u64, u64)>;
    pub async fn plan(&self, audit_id: i64) -> Result<Vec<PlanEntry>>;
    pub async fn add_plan_items(
        &self,
        audit_id: i64,
        items: &[(Source, PlanItem)],
    ) -> Result<Vec<PlanEntry>>;
    pub async fn update_plan_item(
        &self,
        audit_id: i64,
        position: u32,
        update: &PlanUpdate,
        pending: PendingChange<'_>,
    ) -> Result<Option<PlanEntry>>;
    pub async fn pending(&self, user_id: i64) -> Result<Option<Pending>>;
    pub async fn set_pending(&self, pending: &Pending) -> Result<()>;
    pub async fn clear_pending(&self, user_id: i64) -> Result<Option<Pending>>;
    pub async fn all_audits(&self) -> Result<Vec<AuditRecord>>;
    pub async fn audits_with_users(&self) -> Result<Vec<(AuditRecord, UserInfo)>>;
    pub async fn audit_counts(&self) -> Result<Vec<(Status, i64)>>;
    pub async fn plan_reminders(&self, series: &ReminderSeries) -> Result<()>;
    pub async fn claim_due(&self, now: i64, limit: u32) -> Result<Vec<Reminder>>;
    pub async fn next_due(&self) -> Result<Option<i64>>;
    pub async fn mark_sent(&self, id: i64, at: i64) -> Result<()>;
    pub async fn mark_cancelled(&self, id: i64) -> Result<()>;
    pub async fn reschedule_claimed(&self, id: i64, series: &ReminderSeries) -> Result<()>;
    pub async fn cancel_reminders(&self, user_id: i64, kind: Option<Kind>) -> Result<u64>;
    pub async fn user_info(&self, user_id: i64) -> Result<Option<UserInfo>>;
    pub async fn claim_notices(&self, now: i64, limit: u32) -> Result<Vec<(i64, i64, i64)>>;
    pub async fn finish_notice(&self, id: i64, sent: bool, now: i64) -> Result<()>;
    pub async fn has_newer_audit(&self, audit_id: i64) -> Result<bool>;
    pub async fn reminder_settings(&self, user_id: i64) -> Result<ReminderSettings>;
    pub async fn set_reminder_setting(
        &self,
        user_id: i64,
        kind: Kind,
        on: bool,
    ) -> Result<ReminderSettings>;
    pub async fn record_update(&self, update_id: i64, body: &str) -> Result<bool>;
    pub async fn take_update(
        &self,
        update_id: i64,
        user_id: Option<i64>,
        audit_id: Option<i64>,
    ) -> Result<Option<Taken>>;
    pub async fn untaken_updates(&self) -> Result<Vec<(i64, String)>>;
    pub async fn prune_inbox(&self, before: i64) -> Result<u64>;
}

/// Appends `sql` to `out` with every `$N` made `$(N + offset)`: for the
/// statements of a batch sent as one query. The statements are ours: no
/// `$` in their string literals.
fn shift_placeholders(sql: &str, offset: usize, out: &mut String) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

pub(super) fn source_columns(source: &Source) -> (&'static str, &str) {
    match source {
        Source::Zone(section_id) => ("zone", section_id),
        Source::Problem(question_id) => ("problem", question_id),
    }
}

/// A date as stored: 'YYYY-MM-DD'.
pub(super) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(super) fn parse_date(text: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    (date_text(date) == text).then_some(date)
}

#[cfg(test)]
mod tests {
    //! Every statement above, run against a real SQLite file in a temp dir.
    //! Raw SQL goes through a separate pool on the same file, the way a second
    //! process (or an operator's `sqlite3`) would see the database.

    use std::path::{Path, PathBuf};

    use sqlx::migrate::MigrateError;
    use sqlx::AnyPool;

    use super::*;

    const USER: i64 = 1001;
    const OTHER_USER: i64 = 2002;
    const CHAT: i64 = 5005;
    const CHECKLIST: &str = "churn";

    use testdb::{on_both_backends, TestBackend, TestDb as Db};

    /// A fresh SQLite file (the tests of what is SQLite's own).
    async fn new_db() -> Db {
        Db::new(TestBackend::Sqlite).await
    }

    fn url_of(path: &Path) -> String {
        format!("sqlite://{}", path.display())
    }

    /// A fresh database with the two test users in it.
    async fn setup_on(backend: TestBackend) -> (Db, Storage) {
        let db = Db::new(backend).await;
        let storage = db.storage().await;
        for (id, name) in [(USER, "Anna"), (OTHER_USER, "Boris")] {
            storage
                .upsert_user(
                    &UserInfo {
                        id,
                        first_name: name.to_string(),
                        username: None,
                    },
                    "ru",
                )
                .await
                .unwrap();
        }
        (db, storage)
    }

    async fn setup() -> (Db, Storage) {
        setup_on(TestBackend::Sqlite).await
    }

    /// A second, independent pool on the same database, for raw SQL.
    async fn raw(db: &Db) -> AnyPool {
        db.raw().await
    }

    async fn new_audit(storage: &Storage, user_id: i64) -> AuditRecord {
        storage
            .create_audit(user_id, CHAT, CHECKLIST, 3, "q1", None)
            .await
            .unwrap()
    }

    fn resp(answer: Answer, priority: Option<Priority>, priority_skipped: bool) -> Response {
        Response {
            answer,
            priority,
            priority_skipped,
        }
    }

    fn write(question_id: &str, response: Response) -> Change {
        Change {
            response: Some((question_id.to_string(), Some(response))),
        }
    }

    fn delete(question_id: &str) -> Change {
        Change {
            response: Some((question_id.to_string(), None)),
        }
    }

    fn at(question_id: &str) -> Position<'_> {
        Position {
            current_question_id: Some(question_id),
            status: Status::InProgress,
        }
    }

    const FINISHED: Position<'static> = Position {
        current_question_id: None,
        status: Status::Finished,
    };

    fn sorted(mut responses: Vec<(String, Response)>) -> Vec<(String, Response)> {
        responses.sort_by(|a, b| a.0.cmp(&b.0));
        responses
    }

    async fn answer_rows(pool: &AnyPool, audit_id: i64) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM answers WHERE audit_id = $1")
            .bind(audit_id)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    async fn finished_audit(storage: &Storage, user_id: i64) -> AuditRecord {
        let audit = new_audit(storage, user_id).await;
        storage
            .save(
                audit.id,
                audit.revision,
                &write("q1", resp(Answer::Yes, None, false)),
                FINISHED,
            )
            .await
            .unwrap();
        storage.audit(audit.id).await.unwrap().unwrap()
    }

    fn zone(section_id: &str) -> Source {
        Source::Zone(section_id.to_string())
    }

    fn problem(question_id: &str) -> Source {
        Source::Problem(question_id.to_string())
    }

    fn item(zone: &str, priority: Priority) -> PlanItem {
        PlanItem {
            zone: zone.to_string(),
            priority,
            solution: format!("fix {zone}"),
            owner: None,
            deadline: None,
            done: false,
            blocker: None,
        }
    }

    fn entry(position: u32, source: Source, item: PlanItem) -> PlanEntry {
        PlanEntry {
            position,
            source,
            item,
            own_solution: false,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn pending(user_id: i64, audit_id: i64, awaiting: Awaiting) -> Pending {
        Pending {
            user_id,
            audit_id,
            awaiting,
            walk: false,
            prompt: None,
        }
    }

    /// An audit in progress with answers to `question_ids`.
    async fn answered_audit(storage: &Storage, user_id: i64, question_ids: &[&str]) -> AuditRecord {
        let audit = new_audit(storage, user_id).await;
        let mut rev = audit.revision;
        for question_id in question_ids {
            let change = write(question_id, resp(Answer::No, Some(Priority::High), false));
            rev = storage
                .save(audit.id, rev, &change, at(question_id))
                .await
                .unwrap();
        }
        storage.audit(audit.id).await.unwrap().unwrap()
    }

    /// An audit with a plan of three items: zone «a», problems q1 and q2.
    async fn planned_audit(storage: &Storage, user_id: i64) -> (AuditRecord, Vec<PlanEntry>) {
        let audit = finished_audit(storage, user_id).await;
        let plan = storage
            .add_plan_items(
                audit.id,
                &[
                    (zone("a"), item("Zone A", Priority::High)),
                    (problem("q1"), item("Problem 1", Priority::Medium)),
                    (problem("q2"), item("Problem 2", Priority::Low)),
                ],
            )
            .await
            .unwrap();
        (audit, plan)
    }

    async fn count(pool: &AnyPool, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    }

    // ---- connect -------------------------------------------------------

    #[tokio::test]
    async fn connect_creates_a_missing_database_file_and_applies_the_migrations() {
        let db = new_db().await;
        assert!(!db.path.exists());

        let storage = Storage::connect(&db.url).await.unwrap();

        assert!(db.path.is_file());
        let pool = raw(&db).await;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN \
             ('users', 'audits', 'answers', 'plan_items', 'pending_inputs', 'reminders', 'inbox') ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            tables,
            [
                "answers",
                "audits",
                "inbox",
                "pending_inputs",
                "plan_items",
                "reminders",
                "users"
            ]
        );
        let applied: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(storage.sqlite_pool().unwrap())
                .await
                .unwrap();
        assert_eq!(
            applied,
            [
                (20261123000001, true),
                (20261123000002, true),
                (20261201000003, true),
                (20261201000004, true),
                (20261201000005, true),
                (20261201000006, true),
                (20261201000007, true),
                (20261206000008, true),
                (20261207000009, true)
            ]
        );
        storage.close().await;
    }

    /// Migration 9 makes the answers' table again (its CHECKs without
    /// `IN` lists): every answer, priority and note written before it is
    /// there after it, and the table still refuses what it refused.
    #[tokio::test]
    async fn the_answers_made_again_by_migration_9_keep_every_answer_and_note() {
        let db = new_db().await;
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&db.url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let mut before_9 = sqlx::migrate!("./migrations/sqlite");
        before_9.migrations = before_9
            .migrations
            .iter()
            .filter(|m| m.version < 20261207000009)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before_9.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'Anna', 0, 0);
             INSERT INTO audits (id, user_id, chat_id, checklist_id, checklist_version, status,
                 current_question_id, revision, started_at, updated_at)
             VALUES (5, 1, 1, 'churn', 3, 'in_progress', 'q3', 2, 0, 0);
             INSERT INTO answers (audit_id, question_id, answer, priority, priority_skipped,
                 answered_at, note)
             VALUES (5, 'q1', 'no', 'high', 0, 10, 'why'),
                    (5, 'q2', 'no', NULL, 1, 11, NULL),
                    (5, 'q3', 'na', NULL, 0, 12, 'later')",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let storage = Storage::connect(&db.url).await.unwrap();

        let (mut responses, notes) = storage.responses_with_notes(5).await.unwrap();
        responses.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            responses,
            [
                (
                    "q1".to_string(),
                    resp(Answer::No, Some(Priority::High), false)
                ),
                ("q2".to_string(), resp(Answer::No, None, true)),
                ("q3".to_string(), resp(Answer::NotApplicable, None, false)),
            ]
        );
        assert_eq!(
            notes,
            HashMap::from([
                ("q1".to_string(), "why".to_string()),
                ("q3".to_string(), "later".to_string())
            ])
        );
        let wrong = sqlx::query(
            "INSERT INTO answers (audit_id, question_id, answer, answered_at)
             VALUES (5, 'q4', 'maybe', 0)",
        )
        .execute(&raw(&db).await)
        .await
        .expect_err("an answer other than yes, no, na");
        assert!(wrong
            .as_database_error()
            .is_some_and(|e| e.is_check_violation()));
        storage.close().await;
    }

    async fn connecting_twice_to_the_same_file_keeps_the_data_and_reapplies_nothing(
        backend: TestBackend,
    ) {
        let (db, first) = setup_on(backend).await;
        let audit = new_audit(&first, USER).await;

        let second = Storage::connect(&db.url).await.unwrap();
        first.close().await;
        let third = Storage::connect(&db.url).await.unwrap();

        assert_eq!(second.audit(audit.id).await.unwrap(), Some(audit.clone()));
        assert_eq!(third.open_audit(USER).await.unwrap(), Some(audit));
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&raw(&db).await)
            .await
            .unwrap();
        assert_eq!(migrations, 9);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn processes_starting_together_on_a_new_file_migrate_it_once() {
        let db = new_db().await;

        let opened = futures_util::future::join_all(
            (0..4)
                .map(|_| Storage::connect(&db.url))
                .collect::<Vec<_>>(),
        )
        .await;

        for storage in &opened {
            assert!(storage.is_ok(), "{:?}", storage.as_ref().err());
        }
        let migrations = count(&raw(&db).await, "SELECT COUNT(*) FROM _sqlx_migrations").await;
        assert_eq!(migrations, 9);
    }

    #[tokio::test]
    async fn a_save_returns_once_the_wal_file_is_flushed_and_a_take_or_a_stale_press_flushes_nothing(
    ) {
        let (_db, storage) = setup().await;
        let wal = storage.sqlite_wal().unwrap();
        let audit = new_audit(&storage, USER).await;
        // The updates' connections commit without an fsync of their own.
        let mut conn = storage.sqlite_conns().unwrap().get().await.unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(synchronous, 1, "NORMAL");
        conn.done();

        assert!(storage
            .take_update(1, Some(USER), Some(audit.id))
            .await
            .unwrap()
            .is_some());
        assert_eq!(wal.flushes(), 0, "a take waits for no flush");
        let yes = write("q1", resp(Answer::Yes, None, false));
        storage.save(audit.id, 0, &yes, at("q2")).await.unwrap();
        assert_eq!(wal.flushes(), 1, "the save returned after a flush");
        assert!(matches!(
            storage.save(audit.id, 0, &yes, at("q2")).await,
            Err(StorageError::Stale)
        ));
        assert_eq!(wal.flushes(), 1, "a stale press committed nothing");
        storage.save(audit.id, 1, &yes, at("q3")).await.unwrap();
        assert_eq!(wal.flushes(), 2);
    }

    #[tokio::test]
    async fn takes_waiting_for_the_write_turn_are_taken_together_each_once() {
        let (db, storage) = setup().await;
        let audit = new_audit(&storage, USER).await;
        let before = walsync::wal_frames(&db.path);
        assert!(storage.take_update(1, None, None).await.unwrap().is_some());
        let one_take = walsync::wal_frames(&db.path) - before;
        assert!(one_take > 0);

        // Updates 2–7 come while a write is under way; 4 comes twice.
        let turn = storage.sqlite_write_turn().await.unwrap();
        let ids = [2, 3, 4, 4, 5, 6, 7];
        let takes: Vec<_> = ids
            .iter()
            .map(|&id| {
                let s = storage.clone();
                tokio::spawn(async move { s.take_update(id, Some(USER), Some(audit.id)).await })
            })
            .collect();
        // The first runs (waiting for the turn); the others wait for it.
        // Each spawned take is polled at its first yield of this one
        // thread's runtime; a few more are slack.
        for _ in 0..2 * ids.len() {
            tokio::task::yield_now().await;
        }
        assert_eq!(storage.sqlite_writes_waiting(), ids.len() - 1);
        let before = walsync::wal_frames(&db.path);
        drop(turn);
        let mut taken = Vec::new();
        for take in takes {
            taken.push(take.await.unwrap().unwrap());
        }

        // Two transactions (the first take's, then the six that waited
        // for it), not seven.
        assert_eq!(walsync::wal_frames(&db.path) - before, 2 * one_take);
        let of = |id: i64| {
            ids.iter()
                .zip(&taken)
                .filter(|(i, t)| **i == id && t.is_some())
                .count()
        };
        assert!(ids.iter().all(|&id| of(id) == 1), "{taken:?}");
        let first = taken[0].as_ref().unwrap();
        assert_eq!(first.audit.as_ref().map(|(a, _)| a.id), Some(audit.id));
        assert!(taken.iter().flatten().all(|t| t == first));
        assert!(storage.take_update(4, None, None).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn saves_waiting_with_takes_go_together_and_a_stale_one_among_them_writes_nothing() {
        let (_db, storage) = setup().await;
        let audit = new_audit(&storage, USER).await;

        let turn = storage.sqlite_write_turn().await.unwrap();
        let s = storage.clone();
        let runner = tokio::spawn(async move { s.take_update(20, None, None).await });
        let save = |answer: Answer| {
            let s = storage.clone();
            tokio::spawn(async move {
                let change = write("q1", resp(answer, None, false));
                s.save(audit.id, 0, &change, at("q2")).await
            })
        };
        // A double tap: both on revision 0.
        let (yes, no) = (save(Answer::Yes), save(Answer::NotApplicable));
        let s = storage.clone();
        let take = tokio::spawn(async move { s.take_update(21, None, None).await });
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(storage.sqlite_writes_waiting(), 3, "waiting together");
        drop(turn);

        assert!(runner.await.unwrap().unwrap().is_some());
        let yes = yes.await.unwrap();
        let no = no.await.unwrap();
        assert!(take.await.unwrap().unwrap().is_some());
        assert_eq!(yes.unwrap(), 1, "the first tap is saved");
        assert!(matches!(no, Err(StorageError::Stale)), "{no:?}");
        let (record, (answers, _)) = storage.audit_with_answers(audit.id).await.unwrap().unwrap();
        assert_eq!(record.revision, 1);
        assert_eq!(
            answers,
            [("q1".to_string(), resp(Answer::Yes, None, false))]
        );
    }

    #[tokio::test]
    async fn connect_turns_on_wal_journal_mode_in_the_file() {
        let db = new_db().await;

        let storage = Storage::connect(&db.url).await.unwrap();

        let own: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(storage.sqlite_pool().unwrap())
            .await
            .unwrap();
        assert_eq!(own, "wal");
        // WAL is persistent: a connection that asks for nothing sees it too.
        let other: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&raw(&db).await)
            .await
            .unwrap();
        assert_eq!(other, "wal");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(storage.sqlite_pool().unwrap())
            .await
            .unwrap();
        assert_eq!(synchronous, 2, "synchronous should be FULL");
    }

    async fn connect_turns_on_foreign_keys_so_an_audit_needs_a_known_user(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;

        if let Some(pool) = storage.sqlite_pool() {
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(fk, 1);
        }
        let orphan = storage
            .create_audit(999_999, CHAT, CHECKLIST, 3, "q1", None)
            .await;

        assert!(
            matches!(orphan, Err(StorageError::Db(_))),
            "an audit for an unknown user must be refused, got {orphan:?}"
        );
        assert_eq!(storage.open_audit(999_999).await.unwrap(), None);
    }

    async fn connect_refuses_a_database_migrated_by_a_newer_binary_and_leaves_its_data_intact(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        storage.close().await;
        let pool = raw(&db).await;
        let future_version: i64 = 99_991_231_000_000;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ($1, 'from the future', TRUE, $2, 0)",
        )
        .bind(future_version)
        .bind(vec![0u8])
        .execute(&pool)
        .await
        .unwrap();

        let refused = Storage::connect(&db.url).await;

        // sqlx 0.8 `Migrator::run` with `ignore_missing = false` (the default
        // of `migrate!`) fails on an applied version it does not know.
        match refused {
            Err(StorageError::Migrate(MigrateError::VersionMissing(v))) => {
                assert_eq!(v, future_version)
            }
            Err(e) => panic!("expected VersionMissing({future_version}), got {e:?}"),
            Ok(_) => panic!("a database from a newer binary must be refused"),
        }
        let users: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, first_name FROM users ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(users, [(USER, "Anna".into()), (OTHER_USER, "Boris".into())]);
        let audit_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audits")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(audit_ids, [audit.id]);
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            versions,
            [
                20261123000001,
                20261123000002,
                20261201000003,
                20261201000004,
                20261201000005,
                20261201000006,
                20261201000007,
                20261206000008,
                20261207000009,
                future_version
            ]
        );
    }

    #[tokio::test]
    async fn connect_to_a_path_in_a_missing_directory_returns_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir");
        let path = missing.join("audit.db");

        let result = Storage::connect(&url_of(&path)).await;

        assert!(
            matches!(result, Err(StorageError::Db(_))),
            "expected a database error, got {:?}",
            result.err()
        );
        assert!(!missing.exists(), "connect must not create directories");
    }

    #[tokio::test]
    async fn connect_to_a_path_whose_parent_is_not_a_writable_directory_returns_an_error() {
        // chmod does not stop root, so the parent is a regular file instead.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"not a directory").unwrap();

        let result = Storage::connect(&url_of(&file.join("audit.db"))).await;

        assert!(
            matches!(result, Err(StorageError::Db(_))),
            "expected a database error, got {:?}",
            result.err()
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
    }

    // ---- users ---------------------------------------------------------

    async fn a_chosen_language_is_stored_and_one_never_set_is_filled_in_once(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        assert_eq!(storage.language(USER).await.unwrap().as_deref(), Some("ru"));
        storage.set_language(USER, "en").await.unwrap();
        assert_eq!(storage.language(USER).await.unwrap().as_deref(), Some("en"));
        // A user the bot has never met has no row, and setting a language
        // for them writes none.
        assert_eq!(storage.language(77).await.unwrap(), None);
        storage.set_language(77, "uk").await.unwrap();
        assert_eq!(storage.language(77).await.unwrap(), None);
        // A user from before languages existed has NULL: the next contact's
        // guess is stored.
        let pool = raw(&db).await;
        sqlx::query("UPDATE users SET language = NULL WHERE id = $1")
            .bind(OTHER_USER)
            .execute(&pool)
            .await
            .unwrap();
        let user = UserInfo {
            id: OTHER_USER,
            first_name: "Boris".into(),
            username: None,
        };
        assert_eq!(storage.upsert_user(&user, "uk").await.unwrap(), "uk");
        assert_eq!(storage.upsert_user(&user, "en").await.unwrap(), "uk");
    }

    async fn upsert_user_inserts_a_new_user_then_updates_the_name_and_username(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let pool = raw(&db).await;
        let user = |first_name: &str, username: Option<&str>| UserInfo {
            id: 42,
            first_name: first_name.to_string(),
            username: username.map(str::to_string),
        };
        let row = || {
            sqlx::query_as::<_, (String, Option<String>)>(
                "SELECT first_name, username FROM users WHERE id = 42",
            )
            .fetch_all(&pool)
        };

        storage
            .upsert_user(&user("Vera", None), "uk")
            .await
            .unwrap();
        let inserted = row().await.unwrap();
        // The language stored at first contact stays: a later guess from
        // another device's language_code changes nothing.
        let kept = storage
            .upsert_user(&user("Vera K.", Some("vera_k")), "en")
            .await
            .unwrap();
        let updated = row().await.unwrap();
        storage
            .upsert_user(&user("Vera K.", None), "ru")
            .await
            .unwrap();
        let cleared = row().await.unwrap();

        assert_eq!(kept, "uk");
        assert_eq!(storage.language(42).await.unwrap().as_deref(), Some("uk"));

        assert_eq!(inserted, [("Vera".to_string(), None)]);
        assert_eq!(
            updated,
            [("Vera K.".to_string(), Some("vera_k".to_string()))]
        );
        assert_eq!(cleared, [("Vera K.".to_string(), None)]);
    }

    // ---- audits --------------------------------------------------------

    async fn create_audit_returns_an_in_progress_audit_at_revision_zero_on_the_first_question(
        backend: TestBackend,
    ) {
        let (_db, storage) = setup_on(backend).await;

        let audit = storage
            .create_audit(USER, CHAT, "churn-v2", 7, "first", None)
            .await
            .unwrap();
        let tagged = storage
            .create_audit(OTHER_USER, CHAT, "churn-v2", 7, "first", Some("fb"))
            .await
            .unwrap();
        assert_eq!(tagged.source.as_deref(), Some("fb"));
        assert_eq!(storage.audit(tagged.id).await.unwrap(), Some(tagged));

        assert_eq!(audit.user_id, USER);
        assert_eq!(audit.chat_id, CHAT);
        assert_eq!(audit.checklist_id, "churn-v2");
        assert_eq!(audit.checklist_version, 7);
        assert_eq!(audit.status, Status::InProgress);
        assert_eq!(audit.current_question_id.as_deref(), Some("first"));
        assert_eq!(audit.revision, 0);
        assert_eq!(audit.card, None);
        assert_eq!(audit.finished_at, None);
        assert_eq!(audit.source, None);
        assert_eq!(audit.started_at, audit.updated_at);
        assert!(
            audit.started_at > 1_700_000_000,
            "started_at is unix seconds"
        );
        assert_eq!(storage.audit(audit.id).await.unwrap(), Some(audit.clone()));
        assert_eq!(storage.open_audit(USER).await.unwrap(), Some(audit));
    }

    async fn creating_a_second_audit_abandons_the_first_and_keeps_it(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let first = new_audit(&storage, USER).await;
        let others = new_audit(&storage, OTHER_USER).await;

        let second = new_audit(&storage, USER).await;

        let abandoned = storage.audit(first.id).await.unwrap().unwrap();
        assert_eq!(abandoned.status, Status::Abandoned);
        assert_eq!(abandoned.current_question_id, None);
        assert_eq!(abandoned.revision, first.revision + 1);
        assert_eq!(abandoned.finished_at, None);
        assert_ne!(second.id, first.id);
        assert_eq!(second.status, Status::InProgress);
        assert_eq!(storage.open_audit(USER).await.unwrap(), Some(second));
        assert_eq!(
            storage.audit(others.id).await.unwrap(),
            Some(others),
            "another user's audit in progress is untouched"
        );
    }

    async fn the_partial_unique_index_rejects_a_raw_second_in_progress_audit_for_a_user(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let open = new_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let insert = |status: &'static str| {
            sqlx::query(
                "INSERT INTO audits (user_id, chat_id, checklist_id, checklist_version, status,
                     current_question_id, started_at, updated_at)
                 VALUES ($1, 1, 'churn', 3, $2, 'q1', 0, 0)",
            )
            .bind(USER)
            .bind(status)
            .execute(&pool)
        };

        let second_in_progress = insert("in_progress").await;
        let abandoned = insert("abandoned").await;

        let err = second_in_progress.expect_err("a second in-progress audit must be rejected");
        let db_err = err.as_database_error().expect("a constraint error");
        assert!(db_err.is_unique_violation(), "got {db_err}");
        assert!(
            abandoned.is_ok(),
            "the index only covers in-progress audits"
        );
        assert_eq!(storage.open_audit(USER).await.unwrap(), Some(open));
    }

    async fn audit_returns_none_for_an_unknown_id(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;

        assert_eq!(storage.audit(12345).await.unwrap(), None);
        assert_eq!(storage.open_audit(USER).await.unwrap(), None);
        assert_eq!(storage.latest_audit(USER).await.unwrap(), None);
    }

    // ---- save ----------------------------------------------------------

    async fn save_on_the_expected_revision_writes_the_answer_bumps_the_revision_and_moves_on(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let no_high = resp(Answer::No, Some(Priority::High), false);

        let revision = storage
            .save(audit.id, 0, &write("q1", no_high), at("q2"))
            .await
            .unwrap();

        assert_eq!(revision, 1);
        let saved = storage.audit(audit.id).await.unwrap().unwrap();
        assert_eq!(saved.revision, 1);
        assert_eq!(saved.current_question_id.as_deref(), Some("q2"));
        assert_eq!(saved.status, Status::InProgress);
        assert_eq!(saved.finished_at, None);
        assert!(saved.updated_at >= audit.updated_at);
        assert_eq!(
            storage.responses(audit.id).await.unwrap(),
            [("q1".to_string(), no_high)]
        );
        assert_eq!(answer_rows(&raw(&db).await, audit.id).await, 1);
    }

    async fn save_of_an_answered_question_replaces_it_and_clears_a_priority_no_longer_given(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let rev = storage
            .save(
                audit.id,
                0,
                &write("q1", resp(Answer::No, Some(Priority::Medium), false)),
                at("q2"),
            )
            .await
            .unwrap();

        let rev = storage
            .save(
                audit.id,
                rev,
                &write("q1", resp(Answer::Yes, None, false)),
                at("q2"),
            )
            .await
            .unwrap();

        assert_eq!(rev, 2);
        assert_eq!(
            storage.responses(audit.id).await.unwrap(),
            [("q1".to_string(), resp(Answer::Yes, None, false))]
        );
        let pool = raw(&db).await;
        let priority: Option<String> =
            sqlx::query_scalar("SELECT priority FROM answers WHERE audit_id = $1")
                .bind(audit.id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(priority, None);
        assert_eq!(answer_rows(&pool, audit.id).await, 1);
    }

    async fn save_that_finishes_the_audit_sets_the_status_and_finished_at(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;

        let rev = storage
            .save(
                audit.id,
                0,
                &write("q1", resp(Answer::Yes, None, false)),
                FINISHED,
            )
            .await
            .unwrap();

        let finished = storage.audit(audit.id).await.unwrap().unwrap();
        assert_eq!(rev, 1);
        assert_eq!(finished.status, Status::Finished);
        assert_eq!(finished.current_question_id, None);
        assert_eq!(finished.finished_at, Some(finished.updated_at));
        assert!(finished.updated_at >= audit.started_at);
        assert_eq!(storage.open_audit(USER).await.unwrap(), None);
    }

    async fn save_on_a_stale_revision_returns_stale_and_writes_nothing(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let yes = resp(Answer::Yes, None, false);
        storage
            .save(audit.id, 0, &write("q1", yes), at("q2"))
            .await
            .unwrap();
        let pool = raw(&db).await;
        let answers_sql =
            "SELECT question_id, answer, priority, CAST(priority_skipped AS INTEGER), answered_at \
             FROM answers ORDER BY question_id";
        type AnswerRow = (String, String, Option<String>, i64, i64);
        let audit_before = storage.audit(audit.id).await.unwrap();
        let answers_before: Vec<AnswerRow> =
            sqlx::query_as(answers_sql).fetch_all(&pool).await.unwrap();

        let overwrite = storage
            .save(
                audit.id,
                0,
                &write("q1", resp(Answer::No, Some(Priority::Low), false)),
                at("q3"),
            )
            .await;
        let new_answer = storage.save(audit.id, 0, &write("q2", yes), FINISHED).await;
        let removal = storage.save(audit.id, 0, &delete("q1"), at("q1")).await;

        assert!(
            matches!(overwrite, Err(StorageError::Stale)),
            "{overwrite:?}"
        );
        assert!(
            matches!(new_answer, Err(StorageError::Stale)),
            "{new_answer:?}"
        );
        assert!(matches!(removal, Err(StorageError::Stale)), "{removal:?}");
        assert_eq!(storage.audit(audit.id).await.unwrap(), audit_before);
        let answers_after: Vec<AnswerRow> =
            sqlx::query_as(answers_sql).fetch_all(&pool).await.unwrap();
        assert_eq!(answers_after, answers_before);
    }

    async fn save_on_a_finished_audit_returns_stale_even_on_its_current_revision(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let finished = finished_audit(&storage, USER).await;

        let result = storage
            .save(
                finished.id,
                finished.revision,
                &write("q2", resp(Answer::No, Some(Priority::High), false)),
                at("q3"),
            )
            .await;

        assert!(matches!(result, Err(StorageError::Stale)), "{result:?}");
        assert_eq!(
            storage.audit(finished.id).await.unwrap(),
            Some(finished.clone())
        );
        assert_eq!(answer_rows(&raw(&db).await, finished.id).await, 1);
    }

    async fn save_on_an_audit_deleted_meanwhile_returns_stale(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        storage.delete_user_data(USER).await.unwrap();

        let result = storage
            .save(
                audit.id,
                audit.revision,
                &write("q1", resp(Answer::Yes, None, false)),
                at("q2"),
            )
            .await;

        assert!(matches!(result, Err(StorageError::Stale)), "{result:?}");
        assert_eq!(answer_rows(&raw(&db).await, audit.id).await, 0);
    }

    /// Another process holding SQLite's write lock: a press's take and
    /// save neither fail nor wait on the handler's thread; they go to
    /// sqlx's connections, which wait for the lock, and are written once
    /// it is free.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_take_and_a_save_wait_for_the_write_lock_of_another_process() {
        let (db, storage) = setup().await;
        let audit = new_audit(&storage, USER).await;
        let other = rusqlite::Connection::open(&db.path).unwrap();
        let busy = || storage.sqlite_direct_busy_count().unwrap();

        // Runs `write` while `other` holds the lock; its result once
        // `other` commits.
        async fn behind_the_lock<T: Send + 'static>(
            other: &rusqlite::Connection,
            busy: impl Fn() -> u64,
            write: impl std::future::Future<Output = T> + Send + 'static,
        ) -> T {
            other.execute_batch("BEGIN IMMEDIATE").unwrap();
            let before = busy();
            let write = tokio::spawn(write);
            while busy() == before {
                tokio::task::yield_now().await;
            }
            assert!(!write.is_finished(), "written while the lock was held");
            other.execute_batch("COMMIT").unwrap();
            write.await.unwrap()
        }

        let s = storage.clone();
        let taken = behind_the_lock(&other, busy, async move {
            s.take_update(1, Some(USER), Some(audit.id)).await
        })
        .await
        .unwrap()
        .expect("taken");
        assert_eq!(taken.audit.map(|(a, _)| a.revision), Some(audit.revision));

        let s = storage.clone();
        let saved = behind_the_lock(&other, busy, async move {
            let change = write("q1", resp(Answer::No, Some(Priority::High), false));
            s.save(audit.id, audit.revision, &change, at("q2")).await
        })
        .await
        .unwrap();
        assert_eq!(saved, audit.revision + 1);

        let s = storage.clone();
        let stale = behind_the_lock(&other, busy, async move {
            let change = write("q1", resp(Answer::Yes, None, false));
            s.save(audit.id, audit.revision, &change, at("q2")).await
        })
        .await;
        assert!(matches!(stale, Err(StorageError::Stale)), "{stale:?}");
        let (responses, _) = storage.responses_with_notes(audit.id).await.unwrap();
        assert_eq!(
            responses,
            vec![(
                "q1".to_string(),
                resp(Answer::No, Some(Priority::High), false)
            )]
        );
        // And again on this thread once the lock is free.
        assert!(storage.take_update(1, None, None).await.unwrap().is_none());
        assert_eq!(busy(), 3);
    }

    /// The connections a press runs on outlive their server's: PostgreSQL
    /// ends them all (as a restart does) and the next press's take, read
    /// and save still succeed, on new ones. On SQLite nothing can end them;
    /// the presses there check the kept connections are reused sound.
    /// On PostgreSQL, ends every connection to the test's database but the
    /// one asking, as a server restart does.
    async fn end_every_connection(backend: TestBackend, db: &Db) {
        if !backend.is_sqlite() {
            let ended: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_all(&raw(db).await)
            .await
            .unwrap();
            assert!(!ended.is_empty() && ended.iter().all(|&e| e), "{ended:?}");
        }
    }

    async fn presses_go_on_after_the_server_ended_every_connection(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        // Every kept connection used once.
        let takes = (1..=8).map(|id| storage.take_update(id, Some(USER), None));
        assert!(futures_util::future::join_all(takes)
            .await
            .into_iter()
            .all(|t| t.unwrap().is_some()));
        end_every_connection(backend, &db).await;

        for (i, q) in ["q1", "q2", "q3", "q4", "q5"].iter().enumerate() {
            let revision = i64::try_from(i).unwrap();
            assert!(storage
                .take_update(100 + revision, Some(USER), None)
                .await
                .unwrap()
                .is_some());
            let (record, _) = storage.audit_with_answers(audit.id).await.unwrap().unwrap();
            assert_eq!(record.revision, revision);
            let next = ["q2", "q3", "q4", "q5", "q6"][i];
            let saved = storage
                .save(
                    audit.id,
                    revision,
                    &write(q, resp(Answer::Yes, None, false)),
                    at(next),
                )
                .await
                .unwrap();
            assert_eq!(saved, revision + 1);
        }
        assert_eq!(storage.responses(audit.id).await.unwrap().len(), 5);
    }

    async fn a_take_run_again_on_a_new_connection_that_finds_the_update_taken_fails(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        assert!(storage.take_update(1, None, None).await.unwrap().is_some());
        // Update 2 taken as if by the lost connection's try, done on the
        // server just before the connection went.
        sqlx::query("INSERT INTO inbox (update_id, received_at, taken_at) VALUES (2, 1, 1)")
            .execute(&raw(&db).await)
            .await
            .unwrap();
        end_every_connection(backend, &db).await;
        let taken = storage.take_update(2, None, None).await;
        if backend.is_sqlite() {
            // A file loses no connection: simply taken before.
            assert!(matches!(taken, Ok(None)), "{taken:?}");
        } else {
            // Whose try took it is unknown: an error, which lets the update
            // through (`app::first_take`), not a skip.
            assert!(matches!(taken, Err(StorageError::Db(_))), "{taken:?}");
        }
        // Nothing in doubt any more: taken before.
        assert!(matches!(storage.take_update(2, None, None).await, Ok(None)));
    }

    async fn a_save_whose_connection_the_server_ended_is_written_once(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        assert!(storage
            .take_update(1, Some(USER), Some(audit.id))
            .await
            .unwrap()
            .is_some());
        // The take's connection, kept for the save, is gone when it comes.
        end_every_connection(backend, &db).await;
        let yes = write("q1", resp(Answer::Yes, None, false));
        assert_eq!(storage.save(audit.id, 0, &yes, at("q2")).await.unwrap(), 1);
        let (record, (answers, _)) = storage.audit_with_answers(audit.id).await.unwrap().unwrap();
        assert_eq!(record.revision, 1);
        assert_eq!(answers.len(), 1);
        // A second tap on the same card after all that is stale.
        assert!(matches!(
            storage.save(audit.id, 0, &yes, at("q2")).await,
            Err(StorageError::Stale)
        ));
    }

    async fn audit_with_answers_reads_the_audit_with_every_answer_and_note(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let no = resp(Answer::No, Some(Priority::High), false);
        let skipped = resp(Answer::No, None, true);

        let (fresh, (none, no_notes)) =
            storage.audit_with_answers(audit.id).await.unwrap().unwrap();
        storage
            .save(audit.id, 0, &write("q1", no), at("q2"))
            .await
            .unwrap();
        storage
            .save(audit.id, 1, &write("q2", skipped), at("q3"))
            .await
            .unwrap();
        assert!(storage
            .set_note(audit.id, "q2", Some("нет времени"))
            .await
            .unwrap());
        let (record, (mut responses, notes)) =
            storage.audit_with_answers(audit.id).await.unwrap().unwrap();

        assert_eq!(fresh, audit);
        assert!(
            none.is_empty() && no_notes.is_empty(),
            "{none:?} {no_notes:?}"
        );
        assert_eq!(record, storage.audit(audit.id).await.unwrap().unwrap());
        assert_eq!(record.revision, 2);
        responses.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            responses,
            [("q1".to_string(), no), ("q2".to_string(), skipped)]
        );
        assert_eq!(
            notes,
            HashMap::from([("q2".to_string(), "нет времени".to_string())])
        );
        assert_eq!(
            storage.audit_with_answers(audit.id + 1).await.unwrap(),
            None
        );
    }

    #[test]
    fn placeholders_are_shifted_by_the_arguments_before_them() {
        let mut out = String::new();
        shift_placeholders("UPDATE t SET a = $1 WHERE b = $2 AND c = $12", 3, &mut out);
        shift_placeholders(" SELECT $1, $ ", 0, &mut out);
        assert_eq!(
            out,
            "UPDATE t SET a = $4 WHERE b = $5 AND c = $15 SELECT $1, $ "
        );
    }

    async fn save_on_an_abandoned_audit_returns_stale(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let first = new_audit(&storage, USER).await;
        new_audit(&storage, USER).await;
        let abandoned = storage.audit(first.id).await.unwrap().unwrap();

        let result = storage
            .save(
                first.id,
                abandoned.revision,
                &write("q1", resp(Answer::Yes, None, false)),
                at("q2"),
            )
            .await;

        assert!(matches!(result, Err(StorageError::Stale)), "{result:?}");
        assert_eq!(storage.audit(first.id).await.unwrap(), Some(abandoned));
        assert_eq!(answer_rows(&raw(&db).await, first.id).await, 0);
    }

    async fn save_of_a_change_without_response_deletes_the_stored_answer(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let yes = resp(Answer::Yes, None, false);
        let rev = storage
            .save(audit.id, 0, &write("q1", yes), at("q2"))
            .await
            .unwrap();
        let rev = storage
            .save(audit.id, rev, &write("q2", yes), at("q3"))
            .await
            .unwrap();

        let rev = storage
            .save(audit.id, rev, &delete("q2"), at("q2"))
            .await
            .unwrap();

        assert_eq!(rev, 3);
        assert_eq!(
            storage.responses(audit.id).await.unwrap(),
            [("q1".to_string(), yes)]
        );
        assert_eq!(answer_rows(&raw(&db).await, audit.id).await, 1);
        let saved = storage.audit(audit.id).await.unwrap().unwrap();
        assert_eq!(saved.current_question_id.as_deref(), Some("q2"));
        assert_eq!(saved.revision, 3);
    }

    async fn save_without_a_change_only_moves_the_audit_and_bumps_its_revision(
        backend: TestBackend,
    ) {
        let (_db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let yes = resp(Answer::Yes, None, false);
        let rev = storage
            .save(audit.id, 0, &write("q1", yes), at("q2"))
            .await
            .unwrap();

        let rev = storage
            .save(audit.id, rev, &Change { response: None }, at("q1"))
            .await
            .unwrap();

        assert_eq!(rev, 2);
        let saved = storage.audit(audit.id).await.unwrap().unwrap();
        assert_eq!(saved.current_question_id.as_deref(), Some("q1"));
        assert_eq!(
            storage.responses(audit.id).await.unwrap(),
            [("q1".to_string(), yes)]
        );
    }

    async fn two_concurrent_saves_on_the_same_revision_let_exactly_one_through(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let pool = raw(&db).await;
        let (a, b) = (storage.clone(), storage.clone());
        let yes = resp(Answer::Yes, None, false);
        let no = resp(Answer::No, Some(Priority::High), false);
        let (change_a, change_b) = (write("q1", yes), write("q2", no));
        // Repeated, so the two transactions really overlap at least sometimes.
        for _ in 0..20 {
            let audit = new_audit(&storage, USER).await;

            let (first, second) = tokio::join!(
                a.save(audit.id, 0, &change_a, at("q2")),
                b.save(audit.id, 0, &change_b, at("q3")),
            );

            let expected = match (&first, &second) {
                (Ok(1), Err(StorageError::Stale)) => ("q1".to_string(), yes, "q2"),
                (Err(StorageError::Stale), Ok(1)) => ("q2".to_string(), no, "q3"),
                other => panic!("expected exactly one success and one Stale, got {other:?}"),
            };
            assert_eq!(answer_rows(&pool, audit.id).await, 1);
            assert_eq!(
                storage.responses(audit.id).await.unwrap(),
                [(expected.0, expected.1)]
            );
            let saved = storage.audit(audit.id).await.unwrap().unwrap();
            assert_eq!(saved.revision, 1);
            assert_eq!(saved.current_question_id.as_deref(), Some(expected.2));
        }
    }

    // ---- responses -----------------------------------------------------

    async fn responses_round_trip_every_answer_priority_and_skip(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let other = new_audit(&storage, OTHER_USER).await;
        let written = vec![
            ("a".to_string(), resp(Answer::Yes, None, false)),
            (
                "b".to_string(),
                resp(Answer::No, Some(Priority::Low), false),
            ),
            (
                "c".to_string(),
                resp(Answer::No, Some(Priority::Medium), false),
            ),
            (
                "d".to_string(),
                resp(Answer::No, Some(Priority::High), false),
            ),
            ("e".to_string(), resp(Answer::NotApplicable, None, true)),
            (
                "f".to_string(),
                resp(Answer::NotApplicable, Some(Priority::High), false),
            ),
            ("g".to_string(), resp(Answer::NotApplicable, None, false)),
        ];
        let mut rev = 0;
        for (question_id, response) in &written {
            rev = storage
                .save(audit.id, rev, &write(question_id, *response), at("z"))
                .await
                .unwrap();
        }
        storage
            .save(
                other.id,
                0,
                &write("a", resp(Answer::No, Some(Priority::Low), false)),
                at("b"),
            )
            .await
            .unwrap();

        let read = storage.responses(audit.id).await.unwrap();

        assert_eq!(sorted(read), written);
        assert_eq!(storage.responses(9999).await.unwrap(), []);
    }

    async fn the_answers_check_constraints_reject_corrupt_values_written_by_raw_sql(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let insert = |question_id: &'static str,
                      answer: &'static str,
                      priority: Option<&'static str>,
                      skipped: i64| {
            sqlx::query(
                "INSERT INTO answers (audit_id, question_id, answer, priority, priority_skipped,
                     answered_at)
                 VALUES ($1, $2, $3, $4, CAST(CAST($5 AS INTEGER) AS BOOLEAN), 0)",
            )
            .bind(audit.id)
            .bind(question_id)
            .bind(answer)
            .bind(priority)
            .bind(skipped)
            .execute(&pool)
        };

        let mut refused = vec![
            ("answer", insert("q1", "maybe", None, 0).await),
            ("priority", insert("q2", "no", Some("urgent"), 0).await),
        ];
        // A flag other than 0 or 1 exists only where a boolean is an integer.
        if backend.is_sqlite() {
            refused.push(("priority_skipped", insert("q3", "na", None, 2).await));
        }
        let valid = insert("q4", "no", Some("high"), 0).await;

        for (what, result) in refused {
            let err = result.expect_err(what);
            let db_err = err.as_database_error().expect("a constraint error");
            assert!(db_err.is_check_violation(), "{what}: {db_err}");
        }
        assert!(valid.is_ok(), "{valid:?}");
        assert_eq!(
            storage.responses(audit.id).await.unwrap(),
            [(
                "q4".to_string(),
                resp(Answer::No, Some(Priority::High), false)
            )]
        );
    }

    // ---- latest_audit --------------------------------------------------

    async fn latest_audit_prefers_the_audit_in_progress_over_a_finished_one(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        finished_audit(&storage, USER).await;
        let open = new_audit(&storage, USER).await;
        // Another user's finished audit, newer than the open one.
        finished_audit(&storage, OTHER_USER).await;

        let latest = storage.latest_audit(USER).await.unwrap();

        assert_eq!(latest, Some(open));
    }

    async fn latest_audit_prefers_in_progress_even_when_a_finished_audit_has_a_higher_id(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let open = new_audit(&storage, USER).await;
        sqlx::query(
            "INSERT INTO audits (user_id, chat_id, checklist_id, checklist_version, status,
                 started_at, updated_at, finished_at)
             VALUES ($1, 1, 'churn', 3, 'finished', 0, 0, 0)",
        )
        .bind(USER)
        .execute(&raw(&db).await)
        .await
        .unwrap();

        let latest = storage.latest_audit(USER).await.unwrap();

        assert_eq!(latest, Some(open));
    }

    #[tokio::test]
    async fn latest_audit_falls_back_to_the_most_recent_finished_audit_and_ignores_abandoned_ones()
    {
        let (_db, storage) = setup().await;
        finished_audit(&storage, USER).await;
        let recent = finished_audit(&storage, USER).await;
        // Newer than both, but abandoned: by a new audit, then by a save.
        new_audit(&storage, USER).await;
        let last = new_audit(&storage, USER).await;
        storage
            .save(
                last.id,
                last.revision,
                &Change { response: None },
                Position {
                    current_question_id: None,
                    status: Status::Abandoned,
                },
            )
            .await
            .unwrap();

        // Another user's audits, newer still, are not this user's.
        finished_audit(&storage, OTHER_USER).await;
        new_audit(&storage, OTHER_USER).await;

        let latest = storage.latest_audit(USER).await.unwrap();

        assert_eq!(latest, Some(recent));
        let abandoned = storage.audit(last.id).await.unwrap().unwrap();
        assert_eq!(abandoned.status, Status::Abandoned);
        assert_eq!(abandoned.finished_at, None);
    }

    async fn latest_audit_is_none_when_every_audit_of_the_user_is_abandoned(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        new_audit(&storage, USER).await;
        let last = new_audit(&storage, USER).await;
        storage
            .save(
                last.id,
                0,
                &Change { response: None },
                Position {
                    current_question_id: None,
                    status: Status::Abandoned,
                },
            )
            .await
            .unwrap();
        finished_audit(&storage, OTHER_USER).await;

        let latest = storage.latest_audit(USER).await.unwrap();

        assert_eq!(latest, None);
    }

    // ---- set_card, audit_counts ----------------------------------------

    async fn set_card_returns_the_previous_card_and_stores_the_new_one(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let untouched = new_audit(&storage, OTHER_USER).await;
        let first = Card {
            chat_id: CHAT,
            message_id: 10,
        };
        let second = Card {
            chat_id: -100_123_456_789,
            message_id: i32::MAX,
        };

        let before_first = storage.set_card(audit.id, first).await.unwrap();
        let stored_first = storage.audit(audit.id).await.unwrap().unwrap().card;
        let before_second = storage.set_card(audit.id, second).await.unwrap();
        let stored_second = storage.audit(audit.id).await.unwrap().unwrap();

        assert_eq!(before_first, None);
        assert_eq!(stored_first, Some(first));
        assert_eq!(before_second, Some(first));
        assert_eq!(stored_second.card, Some(second));
        assert_eq!(
            stored_second.revision, audit.revision,
            "a card is not a change of the audit"
        );
        assert_eq!(storage.audit(untouched.id).await.unwrap(), Some(untouched));
    }

    /// set_card once read in a deferred transaction and then wrote; a commit
    /// by another connection in between made SQLite fail it at once with
    /// "database is locked" (seen in more than half of such calls).
    async fn set_card_succeeds_while_other_audits_are_being_saved(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = new_audit(&storage, USER).await;
        let other = new_audit(&storage, OTHER_USER).await;
        let writer = {
            let storage = storage.clone();
            tokio::spawn(async move {
                for revision in 0..200 {
                    let change = write("q1", resp(Answer::Yes, None, false));
                    storage
                        .save(other.id, revision, &change, at("q1"))
                        .await
                        .unwrap();
                }
            })
        };
        for message_id in 0..200 {
            let card = Card {
                chat_id: CHAT,
                message_id,
            };
            storage.set_card(audit.id, card).await.unwrap();
        }
        writer.await.unwrap();
        assert_eq!(
            storage
                .audit(audit.id)
                .await
                .unwrap()
                .unwrap()
                .card
                .map(|c| c.message_id),
            Some(199)
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_database_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let db = new_db().await;
        let storage = Storage::connect(&db.url).await.unwrap();
        new_audit_for_new_user(&storage).await;
        for suffix in ["", "-wal"] {
            let path = PathBuf::from(format!("{}{suffix}", db.path.display()));
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }

    async fn new_audit_for_new_user(storage: &Storage) {
        storage
            .upsert_user(
                &UserInfo {
                    id: USER,
                    first_name: "Anna".into(),
                    username: None,
                },
                "ru",
            )
            .await
            .unwrap();
        new_audit(storage, USER).await;
    }

    async fn audit_counts_count_the_audits_by_status(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let empty = storage.audit_counts().await.unwrap();
        finished_audit(&storage, USER).await;
        new_audit(&storage, USER).await;
        new_audit(&storage, USER).await;
        new_audit(&storage, OTHER_USER).await;

        let counts = storage.audit_counts().await.unwrap();

        assert_eq!(empty, []);
        assert_eq!(
            counts,
            [
                (Status::Abandoned, 1),
                (Status::Finished, 1),
                (Status::InProgress, 2),
            ]
        );
    }

    // ---- notes ---------------------------------------------------------

    async fn set_note_sets_then_replaces_then_clears_the_note_of_an_answer(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1", "q2"]).await;

        let set = storage
            .set_note(audit.id, "q1", Some("only on weekdays"))
            .await
            .unwrap();
        let after_set = storage.notes(audit.id).await.unwrap();
        let replaced = storage
            .set_note(audit.id, "q1", Some("weekdays and Saturday"))
            .await
            .unwrap();
        let after_replace = storage.notes(audit.id).await.unwrap();
        let cleared = storage.set_note(audit.id, "q1", None).await.unwrap();
        let after_clear = storage.notes(audit.id).await.unwrap();

        assert!(set && replaced && cleared);
        assert_eq!(
            after_set,
            HashMap::from([("q1".to_string(), "only on weekdays".to_string())])
        );
        assert_eq!(
            after_replace,
            HashMap::from([("q1".to_string(), "weekdays and Saturday".to_string())])
        );
        assert_eq!(after_clear, HashMap::new());
    }

    async fn a_note_survives_a_changed_answer_and_goes_with_an_undone_one(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1", "q2"]).await;
        storage.set_note(audit.id, "q1", Some("n1")).await.unwrap();
        storage.set_note(audit.id, "q2", Some("n2")).await.unwrap();

        let rev = storage
            .save(
                audit.id,
                audit.revision,
                &write("q1", resp(Answer::Yes, None, false)),
                at("q2"),
            )
            .await
            .unwrap();
        storage
            .save(audit.id, rev, &delete("q2"), at("q2"))
            .await
            .unwrap();

        assert_eq!(
            storage.notes(audit.id).await.unwrap(),
            HashMap::from([("q1".to_string(), "n1".to_string())])
        );
        assert_eq!(
            storage.responses(audit.id).await.unwrap(),
            [("q1".to_string(), resp(Answer::Yes, None, false))]
        );
        assert_eq!(answer_rows(&raw(&db).await, audit.id).await, 1);
    }

    async fn set_note_without_an_answer_row_returns_false_and_writes_nothing(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1"]).await;

        let unanswered = storage.set_note(audit.id, "q2", Some("x")).await.unwrap();
        let unknown_audit = storage.set_note(9999, "q1", Some("x")).await.unwrap();

        assert!(!unanswered);
        assert!(!unknown_audit);
        assert_eq!(storage.notes(audit.id).await.unwrap(), HashMap::new());
        assert_eq!(answer_rows(&raw(&db).await, audit.id).await, 1);
    }

    async fn notes_holds_only_the_noted_answers_of_the_one_audit(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1", "q2", "q3"]).await;
        let other = answered_audit(&storage, OTHER_USER, &["q1"]).await;
        storage
            .set_note(audit.id, "q1", Some("first"))
            .await
            .unwrap();
        storage
            .set_note(audit.id, "q3", Some("third"))
            .await
            .unwrap();
        storage
            .set_note(other.id, "q1", Some("other"))
            .await
            .unwrap();

        let notes = storage.notes(audit.id).await.unwrap();

        assert_eq!(
            notes,
            HashMap::from([
                ("q1".to_string(), "first".to_string()),
                ("q3".to_string(), "third".to_string()),
            ])
        );
        assert_eq!(storage.notes(9999).await.unwrap(), HashMap::new());
    }

    // ---- plan ----------------------------------------------------------

    async fn add_plan_items_numbers_the_items_from_one_in_the_order_given(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let other = finished_audit(&storage, OTHER_USER).await;
        let mut owned = item("Zone B", Priority::Medium);
        owned.owner = Some("Anna".into());
        owned.deadline = Some(date(2027, 2, 28));
        owned.done = true;

        let empty = storage.plan(audit.id).await.unwrap();
        let plan = storage
            .add_plan_items(
                audit.id,
                &[
                    (zone("a"), item("Zone A", Priority::High)),
                    (zone("b"), owned.clone()),
                    (problem("q7"), item("Problem 7", Priority::Low)),
                ],
            )
            .await
            .unwrap();
        // The same sources in another audit are another plan.
        let other_plan = storage
            .add_plan_items(other.id, &[(zone("a"), item("Zone A", Priority::High))])
            .await
            .unwrap();

        assert_eq!(empty, []);
        assert_eq!(
            plan,
            [
                entry(1, zone("a"), item("Zone A", Priority::High)),
                entry(2, zone("b"), owned),
                entry(3, problem("q7"), item("Problem 7", Priority::Low)),
            ]
        );
        assert_eq!(storage.plan(audit.id).await.unwrap(), plan);
        assert_eq!(
            other_plan,
            [entry(1, zone("a"), item("Zone A", Priority::High))]
        );
    }

    async fn adding_the_same_plan_items_twice_adds_them_once(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let (audit, first) = planned_audit(&storage, USER).await;
        let again = [
            (zone("a"), item("Zone A", Priority::High)),
            (problem("q1"), item("Problem 1", Priority::Medium)),
            (problem("q2"), item("Problem 2", Priority::Low)),
        ];

        let second = storage.add_plan_items(audit.id, &again).await.unwrap();

        assert_eq!(first.len(), 3);
        assert_eq!(second, first);
        assert_eq!(
            count(&raw(&db).await, "SELECT COUNT(*) FROM plan_items").await,
            3
        );
    }

    async fn a_second_batch_is_appended_and_its_known_sources_take_no_position(
        backend: TestBackend,
    ) {
        let (_db, storage) = setup_on(backend).await;
        let (audit, first) = planned_audit(&storage, USER).await;
        // Same source, other text: the plan keeps what it has.
        let batch = [
            (problem("q3"), item("Problem 3", Priority::High)),
            (problem("q1"), item("Problem 1 again", Priority::High)),
            (zone("q4"), item("Zone q4", Priority::High)),
            (problem("q4"), item("Problem 4", Priority::High)),
            (problem("q3"), item("Problem 3 twice", Priority::High)),
        ];

        let plan = storage.add_plan_items(audit.id, &batch).await.unwrap();
        let unchanged = storage.add_plan_items(audit.id, &[]).await.unwrap();

        let mut expected = first;
        expected.extend([
            entry(4, problem("q3"), item("Problem 3", Priority::High)),
            entry(5, zone("q4"), item("Zone q4", Priority::High)),
            entry(6, problem("q4"), item("Problem 4", Priority::High)),
        ]);
        assert_eq!(plan, expected);
        assert_eq!(unchanged, expected);
    }

    async fn add_plan_items_to_an_unknown_audit_is_refused(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;

        let result = storage
            .add_plan_items(9999, &[(zone("a"), item("Zone A", Priority::High))])
            .await;

        assert!(matches!(result, Err(StorageError::Db(_))), "{result:?}");
        assert_eq!(storage.plan(9999).await.unwrap(), []);
    }

    async fn update_plan_item_changes_only_the_field_named_by_each_update(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let (audit, plan) = planned_audit(&storage, USER).await;
        let original = plan[1].clone();
        // A drafted item's solution is the proposed one until the owner
        // writes their own.
        assert!(!original.own_solution);
        // Each update, with what it should do to the item.
        type Edit = fn(&mut PlanItem);
        let cases: Vec<(PlanUpdate, Edit)> = vec![
            (PlanUpdate::Owner(Some("Борис".into())), |i| {
                i.owner = Some("Борис".into())
            }),
            (PlanUpdate::Owner(None), |i| i.owner = None),
            (PlanUpdate::Deadline(Some(date(2028, 2, 29))), |i| {
                i.deadline = Some(date(2028, 2, 29))
            }),
            (PlanUpdate::Deadline(Some(date(2027, 1, 5))), |i| {
                i.deadline = Some(date(2027, 1, 5))
            }),
            (PlanUpdate::Deadline(None), |i| i.deadline = None),
            (
                PlanUpdate::Solution("Звонить каждому".into()),
                |i| i.solution = "Звонить каждому".into(),
            ),
            (PlanUpdate::Done(true), |i| i.done = true),
            (PlanUpdate::Done(false), |i| i.done = false),
        ];

        let mut expected = original.clone();
        for (update, change) in cases {
            let updated = storage
                .update_plan_item(audit.id, original.position, &update, PendingChange::Keep)
                .await
                .unwrap();

            change(&mut expected.item);
            expected.own_solution |= matches!(update, PlanUpdate::Solution(_));
            assert_eq!(updated.as_ref(), Some(&expected), "{update:?}");
            let stored = storage.plan(audit.id).await.unwrap();
            assert_eq!(stored[1], expected, "{update:?}");
            assert_eq!(stored[0], plan[0], "{update:?}");
            assert_eq!(stored[2], plan[2], "{update:?}");
        }
    }

    async fn a_deadline_is_stored_as_an_iso_date(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let (audit, _) = planned_audit(&storage, USER).await;

        storage
            .update_plan_item(
                audit.id,
                1,
                &PlanUpdate::Deadline(Some(date(2027, 3, 9))),
                PendingChange::Keep,
            )
            .await
            .unwrap();

        let stored: Option<String> =
            sqlx::query_scalar("SELECT deadline FROM plan_items WHERE position = 1")
                .fetch_one(&raw(&db).await)
                .await
                .unwrap();
        assert_eq!(stored.as_deref(), Some("2027-03-09"));
    }

    async fn update_plan_item_sets_the_next_pending_input_or_clears_it(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let (audit, _) = planned_audit(&storage, USER).await;
        let asked_owner = Pending {
            walk: true,
            ..pending(USER, audit.id, Awaiting::Owner { position: 1 })
        };
        let asked_deadline = Pending {
            walk: true,
            prompt: Some(Card {
                chat_id: CHAT,
                message_id: 77,
            }),
            ..pending(USER, audit.id, Awaiting::Deadline { position: 1 })
        };
        storage.set_pending(&asked_owner).await.unwrap();

        let owner = PlanUpdate::Owner(Some("Anna".into()));
        let first = storage
            .update_plan_item(
                audit.id,
                1,
                &owner,
                PendingChange::Answers {
                    answered: &asked_owner,
                    next: Some(&asked_deadline),
                },
            )
            .await
            .unwrap();
        let after_first = storage.pending(USER).await.unwrap();
        let deadline = PlanUpdate::Deadline(Some(date(2027, 1, 1)));
        let second = storage
            .update_plan_item(
                audit.id,
                1,
                &deadline,
                PendingChange::Answers {
                    answered: &asked_deadline,
                    next: None,
                },
            )
            .await
            .unwrap();
        let after_second = storage.pending(USER).await.unwrap();

        assert_eq!(first.unwrap().item.owner.as_deref(), Some("Anna"));
        assert_eq!(after_first, Some(asked_deadline));
        assert_eq!(second.unwrap().item.deadline, Some(date(2027, 1, 1)));
        assert_eq!(after_second, None);
    }

    async fn update_plan_item_without_such_an_item_returns_none_and_writes_nothing(
        backend: TestBackend,
    ) {
        let (_db, storage) = setup_on(backend).await;
        let (audit, plan) = planned_audit(&storage, USER).await;
        let other = finished_audit(&storage, OTHER_USER).await;
        let asked = pending(USER, audit.id, Awaiting::Owner { position: 3 });
        storage.set_pending(&asked).await.unwrap();
        let next = pending(USER, audit.id, Awaiting::Deadline { position: 4 });

        let answers = PendingChange::Answers {
            answered: &asked,
            next: Some(&next),
        };
        let past_the_end = storage
            .update_plan_item(audit.id, 4, &PlanUpdate::Done(true), answers)
            .await
            .unwrap();
        let zero = storage
            .update_plan_item(audit.id, 0, &PlanUpdate::Done(true), answers)
            .await
            .unwrap();
        let other_audit = storage
            .update_plan_item(other.id, 1, &PlanUpdate::Done(true), PendingChange::Keep)
            .await
            .unwrap();

        assert_eq!(past_the_end, None);
        assert_eq!(zero, None);
        assert_eq!(other_audit, None);
        assert_eq!(storage.plan(audit.id).await.unwrap(), plan);
        assert_eq!(storage.pending(USER).await.unwrap(), Some(asked));
    }

    async fn an_answer_to_a_question_no_longer_awaited_writes_nothing(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let (audit, plan) = planned_audit(&storage, USER).await;
        let asked_owner = pending(USER, audit.id, Awaiting::Owner { position: 1 });
        let asked_deadline = pending(USER, audit.id, Awaiting::Deadline { position: 1 });
        // The owner was asked, and answered elsewhere meanwhile: the bot
        // now waits for the deadline.
        storage.set_pending(&asked_deadline).await.unwrap();

        let late = storage
            .update_plan_item(
                audit.id,
                1,
                &PlanUpdate::Owner(Some("15.01".into())),
                PendingChange::Answers {
                    answered: &asked_owner,
                    next: Some(&asked_deadline),
                },
            )
            .await
            .unwrap();
        // The same question in another walk is another question.
        let walked = Pending {
            walk: true,
            ..asked_deadline.clone()
        };
        let other_walk = storage
            .update_plan_item(
                audit.id,
                1,
                &PlanUpdate::Deadline(Some(date(2027, 1, 1))),
                PendingChange::Answers {
                    answered: &walked,
                    next: None,
                },
            )
            .await
            .unwrap();

        assert_eq!(late, None);
        assert_eq!(other_walk, None);
        assert_eq!(storage.plan(audit.id).await.unwrap(), plan);
        assert_eq!(storage.pending(USER).await.unwrap(), Some(asked_deadline));
    }

    async fn an_item_changed_outside_the_questions_keeps_what_the_bot_waits_for(
        backend: TestBackend,
    ) {
        let (_db, storage) = setup_on(backend).await;
        let (audit, _) = planned_audit(&storage, USER).await;
        let asked = pending(USER, audit.id, Awaiting::Owner { position: 2 });
        storage.set_pending(&asked).await.unwrap();

        let done = storage
            .update_plan_item(audit.id, 1, &PlanUpdate::Done(true), PendingChange::Keep)
            .await
            .unwrap();

        assert!(done.is_some_and(|e| e.item.done));
        assert_eq!(storage.pending(USER).await.unwrap(), Some(asked));
    }

    async fn two_instances_answering_one_question_at_once_let_exactly_one_answer_through(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let second = Storage::connect(&db.url).await.unwrap();
        let (audit, _) = planned_audit(&storage, USER).await;
        let asked = pending(USER, audit.id, Awaiting::Owner { position: 1 });
        let next = pending(USER, audit.id, Awaiting::Deadline { position: 1 });
        let (anna, boris) = (
            PlanUpdate::Owner(Some("Anna".into())),
            PlanUpdate::Owner(Some("Boris".into())),
        );
        let answers = PendingChange::Answers {
            answered: &asked,
            next: Some(&next),
        };
        // Repeated, so the two transactions really overlap at least sometimes.
        for _ in 0..10 {
            storage.set_pending(&asked).await.unwrap();

            let (first, other) = tokio::join!(
                storage.update_plan_item(audit.id, 1, &anna, answers),
                second.update_plan_item(audit.id, 1, &boris, answers),
            );

            let owner = match (first.unwrap(), other.unwrap()) {
                (Some(entry), None) | (None, Some(entry)) => entry.item.owner,
                other => panic!("expected exactly one answer through, got {other:?}"),
            };
            let stored = storage.plan(audit.id).await.unwrap();
            assert_eq!(stored[0].item.owner, owner);
            assert_eq!(storage.pending(USER).await.unwrap(), Some(next.clone()));
        }
        second.close().await;
    }

    async fn a_note_no_longer_awaited_is_not_written(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1", "q2"]).await;
        let note = |question_id: &str| {
            pending(
                USER,
                audit.id,
                Awaiting::Note {
                    question_id: question_id.into(),
                },
            )
        };
        storage.set_pending(&note("q2")).await.unwrap();

        let taken = storage
            .take_pending_note(&note("q1"), Some("late"))
            .await
            .unwrap();

        assert_eq!(taken, NoteTaken::NotAwaited);
        assert_eq!(storage.notes(audit.id).await.unwrap(), HashMap::new());
        assert_eq!(storage.pending(USER).await.unwrap(), Some(note("q2")));
    }

    async fn a_corrupt_plan_row_is_reported_as_corrupt(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let (audit, _) = planned_audit(&storage, USER).await;
        let pool = raw(&db).await;

        for deadline in ["09.03.2027", "2027-3-9", "2027-02-30", "soon"] {
            sqlx::query("UPDATE plan_items SET deadline = $1 WHERE position = 2")
                .bind(deadline)
                .execute(&pool)
                .await
                .unwrap();

            let result = storage.plan(audit.id).await;

            assert!(
                matches!(result, Err(StorageError::Corrupt(_))),
                "{deadline}: {result:?}"
            );
        }
    }

    // ---- pending inputs ------------------------------------------------

    async fn pending_round_trips_every_awaiting_with_and_without_a_prompt(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let every = [
            Awaiting::Note {
                question_id: "q1.2".into(),
            },
            Awaiting::Owner { position: 1 },
            Awaiting::Deadline { position: 12 },
            Awaiting::Solution { position: u32::MAX },
            Awaiting::MoreHigh,
        ];
        let prompts = [
            None,
            Some(Card {
                chat_id: -100_123_456_789,
                message_id: i32::MAX,
            }),
        ];

        assert_eq!(storage.pending(USER).await.unwrap(), None);
        for awaiting in every {
            for prompt in prompts {
                for walk in [false, true] {
                    let written = Pending {
                        user_id: USER,
                        audit_id: audit.id,
                        awaiting: awaiting.clone(),
                        walk,
                        prompt,
                    };

                    storage.set_pending(&written).await.unwrap();

                    assert_eq!(storage.pending(USER).await.unwrap(), Some(written));
                }
            }
        }
    }

    async fn set_pending_replaces_the_users_pending_input_and_leaves_others_alone(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let other = finished_audit(&storage, OTHER_USER).await;
        let first = pending(USER, audit.id, Awaiting::MoreHigh);
        let second = Pending {
            walk: true,
            ..pending(USER, audit.id, Awaiting::Solution { position: 2 })
        };
        let others = pending(OTHER_USER, other.id, Awaiting::Owner { position: 1 });

        storage.set_pending(&first).await.unwrap();
        storage.set_pending(&others).await.unwrap();
        storage.set_pending(&second).await.unwrap();

        assert_eq!(storage.pending(USER).await.unwrap(), Some(second));
        assert_eq!(storage.pending(OTHER_USER).await.unwrap(), Some(others));
        assert_eq!(
            count(&raw(&db).await, "SELECT COUNT(*) FROM pending_inputs").await,
            2
        );
    }

    async fn asking_the_same_question_again_keeps_when_it_was_first_asked(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let asked_at = || async {
            count(
                &pool,
                "SELECT created_at FROM pending_inputs WHERE user_id = 1001",
            )
            .await
        };
        let owner = pending(USER, audit.id, Awaiting::Owner { position: 1 });
        storage.set_pending(&owner).await.unwrap();
        // As if asked long ago: no wall clock tick can make this pass.
        sqlx::query("UPDATE pending_inputs SET created_at = 7")
            .execute(&pool)
            .await
            .unwrap();
        let redrawn = Pending {
            prompt: Some(Card {
                chat_id: CHAT,
                message_id: 9,
            }),
            ..owner.clone()
        };
        storage.set_pending(&redrawn).await.unwrap();
        assert_eq!(asked_at().await, 7);
        assert_eq!(storage.pending(USER).await.unwrap(), Some(redrawn));

        let next = pending(USER, audit.id, Awaiting::Deadline { position: 1 });
        storage.set_pending(&next).await.unwrap();
        assert_ne!(asked_at().await, 7, "a new question is asked now");
    }

    async fn clear_pending_returns_what_was_pending_and_removes_it(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let other = finished_audit(&storage, OTHER_USER).await;
        let asked = Pending {
            prompt: Some(Card {
                chat_id: CHAT,
                message_id: 5,
            }),
            ..pending(USER, audit.id, Awaiting::Deadline { position: 3 })
        };
        let others = pending(OTHER_USER, other.id, Awaiting::MoreHigh);
        storage.set_pending(&asked).await.unwrap();
        storage.set_pending(&others).await.unwrap();

        let cleared = storage.clear_pending(USER).await.unwrap();
        let again = storage.clear_pending(USER).await.unwrap();

        assert_eq!(cleared, Some(asked));
        assert_eq!(again, None);
        assert_eq!(storage.pending(USER).await.unwrap(), None);
        assert_eq!(storage.pending(OTHER_USER).await.unwrap(), Some(others));
    }

    async fn take_pending_note_sets_the_note_and_clears_the_pending_input_together(
        backend: TestBackend,
    ) {
        let (_db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1"]).await;
        let asked = pending(
            USER,
            audit.id,
            Awaiting::Note {
                question_id: "q1".into(),
            },
        );
        storage.set_pending(&asked).await.unwrap();

        let taken = storage
            .take_pending_note(&asked, Some("by phone"))
            .await
            .unwrap();

        assert_eq!(taken, NoteTaken::Written);
        assert_eq!(
            storage.notes(audit.id).await.unwrap(),
            HashMap::from([("q1".to_string(), "by phone".to_string())])
        );
        assert_eq!(storage.pending(USER).await.unwrap(), None);
    }

    async fn take_pending_note_without_an_answer_row_writes_nothing(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = answered_audit(&storage, USER, &["q1"]).await;
        let asked = pending(
            USER,
            audit.id,
            Awaiting::Note {
                question_id: "q2".into(),
            },
        );
        storage.set_pending(&asked).await.unwrap();

        let taken = storage
            .take_pending_note(&asked, Some("lost"))
            .await
            .unwrap();

        assert_eq!(taken, NoteTaken::NoAnswer);
        assert_eq!(storage.notes(audit.id).await.unwrap(), HashMap::new());
        assert_eq!(storage.pending(USER).await.unwrap(), Some(asked));
    }

    async fn a_pending_input_for_an_unknown_user_or_audit_is_refused(backend: TestBackend) {
        let (_db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;

        let unknown_user = storage
            .set_pending(&pending(999_999, audit.id, Awaiting::MoreHigh))
            .await;
        let unknown_audit = storage
            .set_pending(&pending(USER, 9999, Awaiting::MoreHigh))
            .await;

        assert!(
            matches!(unknown_user, Err(StorageError::Db(_))),
            "{unknown_user:?}"
        );
        assert!(
            matches!(unknown_audit, Err(StorageError::Db(_))),
            "{unknown_audit:?}"
        );
        assert_eq!(storage.pending(USER).await.unwrap(), None);
    }

    async fn a_corrupt_pending_row_is_reported_as_corrupt(backend: TestBackend) {
        let (db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let rows: [(&str, &str, Option<i64>, Option<i64>); 9] = [
            ("owner", "abc", None, None),
            ("owner", "0", None, None),
            ("deadline", "+1", None, None),
            ("solution", "", None, None),
            ("deadline", "4294967296", None, None),
            ("note", "", None, None),
            ("more", "1", None, None),
            ("owner", "1", Some(CHAT), Some(i64::from(i32::MAX) + 1)),
            ("owner", "1", Some(CHAT), Some(-1 - i64::from(i32::MAX) - 1)),
        ];

        for (kind, target, chat, message) in rows {
            sqlx::query("DELETE FROM pending_inputs WHERE user_id = $1")
                .bind(USER)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO pending_inputs (user_id, audit_id, kind, target, walk,
                     prompt_chat_id, prompt_message_id, created_at)
                 VALUES ($1, $2, $3, $4, FALSE, $5, $6, 0)",
            )
            .bind(USER)
            .bind(audit.id)
            .bind(kind)
            .bind(target)
            .bind(chat)
            .bind(message)
            .execute(&pool)
            .await
            .unwrap();

            let read = storage.pending(USER).await;
            let cleared = storage.clear_pending(USER).await;

            assert!(
                matches!(read, Err(StorageError::Corrupt(_))),
                "{kind} {target:?} {message:?}: {read:?}"
            );
            assert!(
                matches!(cleared, Err(StorageError::Corrupt(_))),
                "{kind} {target:?} {message:?}: {cleared:?}"
            );
            assert_eq!(
                storage.pending(USER).await.unwrap(),
                None,
                "cleared all the same"
            );
        }
    }

    async fn the_pending_inputs_check_constraints_reject_unknown_kinds_and_half_prompts(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let audit = finished_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let insert = |kind: &'static str, walk: i64, chat: Option<i64>, message: Option<i64>| {
            sqlx::query(
                "INSERT INTO pending_inputs (user_id, audit_id, kind, target, walk,
                     prompt_chat_id, prompt_message_id, created_at)
                 VALUES ($1, $2, $3, '1', CAST(CAST($4 AS INTEGER) AS BOOLEAN), $5, $6, 0)",
            )
            .bind(USER)
            .bind(audit.id)
            .bind(kind)
            .bind(walk)
            .bind(chat)
            .bind(message)
            .execute(&pool)
        };

        let mut refused = vec![
            ("kind", insert("name", 0, None, None).await),
            ("chat only", insert("owner", 0, Some(CHAT), None).await),
            ("message only", insert("owner", 0, None, Some(5)).await),
        ];
        // A flag other than 0 or 1 exists only where a boolean is an integer.
        if backend.is_sqlite() {
            refused.push(("walk", insert("owner", 2, None, None).await));
        }

        for (what, result) in refused {
            let err = result.expect_err(what);
            let db_err = err.as_database_error().expect("a constraint error");
            assert!(db_err.is_check_violation(), "{what}: {db_err}");
        }
        assert_eq!(storage.pending(USER).await.unwrap(), None);
    }

    // ---- delete_user_data ----------------------------------------------

    async fn delete_user_data_removes_the_users_plans_notes_and_pending_input(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let (audit, _) = planned_audit(&storage, USER).await;
        storage.set_note(audit.id, "q1", Some("n")).await.unwrap();
        let open = answered_audit(&storage, USER, &["q1", "q2"]).await;
        storage
            .set_pending(&pending(
                USER,
                open.id,
                Awaiting::Note {
                    question_id: "q2".into(),
                },
            ))
            .await
            .unwrap();
        let (kept, kept_plan) = planned_audit(&storage, OTHER_USER).await;
        let kept_pending = pending(OTHER_USER, kept.id, Awaiting::Owner { position: 1 });
        storage.set_pending(&kept_pending).await.unwrap();

        let deleted = storage.delete_user_data(USER).await.unwrap();

        assert_eq!(deleted, (2, 3));
        let pool = raw(&db).await;
        let pending_rows = format!("SELECT COUNT(*) FROM pending_inputs WHERE user_id = {USER}");
        assert_eq!(count(&pool, &pending_rows).await, 0);
        for audit_id in [audit.id, open.id] {
            let plan = format!("SELECT COUNT(*) FROM plan_items WHERE audit_id = {audit_id}");
            let answers = format!("SELECT COUNT(*) FROM answers WHERE audit_id = {audit_id}");
            assert_eq!(count(&pool, &plan).await, 0);
            assert_eq!(count(&pool, &answers).await, 0);
        }
        assert_eq!(storage.pending(USER).await.unwrap(), None);
        assert_eq!(storage.plan(kept.id).await.unwrap(), kept_plan);
        assert_eq!(
            storage.pending(OTHER_USER).await.unwrap(),
            Some(kept_pending)
        );
    }

    // ---- latest_finished -----------------------------------------------

    async fn latest_finished_picks_the_last_finished_audit_and_ignores_open_and_abandoned_ones(
        backend: TestBackend,
    ) {
        let (db, storage) = setup_on(backend).await;
        let none_yet = storage.latest_finished(USER).await.unwrap();
        let earlier = finished_audit(&storage, USER).await;
        let later = finished_audit(&storage, USER).await;
        // Abandoned by the next one, which stays open; another user's is newer.
        new_audit(&storage, USER).await;
        new_audit(&storage, USER).await;
        finished_audit(&storage, OTHER_USER).await;

        let by_id = storage.latest_finished(USER).await.unwrap();
        // An audit with a lower id that was finished later wins.
        let finished_at = later.finished_at.unwrap() + 100;
        sqlx::query("UPDATE audits SET finished_at = $2 WHERE id = $1")
            .bind(earlier.id)
            .bind(finished_at)
            .execute(&raw(&db).await)
            .await
            .unwrap();
        let by_time = storage.latest_finished(USER).await.unwrap();

        assert_eq!(none_yet, None);
        assert_eq!(by_id, Some(later));
        assert_eq!(
            by_time,
            Some(AuditRecord {
                finished_at: Some(finished_at),
                ..earlier
            })
        );
    }

    on_both_backends!(
        presses_go_on_after_the_server_ended_every_connection,
        a_save_whose_connection_the_server_ended_is_written_once,
        a_take_run_again_on_a_new_connection_that_finds_the_update_taken_fails,
        connecting_twice_to_the_same_file_keeps_the_data_and_reapplies_nothing,
        connect_turns_on_foreign_keys_so_an_audit_needs_a_known_user,
        connect_refuses_a_database_migrated_by_a_newer_binary_and_leaves_its_data_intact,
        a_chosen_language_is_stored_and_one_never_set_is_filled_in_once,
        upsert_user_inserts_a_new_user_then_updates_the_name_and_username,
        create_audit_returns_an_in_progress_audit_at_revision_zero_on_the_first_question,
        creating_a_second_audit_abandons_the_first_and_keeps_it,
        the_partial_unique_index_rejects_a_raw_second_in_progress_audit_for_a_user,
        audit_returns_none_for_an_unknown_id,
        save_on_the_expected_revision_writes_the_answer_bumps_the_revision_and_moves_on,
        save_of_an_answered_question_replaces_it_and_clears_a_priority_no_longer_given,
        save_that_finishes_the_audit_sets_the_status_and_finished_at,
        save_on_a_stale_revision_returns_stale_and_writes_nothing,
        save_on_a_finished_audit_returns_stale_even_on_its_current_revision,
        save_on_an_abandoned_audit_returns_stale,
        save_on_an_audit_deleted_meanwhile_returns_stale,
        audit_with_answers_reads_the_audit_with_every_answer_and_note,
        save_of_a_change_without_response_deletes_the_stored_answer,
        save_without_a_change_only_moves_the_audit_and_bumps_its_revision,
        two_concurrent_saves_on_the_same_revision_let_exactly_one_through,
        responses_round_trip_every_answer_priority_and_skip,
        the_answers_check_constraints_reject_corrupt_values_written_by_raw_sql,
        latest_audit_prefers_the_audit_in_progress_over_a_finished_one,
        latest_audit_prefers_in_progress_even_when_a_finished_audit_has_a_higher_id,
        latest_audit_is_none_when_every_audit_of_the_user_is_abandoned,
        set_card_returns_the_previous_card_and_stores_the_new_one,
        set_card_succeeds_while_other_audits_are_being_saved,
        audit_counts_count_the_audits_by_status,
        set_note_sets_then_replaces_then_clears_the_note_of_an_answer,
        a_note_survives_a_changed_answer_and_goes_with_an_undone_one,
        set_note_without_an_answer_row_returns_false_and_writes_nothing,
        notes_holds_only_the_noted_answers_of_the_one_audit,
        add_plan_items_numbers_the_items_from_one_in_the_order_given,
        adding_the_same_plan_items_twice_adds_them_once,
        a_second_batch_is_appended_and_its_known_sources_take_no_position,
        add_plan_items_to_an_unknown_audit_is_refused,
        update_plan_item_changes_only_the_field_named_by_each_update,
        a_deadline_is_stored_as_an_iso_date,
        update_plan_item_sets_the_next_pending_input_or_clears_it,
        update_plan_item_without_such_an_item_returns_none_and_writes_nothing,
        an_answer_to_a_question_no_longer_awaited_writes_nothing,
        an_item_changed_outside_the_questions_keeps_what_the_bot_waits_for,
        two_instances_answering_one_question_at_once_let_exactly_one_answer_through,
        a_note_no_longer_awaited_is_not_written,
        a_corrupt_plan_row_is_reported_as_corrupt,
        pending_round_trips_every_awaiting_with_and_without_a_prompt,
        set_pending_replaces_the_users_pending_input_and_leaves_others_alone,
        asking_the_same_question_again_keeps_when_it_was_first_asked,
        clear_pending_returns_what_was_pending_and_removes_it,
        take_pending_note_sets_the_note_and_clears_the_pending_input_together,
        take_pending_note_without_an_answer_row_writes_nothing,
        a_pending_input_for_an_unknown_user_or_audit_is_refused,
        a_corrupt_pending_row_is_reported_as_corrupt,
        the_pending_inputs_check_constraints_reject_unknown_kinds_and_half_prompts,
        delete_user_data_removes_the_users_plans_notes_and_pending_input,
        latest_finished_picks_the_last_finished_audit_and_ignores_open_and_abandoned_ones,
    );
}
