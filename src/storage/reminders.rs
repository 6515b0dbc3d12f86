//! Reminders: planned as series, claimed one by one by a scheduler, marked
//! sent or cancelled. A claim is a single conditional UPDATE, so two
//! schedulers on one database never take the same row.

use sqlx::{Row, SqliteConnection};

use super::{now, Result, Storage, StorageError};
use crate::domain::schedule::{Due, Kind};

/// The reminders one thing wants: an audit's unfinished-audit series, a
/// plan item's deadline series, a finished audit's repeat invitation.
/// Planning a series replaces what of it is still scheduled; a reminder
/// already sent with the same anchor and step is not planned again, one
/// cancelled is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSeries {
    pub kind: Kind,
    pub user_id: i64,
    pub audit_id: i64,
    /// The plan item for [`Kind::Deadline`]; 0 otherwise.
    pub position: u32,
    pub anchor: String,
    /// Empty: the series is cancelled.
    pub due: Vec<Due>,
}

/// A reminder a scheduler has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub id: i64,
    pub kind: Kind,
    pub user_id: i64,
    pub audit_id: i64,
    pub position: u32,
    pub step: u32,
    pub anchor: String,
    pub due_at: i64,
}

/// Which kinds of reminder a user wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderSettings {
    pub unfinished: bool,
    pub deadline: bool,
    pub reaudit: bool,
}

impl ReminderSettings {
    pub fn allows(self, kind: Kind) -> bool {
        match kind {
            Kind::Unfinished => self.unfinished,
            Kind::Deadline => self.deadline,
            Kind::Reaudit => self.reaudit,
        }
    }
}

/// The `users` column that switches a kind on or off.
fn setting_column(kind: Kind) -> &'static str {
    match kind {
        Kind::Unfinished => "remind_unfinished",
        Kind::Deadline => "remind_deadline",
        Kind::Reaudit => "remind_reaudit",
    }
}

pub(super) async fn write_series(
    conn: &mut SqliteConnection,
    series: &ReminderSeries,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM reminders
         WHERE audit_id = ?1 AND kind = ?2 AND position = ?3 AND state = 'scheduled'",
    )
    .bind(series.audit_id)
    .bind(series.kind.code())
    .bind(series.position)
    .execute(&mut *conn)
    .await?;
    // Only for a user who has this kind switched on. One sent (or being
    // sent) stays as it is; one cancelled is scheduled again.
    let sql = format!(
        "INSERT INTO reminders (kind, user_id, audit_id, position, step, anchor, due_at, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS
             (SELECT 1 FROM users WHERE id = ?2 AND {} = 1)
         ON CONFLICT (audit_id, kind, position, step, anchor) DO UPDATE
             SET state = 'scheduled', due_at = excluded.due_at, claimed_at = NULL
             WHERE reminders.state = 'cancelled'",
        setting_column(series.kind)
    );
    let t = now();
    for due in &series.due {
        sqlx::query(&sql)
            .bind(series.kind.code())
            .bind(series.user_id)
            .bind(series.audit_id)
            .bind(series.position)
            .bind(due.step)
            .bind(&series.anchor)
            .bind(due.at)
            .bind(t)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const REMINDER_COLUMNS: &str = "id, kind, user_id, audit_id, position, step, anchor, due_at";

fn reminder_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Reminder> {
    let kind: String = r.try_get("kind")?;
    let number = |column: &str| -> Result<u32> {
        let value: i64 = r.try_get(column)?;
        u32::try_from(value)
            .map_err(|_| StorageError::Corrupt(format!("reminder {column} {value}")))
    };
    Ok(Reminder {
        id: r.try_get("id")?,
        kind: Kind::from_code(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("reminder kind {kind:?}")))?,
        user_id: r.try_get("user_id")?,
        audit_id: r.try_get("audit_id")?,
        position: number("position")?,
        step: number("step")?,
        anchor: r.try_get("anchor")?,
        due_at: r.try_get("due_at")?,
    })
}

impl Storage {
    /// Plans a series on its own (see [`ReminderSeries`]).
    pub async fn plan_reminders(&self, series: &ReminderSeries) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        write_series(&mut tx, series).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` reminders due at `now`, earliest first: they
    /// move to 'sending' and no other scheduler can take them.
    pub async fn claim_due(&self, now: i64, limit: u32) -> Result<Vec<Reminder>> {
        let rows = sqlx::query(&format!(
            "UPDATE reminders SET state = 'sending', claimed_at = ?1
             WHERE id IN (SELECT id FROM reminders WHERE state = 'scheduled' AND due_at <= ?1
                          ORDER BY due_at, id LIMIT ?2)
               AND state = 'scheduled'
             RETURNING {REMINDER_COLUMNS}"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = rows
            .iter()
            .map(reminder_from_row)
            .collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|r| (r.due_at, r.id));
        Ok(claimed)
    }

    /// When the earliest scheduled reminder is due.
    pub async fn next_due(&self) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MIN(due_at) FROM reminders WHERE state = 'scheduled'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// A claimed reminder went out.
    pub async fn mark_sent(&self, id: i64, at: i64) -> Result<()> {
        sqlx::query("UPDATE reminders SET state = 'sent', sent_at = ?2 WHERE id = ?1")
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A claimed reminder is not to be sent after all (no longer wanted,
    /// or undeliverable).
    pub async fn mark_cancelled(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE reminders SET state = 'cancelled' WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Cancels a user's scheduled reminders of `kind` (all kinds: `None`);
    /// returns how many.
    pub async fn cancel_reminders(&self, user_id: i64, kind: Option<Kind>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE reminders SET state = 'cancelled'
             WHERE user_id = ?1 AND state = 'scheduled' AND (?2 IS NULL OR kind = ?2)",
        )
        .bind(user_id)
        .bind(kind.map(Kind::code))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// A user as last seen.
    pub async fn user_info(&self, user_id: i64) -> Result<Option<super::UserInfo>> {
        let row = sqlx::query("SELECT id, first_name, username FROM users WHERE id = ?1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(super::UserInfo {
                id: r.try_get("id")?,
                first_name: r.try_get("first_name")?,
                username: r.try_get("username")?,
            })
        })
        .transpose()
    }

    /// Claims up to `limit` pending finish notices, oldest first:
    /// (notice id, audit id, admin chat id).
    pub async fn claim_notices(&self, now: i64, limit: u32) -> Result<Vec<(i64, i64, i64)>> {
        let rows = sqlx::query(
            "UPDATE admin_notices SET state = 'sending', claimed_at = ?1
             WHERE id IN (SELECT id FROM admin_notices WHERE state = 'pending'
                          ORDER BY id LIMIT ?2)
               AND state = 'pending'
             RETURNING id, audit_id, chat_id",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("audit_id")?,
                    r.try_get("chat_id")?,
                ))
            })
            .collect::<Result<Vec<(i64, i64, i64)>>>()?;
        claimed.sort_unstable();
        Ok(claimed)
    }

    /// A claimed notice went out (`sent`) or was refused for good.
    pub async fn finish_notice(&self, id: i64, sent: bool, now: i64) -> Result<()> {
        sqlx::query("UPDATE admin_notices SET state = ?2, sent_at = ?3 WHERE id = ?1")
            .bind(id)
            .bind(if sent { "sent" } else { "failed" })
            .bind(sent.then_some(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the user has an audit of the same checklist newer than
    /// `audit_id` that is not abandoned: then the old one's repeat
    /// invitation is moot.
    pub async fn has_newer_audit(&self, audit_id: i64) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM audits a JOIN audits b
                 ON b.user_id = a.user_id AND b.checklist_id = a.checklist_id
             WHERE a.id = ?1 AND b.id > a.id AND b.status != 'abandoned')",
        )
        .bind(audit_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The user's reminder settings; all on for a user not yet stored.
    pub async fn reminder_settings(&self, user_id: i64) -> Result<ReminderSettings> {
        let row = sqlx::query(
            "SELECT remind_unfinished, remind_deadline, remind_reaudit FROM users WHERE id = ?1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => ReminderSettings {
                unfinished: r.try_get("remind_unfinished")?,
                deadline: r.try_get("remind_deadline")?,
                reaudit: r.try_get("remind_reaudit")?,
            },
            None => ReminderSettings {
                unfinished: true,
                deadline: true,
                reaudit: true,
            },
        })
    }

    /// Switches a kind on or off for a user; off also cancels what of it is
    /// scheduled, in the same transaction. Returns the settings now.
    pub async fn set_reminder_setting(
        &self,
        user_id: i64,
        kind: Kind,
        on: bool,
    ) -> Result<ReminderSettings> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "UPDATE users SET {} = ?2 WHERE id = ?1",
            setting_column(kind)
        ))
        .bind(user_id)
        .bind(on)
        .execute(&mut *tx)
        .await?;
        if !on {
            sqlx::query(
                "UPDATE reminders SET state = 'cancelled'
                 WHERE user_id = ?1 AND kind = ?2 AND state = 'scheduled'",
            )
            .bind(user_id)
            .bind(kind.code())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.reminder_settings(user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::UserInfo;

    async fn setup() -> (tempfile::TempDir, Storage, i64) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let storage = Storage::connect(&url).await.expect("open");
        let user = UserInfo {
            id: 7,
            first_name: "Olena".into(),
            username: None,
        };
        storage.upsert_user(&user, "uk").await.expect("user");
        let audit = storage
            .create_audit(7, 7, "churn", 1, "q1", None)
            .await
            .expect("audit");
        (dir, storage, audit.id)
    }

    fn series(audit_id: i64, anchor: &str, due: &[(u32, i64)]) -> ReminderSeries {
        ReminderSeries {
            kind: Kind::Unfinished,
            user_id: 7,
            audit_id,
            position: 0,
            anchor: anchor.into(),
            due: due.iter().map(|&(step, at)| Due { step, at }).collect(),
        }
    }

    #[tokio::test]
    async fn a_series_planned_again_replaces_what_is_scheduled_but_never_what_was_sent() {
        let (_dir, storage, audit) = setup().await;
        storage
            .plan_reminders(&series(audit, "1", &[(0, 100), (1, 300)]))
            .await
            .expect("plan");
        assert_eq!(storage.next_due().await.expect("next"), Some(100));
        let claimed = storage.claim_due(150, 10).await.expect("claim");
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].step, claimed[0].due_at), (0, 100));
        storage.mark_sent(claimed[0].id, 150).await.expect("sent");
        // The same series planned again (a repeated update): step 0 is not
        // scheduled a second time.
        storage
            .plan_reminders(&series(audit, "1", &[(0, 100), (1, 300)]))
            .await
            .expect("again");
        assert_eq!(storage.next_due().await.expect("next"), Some(300));
        assert!(storage.claim_due(200, 10).await.expect("claim").is_empty());
        // Progress: a new anchor; the old step 1 goes, the new series comes.
        storage
            .plan_reminders(&series(audit, "2", &[(0, 500), (1, 700)]))
            .await
            .expect("progress");
        let claimed = storage.claim_due(600, 10).await.expect("claim");
        assert_eq!(
            claimed
                .iter()
                .map(|r| (r.anchor.as_str(), r.due_at))
                .collect::<Vec<_>>(),
            vec![("2", 500)]
        );
        // Cancelled by an empty series.
        storage
            .plan_reminders(&series(audit, "2", &[]))
            .await
            .expect("cancel");
        assert_eq!(storage.next_due().await.expect("next"), None);
    }

    #[tokio::test]
    async fn a_claim_is_taken_by_one_scheduler_only() {
        let (dir, storage, audit) = setup().await;
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let second = Storage::connect(&url).await.expect("second process");
        let due: Vec<(u32, i64)> = (0..40).map(|i| (i, 100 + i64::from(i))).collect();
        storage
            .plan_reminders(&series(audit, "1", &due))
            .await
            .expect("plan");
        /// Claims three at a time until nothing is left.
        async fn drain(storage: &Storage) -> Vec<Reminder> {
            let mut all = Vec::new();
            loop {
                let got = storage.claim_due(1_000, 3).await.expect("claim");
                if got.is_empty() {
                    return all;
                }
                all.extend(got);
            }
        }
        let (a, b) = tokio::join!(drain(&storage), drain(&second));
        let mut ids: Vec<i64> = a.iter().chain(&b).map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!((before, ids.len()), (40, 40), "every reminder claimed once");
    }

    #[tokio::test]
    async fn a_kind_switched_off_is_cancelled_and_not_planned_again() {
        let (_dir, storage, audit) = setup().await;
        storage
            .plan_reminders(&series(audit, "1", &[(0, 100)]))
            .await
            .expect("plan");
        let settings = storage
            .set_reminder_setting(7, Kind::Unfinished, false)
            .await
            .expect("off");
        assert!(!settings.unfinished && settings.deadline && settings.reaudit);
        assert_eq!(storage.next_due().await.expect("next"), None);
        storage
            .plan_reminders(&series(audit, "2", &[(0, 100)]))
            .await
            .expect("plan while off");
        assert_eq!(storage.next_due().await.expect("next"), None);
        storage
            .set_reminder_setting(7, Kind::Unfinished, true)
            .await
            .expect("on");
        storage
            .plan_reminders(&series(audit, "3", &[(0, 100)]))
            .await
            .expect("plan when on");
        assert_eq!(storage.next_due().await.expect("next"), Some(100));
        assert_eq!(storage.cancel_reminders(7, None).await.expect("cancel"), 1);
    }
}
