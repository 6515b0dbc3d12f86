//! Every SQL statement of the bot. Rows become domain types here and nowhere
//! else; the database is the single source of truth for an audit.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::domain::audit::{Answer, Change, Priority, Response, Status};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the audit changed since this request was made")]
    Stale,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unexpected value in the database: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;

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

#[derive(Clone)]
pub struct Storage {
    pool: SqlitePool,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

const AUDIT_COLUMNS: &str = "id, user_id, chat_id, checklist_id, checklist_version, status, \
     current_question_id, revision, card_chat_id, card_message_id, started_at, updated_at, finished_at";

impl Storage {
    /// Opens (creating if missing) the database and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        create_private_file(options.get_filename())?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed answer survives a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn upsert_user(&self, user: &UserInfo) -> Result<()> {
        let t = now();
        sqlx::query(
            "INSERT INTO users (id, first_name, username, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,
                 username = excluded.username, updated_at = excluded.updated_at",
        )
        .bind(user.id)
        .bind(&user.first_name)
        .bind(&user.username)
        .bind(t)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Starts a new audit; an audit already in progress for the user is kept
    /// as abandoned, in the same transaction.
    pub async fn create_audit(
        &self,
        user_id: i64,
        chat_id: i64,
        checklist_id: &str,
        checklist_version: u32,
        first_question_id: &str,
    ) -> Result<AuditRecord> {
        let t = now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE audits SET status = 'abandoned', current_question_id = NULL,
                 revision = revision + 1, updated_at = ?2
             WHERE user_id = ?1 AND status = 'in_progress'",
        )
        .bind(user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audits (user_id, chat_id, checklist_id, checklist_version, status,
                 current_question_id, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'in_progress', ?5, ?6, ?6)
             RETURNING id",
        )
        .bind(user_id)
        .bind(chat_id)
        .bind(checklist_id)
        .bind(checklist_version)
        .bind(first_question_id)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.audit(id)
            .await?
            .ok_or_else(|| StorageError::Corrupt(format!("audit {id} vanished after insert")))
    }

    pub async fn audit(&self, id: i64) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audits WHERE id = ?1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's audit in progress, if any.
    pub async fn open_audit(&self, user_id: i64) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits WHERE user_id = ?1 AND status = 'in_progress'"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's most recent audit that is in progress or finished.
    pub async fn latest_audit(&self, user_id: i64) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits
             WHERE user_id = ?1 AND status IN ('in_progress', 'finished')
             ORDER BY (status = 'in_progress') DESC, id DESC LIMIT 1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's last finished audit of a checklist before audit `before`.
    pub async fn previous_finished(
        &self,
        user_id: i64,
        checklist_id: &str,
        before: i64,
    ) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits
             WHERE user_id = ?1 AND checklist_id = ?2 AND status = 'finished' AND id < ?3
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(user_id)
        .bind(checklist_id)
        .bind(before)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's audits, newest first, at most `limit`.
    pub async fn user_audits(&self, user_id: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    pub async fn responses(&self, audit_id: i64) -> Result<Vec<(String, Response)>> {
        let rows = sqlx::query(
            "SELECT question_id, answer, priority, priority_skipped FROM answers WHERE audit_id = ?1",
        )
        .bind(audit_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let answer: String = r.try_get("answer")?;
                let priority: Option<String> = r.try_get("priority")?;
                let response = Response {
                    answer: Answer::from_code(&answer)
                        .ok_or_else(|| StorageError::Corrupt(format!("answer {answer:?}")))?,
                    priority: priority
                        .map(|p| {
                            Priority::from_code(&p)
                                .ok_or_else(|| StorageError::Corrupt(format!("priority {p:?}")))
                        })
                        .transpose()?,
                    priority_skipped: r.try_get::<bool, _>("priority_skipped")?,
                };
                Ok((r.try_get("question_id")?, response))
            })
            .collect()
    }

    /// Persists one step of an audit atomically, if and only if the audit is
    /// still at `expected_revision`; returns the new revision. A press made
    /// on an older revision (a double tap, a second device) gets `Stale` and
    /// writes nothing.
    pub async fn save(
        &self,
        audit_id: i64,
        expected_revision: i64,
        change: &Change,
        position: Position<'_>,
    ) -> Result<i64> {
        let t = now();
        let mut tx = self.pool.begin().await?;
        let revision: Option<i64> = sqlx::query_scalar(
            "UPDATE audits SET revision = revision + 1, current_question_id = ?3, status = ?4,
                 updated_at = ?5,
                 finished_at = CASE WHEN ?4 = 'finished' THEN ?5 ELSE finished_at END
             WHERE id = ?1 AND revision = ?2 AND status = 'in_progress'
             RETURNING revision",
        )
        .bind(audit_id)
        .bind(expected_revision)
        .bind(position.current_question_id)
        .bind(position.status.code())
        .bind(t)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(revision) = revision else {
            return Err(StorageError::Stale);
        };
        match &change.response {
            Some((question_id, Some(r))) => {
                sqlx::query(
                    "INSERT INTO answers (audit_id, question_id, answer, priority, priority_skipped, answered_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (audit_id, question_id) DO UPDATE SET answer = excluded.answer,
                         priority = excluded.priority, priority_skipped = excluded.priority_skipped,
                         answered_at = excluded.answered_at",
                )
                .bind(audit_id)
                .bind(question_id)
                .bind(r.answer.code())
                .bind(r.priority.map(Priority::code))
                .bind(r.priority_skipped)
                .bind(t)
                .execute(&mut *tx)
                .await?;
            }
            Some((question_id, None)) => {
                sqlx::query("DELETE FROM answers WHERE audit_id = ?1 AND question_id = ?2")
                    .bind(audit_id)
                    .bind(question_id)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {}
        }
        tx.commit().await?;
        Ok(revision)
    }

    /// Moves an audit in progress onto an edited checklist: the question it
    /// now stands on and the checklist version, with a new revision so that
    /// cards sent before the edit are refused. `None` if the audit changed
    /// meanwhile.
    pub async fn rebase(
        &self,
        audit_id: i64,
        expected_revision: i64,
        current_question_id: &str,
        checklist_version: u32,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "UPDATE audits SET revision = revision + 1, current_question_id = ?3,
                 checklist_version = ?4, updated_at = ?5
             WHERE id = ?1 AND revision = ?2 AND status = 'in_progress'
             RETURNING revision",
        )
        .bind(audit_id)
        .bind(expected_revision)
        .bind(current_question_id)
        .bind(checklist_version)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Remembers the live card of an audit; returns the one it replaces.
    pub async fn set_card(&self, audit_id: i64, card: Card) -> Result<Option<Card>> {
        // IMMEDIATE: a deferred transaction that reads first cannot upgrade
        // to a write once another connection has committed, and SQLite then
        // fails at once instead of waiting.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let old = sqlx::query("SELECT card_chat_id, card_message_id FROM audits WHERE id = ?1")
            .bind(audit_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| card_from_row(&r))
            .transpose()?
            .flatten();
        sqlx::query("UPDATE audits SET card_chat_id = ?2, card_message_id = ?3 WHERE id = ?1")
            .bind(audit_id)
            .bind(card.chat_id)
            .bind(card.message_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(old)
    }

    /// Deletes everything stored about a user: answers, audits and the user
    /// row. Returns how many audits and answers were deleted.
    pub async fn delete_user_data(&self, user_id: i64) -> Result<(u64, u64)> {
        let mut tx = self.pool.begin().await?;
        let answers = sqlx::query(
            "DELETE FROM answers WHERE audit_id IN (SELECT id FROM audits WHERE user_id = ?1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let audits = sqlx::query("DELETE FROM audits WHERE user_id = ?1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM users WHERE id = ?1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((audits, answers))
    }

    /// Every audit that is not abandoned, with its user, newest first: what
    /// the operator's `stats` command lists.
    pub async fn audits_with_users(&self) -> Result<Vec<(AuditRecord, UserInfo)>> {
        let columns = AUDIT_COLUMNS
            .split(", ")
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns}, u.first_name, u.username FROM audits a JOIN users u ON u.id = a.user_id
             WHERE a.status != 'abandoned' ORDER BY a.updated_at DESC, a.id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let audit = audit_from_row(r)?;
                let user = UserInfo {
                    id: audit.user_id,
                    first_name: r.try_get("first_name")?,
                    username: r.try_get("username")?,
                };
                Ok((audit, user))
            })
            .collect()
    }

    /// Counts of audits by status, for the operator's log line at start.
    pub async fn audit_counts(&self) -> Result<Vec<(Status, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM audits GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let status = Status::from_code(&status)
                    .ok_or_else(|| StorageError::Corrupt(format!("status {status:?}")))?;
                Ok((status, r.try_get("n")?))
            })
            .collect()
    }
}

/// Creates a missing database file readable and writable by its owner only
/// (SQLite gives its -wal and -shm files the same mode). In-memory
/// databases have no file.
fn create_private_file(path: &std::path::Path) -> Result<()> {
    let name = path.to_string_lossy();
    if name.is_empty() || name.starts_with("file:sqlx-in-memory") || path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StorageError::Db(sqlx::Error::Io(e))),
    }
}

fn card_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Option<Card>> {
    let chat: Option<i64> = r.try_get("card_chat_id")?;
    let message: Option<i32> = r.try_get("card_message_id")?;
    Ok(chat.zip(message).map(|(chat_id, message_id)| Card {
        chat_id,
        message_id,
    }))
}

fn audit_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<AuditRecord> {
    let status: String = r.try_get("status")?;
    Ok(AuditRecord {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        chat_id: r.try_get("chat_id")?,
        checklist_id: r.try_get("checklist_id")?,
        checklist_version: r.try_get("checklist_version")?,
        status: Status::from_code(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("status {status:?}")))?,
        current_question_id: r.try_get("current_question_id")?,
        revision: r.try_get("revision")?,
        card: card_from_row(r)?,
        started_at: r.try_get("started_at")?,
        updated_at: r.try_get("updated_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

#[cfg(test)]
mod tests {
    //! Every statement above, run against a real SQLite file in a temp dir.
    //! Raw SQL goes through a separate pool on the same file, the way a second
    //! process (or an operator's `sqlite3`) would see the database.

    use std::path::{Path, PathBuf};

    use sqlx::migrate::MigrateError;
    use tempfile::TempDir;

    use super::*;

    const USER: i64 = 1001;
    const OTHER_USER: i64 = 2002;
    const CHAT: i64 = 5005;
    const CHECKLIST: &str = "churn";

    struct Db {
        _dir: TempDir,
        path: PathBuf,
        url: String,
    }

    fn new_db() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let url = url_of(&path);
        Db {
            _dir: dir,
            path,
            url,
        }
    }

    fn url_of(path: &Path) -> String {
        format!("sqlite://{}", path.display())
    }

    /// A fresh database with the two test users in it.
    async fn setup() -> (Db, Storage) {
        let db = new_db();
        let storage = Storage::connect(&db.url).await.unwrap();
        for (id, name) in [(USER, "Anna"), (OTHER_USER, "Boris")] {
            storage
                .upsert_user(&UserInfo {
                    id,
                    first_name: name.to_string(),
                    username: None,
                })
                .await
                .unwrap();
        }
        (db, storage)
    }

    /// A second, independent pool on the same file, for raw SQL.
    async fn raw(db: &Db) -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .filename(&db.path)
            .busy_timeout(Duration::from_secs(5));
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap()
    }

    async fn new_audit(storage: &Storage, user_id: i64) -> AuditRecord {
        storage
            .create_audit(user_id, CHAT, CHECKLIST, 3, "q1")
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

    async fn answer_rows(pool: &SqlitePool, audit_id: i64) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM answers WHERE audit_id = ?1")
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

    // ---- connect -------------------------------------------------------

    #[tokio::test]
    async fn connect_creates_a_missing_database_file_and_applies_the_migrations() {
        let db = new_db();
        assert!(!db.path.exists());

        let storage = Storage::connect(&db.url).await.unwrap();

        assert!(db.path.is_file());
        let pool = raw(&db).await;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN \
             ('users', 'audits', 'answers', 'plan_items', 'pending_inputs') ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            tables,
            ["answers", "audits", "pending_inputs", "plan_items", "users"]
        );
        let applied: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(applied, [(20261123000001, true), (20261123000002, true)]);
        storage.close().await;
    }

    #[tokio::test]
    async fn connecting_twice_to_the_same_file_keeps_the_data_and_reapplies_nothing() {
        let (db, first) = setup().await;
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
        assert_eq!(migrations, 2);
    }

    #[tokio::test]
    async fn connect_turns_on_wal_journal_mode_in_the_file() {
        let db = new_db();

        let storage = Storage::connect(&db.url).await.unwrap();

        let own: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&storage.pool)
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
            .fetch_one(&storage.pool)
            .await
            .unwrap();
        assert_eq!(synchronous, 2, "synchronous should be FULL");
    }

    #[tokio::test]
    async fn connect_turns_on_foreign_keys_so_an_audit_needs_a_known_user() {
        let (_db, storage) = setup().await;

        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&storage.pool)
            .await
            .unwrap();
        let orphan = storage
            .create_audit(999_999, CHAT, CHECKLIST, 3, "q1")
            .await;

        assert_eq!(fk, 1);
        assert!(
            matches!(orphan, Err(StorageError::Db(_))),
            "an audit for an unknown user must be refused, got {orphan:?}"
        );
        assert_eq!(storage.open_audit(999_999).await.unwrap(), None);
    }

    #[tokio::test]
    async fn connect_refuses_a_database_migrated_by_a_newer_binary_and_leaves_its_data_intact() {
        let (db, storage) = setup().await;
        let audit = new_audit(&storage, USER).await;
        storage.close().await;
        let pool = raw(&db).await;
        let future_version: i64 = 99_991_231_000_000;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (?1, 'from the future', TRUE, X'00', 0)",
        )
        .bind(future_version)
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
        assert_eq!(versions, [20261123000001, 20261123000002, future_version]);
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

    #[tokio::test]
    async fn upsert_user_inserts_a_new_user_then_updates_the_name_and_username() {
        let (db, storage) = setup().await;
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

        storage.upsert_user(&user("Vera", None)).await.unwrap();
        let inserted = row().await.unwrap();
        storage
            .upsert_user(&user("Vera K.", Some("vera_k")))
            .await
            .unwrap();
        let updated = row().await.unwrap();
        storage.upsert_user(&user("Vera K.", None)).await.unwrap();
        let cleared = row().await.unwrap();

        assert_eq!(inserted, [("Vera".to_string(), None)]);
        assert_eq!(
            updated,
            [("Vera K.".to_string(), Some("vera_k".to_string()))]
        );
        assert_eq!(cleared, [("Vera K.".to_string(), None)]);
    }

    // ---- audits --------------------------------------------------------

    #[tokio::test]
    async fn create_audit_returns_an_in_progress_audit_at_revision_zero_on_the_first_question() {
        let (_db, storage) = setup().await;

        let audit = storage
            .create_audit(USER, CHAT, "churn-v2", 7, "first")
            .await
            .unwrap();

        assert_eq!(audit.user_id, USER);
        assert_eq!(audit.chat_id, CHAT);
        assert_eq!(audit.checklist_id, "churn-v2");
        assert_eq!(audit.checklist_version, 7);
        assert_eq!(audit.status, Status::InProgress);
        assert_eq!(audit.current_question_id.as_deref(), Some("first"));
        assert_eq!(audit.revision, 0);
        assert_eq!(audit.card, None);
        assert_eq!(audit.finished_at, None);
        assert_eq!(audit.started_at, audit.updated_at);
        assert!(
            audit.started_at > 1_700_000_000,
            "started_at is unix seconds"
        );
        assert_eq!(storage.audit(audit.id).await.unwrap(), Some(audit.clone()));
        assert_eq!(storage.open_audit(USER).await.unwrap(), Some(audit));
    }

    #[tokio::test]
    async fn creating_a_second_audit_abandons_the_first_and_keeps_it() {
        let (_db, storage) = setup().await;
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

    #[tokio::test]
    async fn the_partial_unique_index_rejects_a_raw_second_in_progress_audit_for_a_user() {
        let (db, storage) = setup().await;
        let open = new_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let insert = |status: &'static str| {
            sqlx::query(
                "INSERT INTO audits (user_id, chat_id, checklist_id, checklist_version, status,
                     current_question_id, started_at, updated_at)
                 VALUES (?1, 1, 'churn', 3, ?2, 'q1', 0, 0)",
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

    #[tokio::test]
    async fn audit_returns_none_for_an_unknown_id() {
        let (_db, storage) = setup().await;

        assert_eq!(storage.audit(12345).await.unwrap(), None);
        assert_eq!(storage.open_audit(USER).await.unwrap(), None);
        assert_eq!(storage.latest_audit(USER).await.unwrap(), None);
    }

    // ---- save ----------------------------------------------------------

    #[tokio::test]
    async fn save_on_the_expected_revision_writes_the_answer_bumps_the_revision_and_moves_on() {
        let (db, storage) = setup().await;
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

    #[tokio::test]
    async fn save_of_an_answered_question_replaces_it_and_clears_a_priority_no_longer_given() {
        let (db, storage) = setup().await;
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
            sqlx::query_scalar("SELECT priority FROM answers WHERE audit_id = ?1")
                .bind(audit.id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(priority, None);
        assert_eq!(answer_rows(&pool, audit.id).await, 1);
    }

    #[tokio::test]
    async fn save_that_finishes_the_audit_sets_the_status_and_finished_at() {
        let (_db, storage) = setup().await;
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

    #[tokio::test]
    async fn save_on_a_stale_revision_returns_stale_and_writes_nothing() {
        let (db, storage) = setup().await;
        let audit = new_audit(&storage, USER).await;
        let yes = resp(Answer::Yes, None, false);
        storage
            .save(audit.id, 0, &write("q1", yes), at("q2"))
            .await
            .unwrap();
        let pool = raw(&db).await;
        let answers_sql =
            "SELECT question_id, answer, priority, priority_skipped, answered_at FROM answers \
             ORDER BY question_id";
        type AnswerRow = (String, String, Option<String>, bool, i64);
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

    #[tokio::test]
    async fn save_on_a_finished_audit_returns_stale_even_on_its_current_revision() {
        let (db, storage) = setup().await;
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

    #[tokio::test]
    async fn save_on_an_abandoned_audit_returns_stale() {
        let (db, storage) = setup().await;
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

    #[tokio::test]
    async fn save_of_a_change_without_response_deletes_the_stored_answer() {
        let (db, storage) = setup().await;
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

    #[tokio::test]
    async fn save_without_a_change_only_moves_the_audit_and_bumps_its_revision() {
        let (_db, storage) = setup().await;
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_concurrent_saves_on_the_same_revision_let_exactly_one_through() {
        let (db, storage) = setup().await;
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

    #[tokio::test]
    async fn responses_round_trip_every_answer_priority_and_skip() {
        let (_db, storage) = setup().await;
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

    #[tokio::test]
    async fn the_answers_check_constraints_reject_corrupt_values_written_by_raw_sql() {
        let (db, storage) = setup().await;
        let audit = new_audit(&storage, USER).await;
        let pool = raw(&db).await;
        let insert = |question_id: &'static str,
                      answer: &'static str,
                      priority: Option<&'static str>,
                      skipped: i64| {
            sqlx::query(
                "INSERT INTO answers (audit_id, question_id, answer, priority, priority_skipped,
                     answered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            )
            .bind(audit.id)
            .bind(question_id)
            .bind(answer)
            .bind(priority)
            .bind(skipped)
            .execute(&pool)
        };

        let bad_answer = insert("q1", "maybe", None, 0).await;
        let bad_priority = insert("q2", "no", Some("urgent"), 0).await;
        let bad_skip = insert("q3", "na", None, 2).await;
        let valid = insert("q4", "no", Some("high"), 0).await;

        for (what, result) in [
            ("answer", bad_answer),
            ("priority", bad_priority),
            ("priority_skipped", bad_skip),
        ] {
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

    #[tokio::test]
    async fn latest_audit_prefers_the_audit_in_progress_over_a_finished_one() {
        let (_db, storage) = setup().await;
        finished_audit(&storage, USER).await;
        let open = new_audit(&storage, USER).await;
        // Another user's finished audit, newer than the open one.
        finished_audit(&storage, OTHER_USER).await;

        let latest = storage.latest_audit(USER).await.unwrap();

        assert_eq!(latest, Some(open));
    }

    #[tokio::test]
    async fn latest_audit_prefers_in_progress_even_when_a_finished_audit_has_a_higher_id() {
        let (db, storage) = setup().await;
        let open = new_audit(&storage, USER).await;
        sqlx::query(
            "INSERT INTO audits (user_id, chat_id, checklist_id, checklist_version, status,
                 started_at, updated_at, finished_at)
             VALUES (?1, 1, 'churn', 3, 'finished', 0, 0, 0)",
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

    #[tokio::test]
    async fn latest_audit_is_none_when_every_audit_of_the_user_is_abandoned() {
        let (_db, storage) = setup().await;
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

    #[tokio::test]
    async fn set_card_returns_the_previous_card_and_stores_the_new_one() {
        let (_db, storage) = setup().await;
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
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn set_card_succeeds_while_other_audits_are_being_saved() {
        let (_db, storage) = setup().await;
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
        let db = new_db();
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
            .upsert_user(&UserInfo {
                id: USER,
                first_name: "Anna".into(),
                username: None,
            })
            .await
            .unwrap();
        new_audit(storage, USER).await;
    }

    #[tokio::test]
    async fn audit_counts_count_the_audits_by_status() {
        let (_db, storage) = setup().await;
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
}
