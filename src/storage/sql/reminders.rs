pub(super) async fn write_series(
    conn: &mut DbConnection,
    series: &ReminderSeries,
) -> Result<()> {
    let mut batch = Batch::default();
    series_statements(&mut batch, series, now());
    batch.run(conn).await?;
    Ok(())
}

/// The statements that write a series (see [`Storage::plan_reminders`]),
/// added to `batch`; `t`: now.
///
/// Each press plans its audit's series again with a new anchor, so the
/// series' scheduled reminders are moved in place: the same rows take the
/// new anchor and times. Deleting them and inserting new ones, as before,
/// rewrote the row and all three of the table's indexes, and the
/// AUTOINCREMENT counter, twice a press. A step that already has a row of
/// the new anchor (one sent, say) keeps that row as it is, and its
/// scheduled one goes; what is scheduled and not in the series goes; a
/// step with no row yet is inserted.
fn series_statements<'a>(batch: &mut Batch<'a>, series: &'a ReminderSeries, t: i64) {
    // $1–$3 the series, $4 its anchor, $5 its user, then its steps.
    let args = || {
        let mut args = vec![
            Arg::Int(series.audit_id),
            Arg::Text(series.kind.code()),
            Arg::Int(i64::from(series.position)),
        ];
        if !series.due.is_empty() {
            args.push(Arg::Text(&series.anchor));
            args.push(Arg::Int(series.user_id));
            args.extend(series.due.iter().map(|due| Arg::Int(i64::from(due.step))));
        }
        args
    };
    if series.due.is_empty() {
        batch.push(
            "DELETE FROM reminders WHERE audit_id = $1 AND kind = $2 AND position = $3
                 AND state = 'scheduled'",
            args(),
        );
        return;
    }
    let sql = series_sql(series);
    // The times after the steps, then now.
    let mut moved = args();
    moved.extend(series.due.iter().map(|due| Arg::Int(due.at)));
    moved.push(Arg::Int(t));
    batch.push(sql.moved, moved);
    batch.push(sql.deleted, args());
    for due in &series.due {
        let mut args = due_args(series, due, t);
        if series.lazy {
            args.push(Arg::Int(i64::from(series.due[0].step)));
        }
        batch.push(sql.due, args);
    }
}

/// The texts of [`series_statements`] for a series of one shape: its kind,
/// how many steps it has, whether it is lazy. Made at the first series of
/// that shape and kept for the process's life, so that a press neither
/// formats nor copies them: the shapes are a handful, set by the reminder
/// settings.
struct SeriesSql {
    /// Moves the scheduled reminders to the new anchor and times.
    moved: &'static str,
    /// Deletes the scheduled ones the series no longer has.
    deleted: &'static str,
    /// Writes one step ([`due_statement`]).
    due: &'static str,
}

fn series_sql(series: &ReminderSeries) -> &'static SeriesSql {
    type Shape = (Kind, usize, bool);
    static MADE: std::sync::Mutex<Vec<(Shape, &'static SeriesSql)>> =
        std::sync::Mutex::new(Vec::new());
    let shape = (series.kind, series.due.len(), series.lazy);
    // Each entry is whole once pushed: a panic cannot leave one half made.
    let mut made = MADE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&(_, sql)) = made.iter().find(|(s, _)| *s == shape) {
        return sql;
    }
    let kept = |sql: String| -> &'static str { Box::leak(sql.into_boxed_str()) };
    let key = "audit_id = $1 AND kind = $2 AND position = $3";
    let steps: Vec<String> = (0..series.due.len()).map(|i| format!("${}", 6 + i)).collect();
    // $6: the first step.
    let guard = kept_guard(series, ["$1", "$2", "$3", "$4", "$6"]);
    let wanted = format!(
        "step IN ({}) AND EXISTS (SELECT 1 FROM users WHERE id = $5 AND {} = TRUE)",
        steps.join(", "),
        setting_column(series.kind)
    );
    // The steps' times follow the steps, then now.
    let mut times = String::new();
    for (i, step) in steps.iter().enumerate() {
        times.push_str(&format!(" WHEN {step} THEN ${}", 6 + steps.len() + i));
    }
    let now = 6 + 2 * steps.len();
    let sql: &'static SeriesSql = Box::leak(Box::new(SeriesSql {
        moved: kept(format!(
            "UPDATE reminders SET due_at = CASE step{times} END,
                 created_at = CASE WHEN anchor = $4 THEN created_at ELSE ${now} END,
                 anchor = $4
             WHERE {key} AND state = 'scheduled' AND {wanted}
                 AND NOT EXISTS (SELECT 1 FROM reminders AS had
                     WHERE had.audit_id = $1 AND had.kind = $2 AND had.position = $3
                         AND had.step = reminders.step AND had.anchor = $4
                         AND had.id <> reminders.id){guard}"
        )),
        deleted: kept(format!(
            "DELETE FROM reminders
             WHERE {key} AND state = 'scheduled' AND NOT (anchor = $4 AND {wanted}){guard}"
        )),
        due: kept(due_statement(series)),
    }));
    made.push((shape, sql));
    sql
}

/// [`series_statements`] as a save has them: for a lazy series whose
/// statements would write nothing (see [`kept_guard`]), a check that finds
/// so, and they are left out where they can be (see
/// [`Batch::push_unless`]) — four statements that cost a press more than
/// the check.
fn saved_series_statements<'a>(batch: &mut Batch<'a>, series: &'a ReminderSeries, t: i64) {
    let Some(first) = series.due.first().filter(|_| series.lazy) else {
        series_statements(batch, series, t);
        return;
    };
    batch.push_unless(
        "SELECT 1 AS kept FROM reminders
         WHERE audit_id = $1 AND kind = $2 AND position = $3 AND step = $4
             AND state = 'scheduled' AND anchor <> $5
         LIMIT 1",
        vec![
            Arg::Int(series.audit_id),
            Arg::Text(series.kind.code()),
            Arg::Int(i64::from(series.position)),
            Arg::Int(i64::from(first.step)),
            Arg::Text(&series.anchor),
        ],
        |batch| series_statements(batch, series, t),
    );
}

/// For a lazy series (see [`ReminderSeries::lazy`]), the condition that
/// leaves it as it is, as ` AND …` after a statement's WHERE; empty
/// otherwise. `names`: the placeholders of the series' audit, kind,
/// position, its new anchor and its first step. Every statement that
/// writes the series carries it: nothing they write makes it true or
/// false (they schedule only rows of the new anchor), so they all see the
/// same answer, as the parts of one `WITH` do.
fn kept_guard(series: &ReminderSeries, names: [&str; 5]) -> String {
    if !series.lazy {
        return String::new();
    }
    let [audit, kind, position, anchor, first] = names;
    format!(
        " AND NOT EXISTS (SELECT 1 FROM reminders AS kept
             WHERE kept.audit_id = {audit} AND kept.kind = {kind} AND kept.position = {position}
                 AND kept.step = {first} AND kept.state = 'scheduled' AND kept.anchor <> {anchor})"
    )
}

/// Writes one reminder of a series: `$1` kind, `$2` user, `$3` audit, `$4`
/// position, `$5` step, `$6` anchor, `$7` due, `$8` now, and for a lazy
/// series `$9` its first step. Only for a user who has this kind switched
/// on. One already there is scheduled again (see [`DUE_AGAIN`]) only if
/// cancelled: one sent (or being sent) stays as it is, and the series'
/// scheduled ones were moved or deleted before.
fn due_statement(series: &ReminderSeries) -> String {
    format!(
        "{DUE_INTO} SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS
             (SELECT 1 FROM users WHERE id = $2 AND {} = TRUE){}
         {DUE_AGAIN} WHERE reminders.state = 'cancelled'",
        setting_column(series.kind),
        kept_guard(series, ["$3", "$1", "$4", "$6", "$9"])
    )
}

/// A reminder's columns, and what one written again changes.
const DUE_INTO: &str =
    "INSERT INTO reminders (kind, user_id, audit_id, position, step, anchor, due_at, created_at)";
const DUE_AGAIN: &str = "ON CONFLICT (audit_id, kind, position, step, anchor) DO UPDATE
     SET state = 'scheduled', due_at = excluded.due_at, claimed_at = NULL";

fn due_args<'a>(series: &'a ReminderSeries, due: &Due, t: i64) -> Vec<Arg<'a>> {
    vec![
        Arg::Text(series.kind.code()),
        Arg::Int(series.user_id),
        Arg::Int(series.audit_id),
        Arg::Int(i64::from(series.position)),
        Arg::Int(i64::from(due.step)),
        Arg::Text(&series.anchor),
        Arg::Int(due.at),
        Arg::Int(t),
    ]
}

/// A series as parts of a save's [`With`], written only if its part
/// `moved` changed the audit: what [`series_statements`] writes, in one
/// statement. Every part sees the rows as they were before it, so the
/// series' scheduled reminders are not deleted and inserted again (the
/// insert would find the rows the delete removes): those of the new
/// series are left for the insert to change, and the others deleted.
fn series_parts<'a>(with: &mut With<'a>, index: usize, series: &'a ReminderSeries, t: i64) {
    let position = i64::from(series.position);
    let mut args = vec![
        Arg::Int(series.audit_id),
        Arg::Text(series.kind.code()),
        Arg::Int(position),
    ];
    let mut gone = String::from(
        "DELETE FROM reminders
         WHERE audit_id = $1 AND kind = $2 AND position = $3 AND state = 'scheduled'
             AND EXISTS (SELECT 1 FROM moved)",
    );
    if !series.due.is_empty() {
        args.push(Arg::Text(&series.anchor));
        args.push(Arg::Int(series.user_id));
        let steps: Vec<String> = series
            .due
            .iter()
            .map(|due| {
                args.push(Arg::Int(i64::from(due.step)));
                format!("${}", args.len())
            })
            .collect();
        gone.push_str(&format!(
            " AND NOT (anchor = $4 AND step IN ({}) AND EXISTS
                 (SELECT 1 FROM users WHERE id = $5 AND {} = TRUE)){}",
            steps.join(", "),
            setting_column(series.kind),
            kept_guard(series, ["$1", "$2", "$3", "$4", "$6"])
        ));
    }
    with.part(&format!("gone_{index}"), &gone, args);
    if series.due.is_empty() {
        return;
    }
    // One INSERT for the series, its reminders in step order.
    let mut args = vec![
        Arg::Text(series.kind.code()),
        Arg::Int(series.user_id),
        Arg::Int(series.audit_id),
        Arg::Int(position),
        Arg::Text(&series.anchor),
        Arg::Int(t),
    ];
    let rows: Vec<String> = series
        .due
        .iter()
        .map(|due| {
            args.push(Arg::Int(i64::from(due.step)));
            args.push(Arg::Int(due.at));
            format!("(${}, ${})", args.len() - 1, args.len())
        })
        .collect();
    let sql = format!(
        "{DUE_INTO} SELECT $1, $2, $3, $4, due.step, $5, due.at, $6
             FROM moved, (VALUES {}) AS due (step, at)
             WHERE EXISTS (SELECT 1 FROM users WHERE id = $2 AND {} = TRUE){}
         {DUE_AGAIN} WHERE reminders.state IN ('cancelled', 'scheduled')",
        rows.join(", "),
        setting_column(series.kind),
        // $7: the first step.
        kept_guard(series, ["$3", "$1", "$4", "$5", "$7"])
    );
    with.part(&format!("due_{index}"), &sql, args);
}

const REMINDER_COLUMNS: &str = "id, kind, user_id, audit_id, position, step, anchor, due_at";

fn reminder_from_row(r: &DbRow) -> Result<Reminder> {
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

impl Store {
    /// Plans a series on its own (see [`ReminderSeries`]).
    pub async fn plan_reminders(&self, series: &ReminderSeries) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        write_series(&mut tx, series).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` reminders due at `now`, earliest first: they
    /// move to 'sending' and no other scheduler can take them.
    pub async fn claim_due(&self, now: i64, limit: u32) -> Result<Vec<Reminder>> {
        let _writing = self.writing().await;
        let rows = sqlx::query(&format!(
            "UPDATE reminders SET state = 'sending', claimed_at = $1
             WHERE id IN (SELECT id FROM reminders WHERE state = 'scheduled' AND due_at <= $1
                          ORDER BY due_at, id LIMIT $2{SKIP_LOCKED})
               AND state = 'scheduled'
             RETURNING {REMINDER_COLUMNS}"
        ))
        .bind(now)
        .bind(i64::from(limit))
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
        let _writing = self.writing().await;
        sqlx::query("UPDATE reminders SET state = 'sent', sent_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A claimed reminder is not to be sent after all (no longer wanted,
    /// or undeliverable).
    pub async fn mark_cancelled(&self, id: i64) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query("UPDATE reminders SET state = 'cancelled' WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A claimed reminder that turned out not to be due yet: scheduled
    /// again, and its series planned as `series` (which moves it), in one
    /// transaction.
    pub async fn reschedule_claimed(&self, id: i64, series: &ReminderSeries) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE reminders SET state = 'scheduled', claimed_at = NULL
             WHERE id = $1 AND state = 'sending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        write_series(&mut tx, series).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cancels a user's scheduled reminders of `kind` (all kinds: `None`);
    /// returns how many.
    pub async fn cancel_reminders(&self, user_id: i64, kind: Option<Kind>) -> Result<u64> {
        let _writing = self.writing().await;
        let done = sqlx::query(
            "UPDATE reminders SET state = 'cancelled'
             WHERE user_id = $1 AND state = 'scheduled' AND ($2 IS NULL OR kind = $2)",
        )
        .bind(user_id)
        .bind(kind.map(Kind::code))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// A user as last seen.
    pub async fn user_info(&self, user_id: i64) -> Result<Option<UserInfo>> {
        let row = sqlx::query("SELECT id, first_name, username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(UserInfo {
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
        let _writing = self.writing().await;
        let rows = sqlx::query(&format!(
            "UPDATE admin_notices SET state = 'sending', claimed_at = $1
             WHERE id IN (SELECT id FROM admin_notices WHERE state = 'pending'
                          ORDER BY id LIMIT $2{SKIP_LOCKED})
               AND state = 'pending'
             RETURNING id, audit_id, chat_id"
        ))
        .bind(now)
        .bind(i64::from(limit))
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
        let _writing = self.writing().await;
        sqlx::query("UPDATE admin_notices SET state = $2, sent_at = $3 WHERE id = $1")
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
             WHERE a.id = $1 AND b.id > a.id AND b.status != 'abandoned')",
        )
        .bind(audit_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The user's reminder settings; all on for a user not yet stored.
    pub async fn reminder_settings(&self, user_id: i64) -> Result<ReminderSettings> {
        let row = sqlx::query(
            "SELECT remind_unfinished, remind_deadline, remind_reaudit FROM users WHERE id = $1",
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
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "UPDATE users SET {} = $2 WHERE id = $1",
            setting_column(kind)
        ))
        .bind(user_id)
        .bind(on)
        .execute(&mut *tx)
        .await?;
        if !on {
            sqlx::query(
                "UPDATE reminders SET state = 'cancelled'
                 WHERE user_id = $1 AND kind = $2 AND state = 'scheduled'",
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

