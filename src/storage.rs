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
        let options = SqliteConnectOptions::from_str(url)?
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

    /// Remembers the live card of an audit; returns the one it replaces.
    pub async fn set_card(&self, audit_id: i64, card: Card) -> Result<Option<Card>> {
        let mut tx = self.pool.begin().await?;
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
