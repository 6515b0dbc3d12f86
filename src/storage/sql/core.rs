const AUDIT_COLUMNS: &str = "id, user_id, chat_id, checklist_id, checklist_version, status, \
     current_question_id, revision, card_chat_id, card_message_id, started_at, updated_at, finished_at, \
     source";

const ANSWER_COLUMNS: &str = "question_id, answer, priority, priority_skipped, note";

const PLAN_COLUMNS: &str =
    "position, source_kind, source_ref, zone, priority, solution, solution_own, owner, deadline, done, \
     blocker";

const PENDING_COLUMNS: &str =
    "user_id, audit_id, kind, target, walk, prompt_chat_id, prompt_message_id";

impl Store {
    /// Records the user's name and username; a user met for the first time
    /// (or whose language was never set) gets `language`. Returns the
    /// language stored.
    pub async fn upsert_user(&self, user: &UserInfo, language: &str) -> Result<String> {
        let _writing = self.writing().await;
        let t = now();
        let stored = sqlx::query_scalar(
            "INSERT INTO users (id, first_name, username, language, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,
                 username = excluded.username, updated_at = excluded.updated_at,
                 language = COALESCE(users.language, excluded.language)
             RETURNING language",
        )
        .bind(user.id)
        .bind(&user.first_name)
        .bind(&user.username)
        .bind(language)
        .bind(t)
        .fetch_one(&self.pool)
        .await?;
        Ok(stored)
    }

    /// The user's stored language; `None` for a user not met yet or whose
    /// language was never set.
    pub async fn language(&self, user_id: i64) -> Result<Option<String>> {
        let stored: Option<Option<String>> =
            sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(stored.flatten())
    }

    /// Changes the user's language. A user the bot has not met has no row
    /// and nothing is written.
    pub async fn set_language(&self, user_id: i64, language: &str) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query("UPDATE users SET language = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(language)
            .bind(now())
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
        source: Option<&str>,
    ) -> Result<AuditRecord> {
        let _writing = self.writing().await;
        let t = now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE audits SET status = 'abandoned', current_question_id = NULL,
                 revision = revision + 1, updated_at = $2
             WHERE user_id = $1 AND status = 'in_progress'",
        )
        .bind(user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audits (user_id, chat_id, checklist_id, checklist_version, status,
                 current_question_id, started_at, updated_at, source)
             VALUES ($1, $2, $3, $4, 'in_progress', $5, $6, $6, $7)
             RETURNING id",
        )
        .bind(user_id)
        .bind(chat_id)
        .bind(checklist_id)
        .bind(i64::from(checklist_version))
        .bind(first_question_id)
        .bind(t)
        .bind(source)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.audit(id)
            .await?
            .ok_or_else(|| StorageError::Corrupt(format!("audit {id} vanished after insert")))
    }

    pub async fn audit(&self, id: i64) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audits WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's audit in progress, if any.
    pub async fn open_audit(&self, user_id: i64) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits WHERE user_id = $1 AND status = 'in_progress'"
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
             WHERE user_id = $1 AND status IN ('in_progress', 'finished')
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
             WHERE user_id = $1 AND checklist_id = $2 AND status = 'finished' AND id < $3
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(user_id)
        .bind(checklist_id)
        .bind(before)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's most recently finished audit, of any checklist.
    pub async fn latest_finished(&self, user_id: i64) -> Result<Option<AuditRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits
             WHERE user_id = $1 AND status = 'finished'
             ORDER BY finished_at DESC, id DESC LIMIT 1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| audit_from_row(&r)).transpose()
    }

    /// The user's audits, newest first, at most `limit`.
    pub async fn user_audits(&self, user_id: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audits WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    pub async fn responses(&self, audit_id: i64) -> Result<Vec<(String, Response)>> {
        Ok(self.responses_with_notes(audit_id).await?.0)
    }

    /// An audit's answers and, by question id, the notes on them (answers
    /// without a note left out).
    pub async fn responses_with_notes(&self, audit_id: i64) -> Result<Answers> {
        let rows = sqlx::query(&format!(
            "SELECT {ANSWER_COLUMNS} FROM answers WHERE audit_id = $1"
        ))
        .bind(audit_id)
        .fetch_all(&self.pool)
        .await?;
        answers_from_rows(&rows)
    }

    /// An audit with its answers and notes, in one read: what a press
    /// needs.
    pub async fn audit_with_answers(&self, id: i64) -> Result<Option<(AuditRecord, Answers)>> {
        let mut batch = Batch::default();
        read_audit_with_answers(&mut batch, id);
        let mut conn = self.conns.get().await?;
        let rows = batch.run(&mut conn).await?;
        conn.done();
        audit_with_answers_from_rows(&rows.iter().collect::<Vec<_>>())
    }

    /// Sets (or with `None` clears) the note on an answer. `false`, and
    /// nothing written, if the question has no answer in the audit.
    pub async fn set_note(
        &self,
        audit_id: i64,
        question_id: &str,
        note: Option<&str>,
    ) -> Result<bool> {
        let _writing = self.writing().await;
        let mut conn = self.pool.acquire().await?;
        write_note(&mut conn, audit_id, question_id, note).await
    }

    /// The notes of an audit's answers, by question id; answers without a
    /// note are left out.
    pub async fn notes(&self, audit_id: i64) -> Result<HashMap<String, String>> {
        Ok(self.responses_with_notes(audit_id).await?.1)
    }

    /// Sets the note the user was asked for and forgets that they were
    /// asked, together. `false`, and nothing written (the pending input
    /// stays), if the question has no answer in the audit.
    pub async fn take_pending_note(
        &self,
        awaited: &Pending,
        note: Option<&str>,
    ) -> Result<NoteTaken> {
        let Awaiting::Note { question_id } = &awaited.awaiting else {
            return Ok(NoteTaken::NotAwaited);
        };
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        // Dropped without a commit, the transaction is rolled back.
        if !take_pending(&mut tx, awaited).await? {
            return Ok(NoteTaken::NotAwaited);
        }
        if !write_note(&mut tx, awaited.audit_id, question_id, note).await? {
            return Ok(NoteTaken::NoAnswer);
        }
        tx.commit().await?;
        Ok(NoteTaken::Written)
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
        self.save_with_reminders(
            audit_id,
            expected_revision,
            change,
            position,
            &[],
            &[],
            now(),
        )
        .await
    }

    /// [`Storage::save`], and in the same transaction the reminder series
    /// the audit now wants (see [`Storage::plan_reminders`]) and, when the
    /// save finishes the audit, a finish notice for each of `notify`. `at`:
    /// when the press was made, by the clock the reminders are planned
    /// with; the audit's `updated_at`, from which the scheduler counts a
    /// lazy series again (see [`ReminderSeries::lazy`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_with_reminders(
        &self,
        audit_id: i64,
        expected_revision: i64,
        change: &Change,
        position: Position<'_>,
        reminders: &[ReminderSeries],
        notify: &[i64],
        at: i64,
    ) -> Result<i64> {
        let save = Save {
            audit_id,
            expected_revision,
            change,
            position,
            reminders,
            notify,
            t: at,
        };
        let guard = match ONE_COMMAND {
            OneCommand::With => {
                // Written only if its UPDATE changed the audit's row: no
                // row back is a stale press, and nothing was written.
                // Run again after a lost connection, a save that was done
                // before it went finds the revision moved on: stale, as
                // a second tap is, and the answer is there once.
                let _writing = self.writing().await;
                let rows = match run_with(&self.conns, &save.with()).await {
                    Ok((rows, _)) => rows,
                    Err(e) => return self.save_failed(e, audit_id, expected_revision).await,
                };
                let Some(row) = rows.first() else {
                    return Err(StorageError::Stale);
                };
                return Ok(row.try_get("revision")?);
            }
            OneCommand::Guarded(guard) => guard,
        };
        // One batch: the revision check first, then the answer, the
        // reminders and the notices. A press that finds the audit moved on
        // writes nothing: the transaction is rolled back.
        let mut batch = save.batch();
        // Where it can, the save runs on the calling thread, with the
        // writes waiting meanwhile; stale if the UPDATE (the first
        // statement) changed no row. It changed the audit's row from the
        // expected revision to the next.
        let rule = direct::Rule {
            stop_unless_first_changed: true,
            skips: batch.skips.clone(),
        };
        let revision = expected_revision + 1;
        let failed = match self.write_together(&batch.statements, rule).await {
            Some(Ok(direct::Outcome::Committed(_))) => {
                // Committed; on disk once flushed, which another write
                // need not wait for.
                let ticket = self.committed_unflushed();
                self.flushed(ticket).await?;
                return Ok(revision);
            }
            Some(Ok(direct::Outcome::Stopped)) => return Err(StorageError::Stale),
            Some(Ok(direct::Outcome::Busy)) | None => None,
            Some(Err(e)) => Some(e),
        };
        if let Some(e) = failed {
            return self.save_failed(e, audit_id, expected_revision).await;
        }
        let writing = self.writing().await;
        // The guard follows the UPDATE, and the COMMIT is the batch's last
        // statement: the save is one command.
        batch
            .statements
            .insert(1, (guard.into(), Vec::new()));
        batch.push("COMMIT", Vec::new());
        let mut conn = self.conns.get().await?;
        let rows = match batch.run_in_transaction(&mut conn).await {
            Ok(rows) => rows,
            Err(e) => {
                // Nothing is committed. The connection is reused only if
                // its transaction is gone for certain; else it is closed
                // with it (no `done`).
                if end_transaction(&mut conn, false).await.is_ok() {
                    conn.done();
                } else {
                    drop(conn);
                }
                return self.save_failed(e, audit_id, expected_revision).await;
            }
        };
        // The guard's row comes first (the UPDATE returns none): it failed
        // the command if the press was stale.
        if rows.is_empty() {
            end_transaction(&mut conn, false).await?;
            conn.done();
            return Err(StorageError::Stale);
        }
        conn.done();
        // Committed; on disk once flushed, which another write need not
        // wait for.
        let ticket = self.committed_unflushed();
        self.give_back(writing);
        self.flushed(ticket).await?;
        Ok(revision)
    }

    /// What a save that failed and wrote nothing returns. A stale press
    /// stopped at the guard; the answer may have failed for want of the
    /// audit (deleted meanwhile): such a press is stale, not an error.
    async fn save_failed(
        &self,
        e: StorageError,
        audit_id: i64,
        expected_revision: i64,
    ) -> Result<i64> {
        match self.audit(audit_id).await? {
            Some(a) if a.revision == expected_revision && a.status == Status::InProgress => Err(e),
            _ => Err(StorageError::Stale),
        }
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
        let _writing = self.writing().await;
        Ok(sqlx::query_scalar(
            "UPDATE audits SET revision = revision + 1, current_question_id = $3,
                 checklist_version = $4, updated_at = $5
             WHERE id = $1 AND revision = $2 AND status = 'in_progress'
             RETURNING revision",
        )
        .bind(audit_id)
        .bind(expected_revision)
        .bind(current_question_id)
        .bind(i64::from(checklist_version))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Remembers the live card of an audit; returns the one it replaces.
    pub async fn set_card(&self, audit_id: i64, card: Card) -> Result<Option<Card>> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let old = sqlx::query(&format!(
            "SELECT card_chat_id, card_message_id FROM audits WHERE id = $1{FOR_UPDATE}"
        ))
        .bind(audit_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| card_from_row(&r))
            .transpose()?
            .flatten();
        sqlx::query("UPDATE audits SET card_chat_id = $2, card_message_id = $3 WHERE id = $1")
            .bind(audit_id)
            .bind(card.chat_id)
            .bind(i64::from(card.message_id))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(old)
    }

    /// Deletes everything stored about a user: answers and their notes,
    /// plans, the pending input, audits and the user row. Returns how many audits and answers were deleted.
    pub async fn delete_user_data(&self, user_id: i64) -> Result<(u64, u64)> {
        let _writing = self.writing().await;
        let mut tx = self.pool.begin().await?;
        let answers = sqlx::query(
            "DELETE FROM answers WHERE audit_id IN (SELECT id FROM audits WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // Foreign keys would cascade these; deleted by name so that the
        // erasure does not depend on a connection setting.
        sqlx::query("DELETE FROM pending_inputs WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM reminders WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM admin_notices WHERE audit_id IN (SELECT id FROM audits WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM plan_items WHERE audit_id IN (SELECT id FROM audits WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let audits = sqlx::query("DELETE FROM audits WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((audits, answers))
    }

    /// An audit's action plan, in order.
    pub async fn plan(&self, audit_id: i64) -> Result<Vec<PlanEntry>> {
        let mut conn = self.pool.acquire().await?;
        plan_of(&mut conn, audit_id).await
    }

    /// Appends items to an audit's plan, in the order given, after its last
    /// item; an item whose source the plan already holds is skipped and
    /// takes no position. So the same items added twice (a repeated Telegram
    /// update) are added once. Returns the whole plan afterwards.
    pub async fn add_plan_items(
        &self,
        audit_id: i64,
        items: &[(Source, PlanItem)],
    ) -> Result<Vec<PlanEntry>> {
        let _writing = self.writing().await;
        let t = now();
        // The last position read must still be the last when the items are
        // written: the audit's row is held for the transaction.
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(&format!("SELECT id FROM audits WHERE id = $1{FOR_UPDATE}"))
            .bind(audit_id)
            .fetch_optional(&mut *tx)
            .await?;
        let last: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position), 0) FROM plan_items WHERE audit_id = $1",
        )
        .bind(audit_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut next = last + 1;
        for (source, item) in items {
            let (kind, reference) = source_columns(source);
            let added = sqlx::query(
                "INSERT INTO plan_items (audit_id, position, source_kind, source_ref, zone,
                     priority, solution, solution_own, owner, deadline, done, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9, $10, $11)
                 ON CONFLICT (audit_id, source_kind, source_ref) DO NOTHING",
            )
            .bind(audit_id)
            .bind(next)
            .bind(kind)
            .bind(reference)
            .bind(&item.zone)
            .bind(item.priority.code())
            .bind(&item.solution)
            .bind(&item.owner)
            .bind(item.deadline.map(date_text))
            .bind(item.done)
            .bind(t)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 1 {
                next += 1;
            }
        }
        let plan = plan_of(&mut tx, audit_id).await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Changes one plan item and, in the same transaction, replaces the
    /// user's pending input with `next` (or removes it when `next` is
    /// `None`): the answer and the next question are kept together. `None`,
    /// and nothing written (the pending input included), if the audit has
    /// no item at `position`.
    pub async fn update_plan_item(
        &self,
        audit_id: i64,
        position: u32,
        update: &PlanUpdate,
        pending: PendingChange<'_>,
    ) -> Result<Option<PlanEntry>> {
        let _writing = self.writing().await;
        let set = match update {
            PlanUpdate::Owner(_) => "owner = $3",
            PlanUpdate::Deadline(_) => "deadline = $3",
            PlanUpdate::Solution(_) => "solution = $3, solution_own = TRUE",
            PlanUpdate::Done(_) => "done = $3",
            PlanUpdate::Blocker(_) => "blocker = $3",
        };
        let sql = format!(
            "UPDATE plan_items SET {set}, updated_at = $4
             WHERE audit_id = $1 AND position = $2
             RETURNING {PLAN_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(audit_id)
            .bind(i64::from(position));
        let query = match update {
            PlanUpdate::Owner(owner) => query.bind(owner.clone()),
            PlanUpdate::Deadline(deadline) => query.bind(deadline.map(date_text)),
            PlanUpdate::Solution(solution) => query.bind(solution.clone()),
            PlanUpdate::Done(done) => query.bind(*done),
            PlanUpdate::Blocker(blocker) => query.bind(blocker.clone()),
        };
        // Dropped without a commit, the transaction is rolled back.
        let mut tx = self.pool.begin().await?;
        if let PendingChange::Answers { answered, .. } = pending {
            if !take_pending(&mut tx, answered).await? {
                return Ok(None);
            }
        }
        let Some(row) = query.bind(now()).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let entry = plan_entry_from_row(&row)?;
        if let PendingChange::Answers {
            next: Some(next), ..
        } = pending
        {
            write_pending(&mut tx, next).await?;
        }
        tx.commit().await?;
        Ok(Some(entry))
    }

    /// What the bot waits for from the user, if anything.
    pub async fn pending(&self, user_id: i64) -> Result<Option<Pending>> {
        let row = sqlx::query(&format!(
            "SELECT {PENDING_COLUMNS} FROM pending_inputs WHERE user_id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| pending_from_row(&r)).transpose()
    }

    /// Remembers what the bot waits for from the user, replacing what it
    /// waited for before.
    pub async fn set_pending(&self, pending: &Pending) -> Result<()> {
        let _writing = self.writing().await;
        let mut conn = self.pool.acquire().await?;
        write_pending(&mut conn, pending).await
    }

    /// Forgets what the bot waits for from the user; returns what that was.
    /// A row that does not parse is deleted all the same (and reported as
    /// `Corrupt`), so that a way out such as /cancel clears it.
    pub async fn clear_pending(&self, user_id: i64) -> Result<Option<Pending>> {
        let _writing = self.writing().await;
        let row = sqlx::query(&format!(
            "DELETE FROM pending_inputs WHERE user_id = $1 RETURNING {PENDING_COLUMNS}"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| pending_from_row(&r)).transpose()
    }

    /// Every audit, abandoned ones too, oldest first: what the operator's
    /// figures are made of.
    pub async fn all_audits(&self) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audits ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_from_row).collect()
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

fn card_from_row(r: &impl Fields) -> Result<Option<Card>> {
    let chat = r.opt_int("card_chat_id")?;
    let message = r.opt_int("card_message_id")?;
    let Some((chat_id, message_id)) = chat.zip(message) else {
        return Ok(None);
    };
    let message_id = i32::try_from(message_id)
        .map_err(|_| StorageError::Corrupt(format!("card message id {message_id}")))?;
    Ok(Some(Card {
        chat_id,
        message_id,
    }))
}

/// Answers and notes from rows of [`ANSWER_COLUMNS`].
fn answers_from_rows<'r, R: Fields + 'r>(rows: impl IntoIterator<Item = &'r R>) -> Result<Answers> {
    let mut responses = Vec::new();
    let mut notes = HashMap::new();
    for r in rows {
        let question_id = r.text("question_id")?;
        let answer = r
            .opt_str("answer")?
            .ok_or_else(|| StorageError::Corrupt("column answer: NULL".into()))?;
        let priority = r.opt_str("priority")?;
        let response = Response {
            answer: Answer::from_code(answer)
                .ok_or_else(|| StorageError::Corrupt(format!("answer {answer:?}")))?,
            priority: priority
                .map(|p| {
                    Priority::from_code(p)
                        .ok_or_else(|| StorageError::Corrupt(format!("priority {p:?}")))
                })
                .transpose()?,
            priority_skipped: r.flag("priority_skipped")?,
        };
        if let Some(note) = r.opt_text("note")? {
            notes.insert(question_id.clone(), note);
        }
        responses.push((question_id, response));
    }
    Ok((responses, notes))
}

fn audit_from_row(r: &impl Fields) -> Result<AuditRecord> {
    let status = r.text("status")?;
    Ok(AuditRecord {
        id: r.int("id")?,
        user_id: r.int("user_id")?,
        chat_id: r.int("chat_id")?,
        checklist_id: r.text("checklist_id")?,
        checklist_version: {
            let version = r.int("checklist_version")?;
            u32::try_from(version)
                .map_err(|_| StorageError::Corrupt(format!("checklist version {version}")))?
        },
        status: Status::from_code(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("status {status:?}")))?,
        current_question_id: r.opt_text("current_question_id")?,
        revision: r.int("revision")?,
        card: card_from_row(r)?,
        started_at: r.int("started_at")?,
        updated_at: r.int("updated_at")?,
        finished_at: r.opt_int("finished_at")?,
        source: r.opt_text("source")?,
    })
}

/// What one save writes (see [`Storage::save_with_reminders`]).
struct Save<'a> {
    audit_id: i64,
    expected_revision: i64,
    change: &'a Change,
    position: Position<'a>,
    reminders: &'a [ReminderSeries],
    notify: &'a [i64],
    t: i64,
}

/// The revision's check and move: changes the audit's row only if it is
/// still in progress at the expected revision. `$1` audit, `$2` expected
/// revision, `$3` current question, `$4` status, `$5` now.
const MOVE_AUDIT: &str = "UPDATE audits SET revision = revision + 1, current_question_id = $3, status = $4,
         updated_at = $5,
         finished_at = CASE WHEN $4 = 'finished' THEN $5 ELSE finished_at END
     WHERE id = $1 AND revision = $2 AND status = 'in_progress'";

/// [`MOVE_AUDIT`] for a press that leaves the audit in progress: `$1`
/// audit, `$2` expected revision, `$3` current question, `$4` now.
/// Without `status` in its SET, SQLite leaves the index on it
/// (`audits_one_in_progress_per_user`) alone, where setting it to the
/// value it has rewrote the index's page: a second page a press.
const MOVE_AUDIT_ON: &str = "UPDATE audits SET revision = revision + 1, current_question_id = $3,
         updated_at = $4
     WHERE id = $1 AND revision = $2 AND status = 'in_progress'";

/// [`MOVE_AUDIT`] and [`MOVE_AUDIT_ON`] returning the new revision, made
/// once.
static MOVE_AUDIT_RETURNING: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{MOVE_AUDIT} RETURNING revision"));
static MOVE_AUDIT_ON_RETURNING: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{MOVE_AUDIT_ON} RETURNING revision"));

/// An answer's columns, and what a second answer to the same question
/// changes.
const ANSWER_INTO: &str =
    "INSERT INTO answers (audit_id, question_id, answer, priority, priority_skipped, answered_at)";
const ANSWER_AGAIN: &str = "ON CONFLICT (audit_id, question_id) DO UPDATE SET answer = excluded.answer,
         priority = excluded.priority, priority_skipped = excluded.priority_skipped,
         answered_at = excluded.answered_at";

impl<'a> Save<'a> {
    /// The revision's check and move, and its arguments; with
    /// `RETURNING`, it returns the new revision.
    fn move_audit(&self) -> (Sql, Vec<Arg<'a>>) {
        let mut args = vec![
            Arg::Int(self.audit_id),
            Arg::Int(self.expected_revision),
            Arg::OptText(self.position.current_question_id),
        ];
        let (sql, returning) = match self.position.status {
            Status::InProgress => (MOVE_AUDIT_ON, &MOVE_AUDIT_ON_RETURNING),
            status => {
                args.push(Arg::Text(status.code()));
                (MOVE_AUDIT, &MOVE_AUDIT_RETURNING)
            }
        };
        args.push(Arg::Int(self.t));
        match RETURNING {
            true => (returning.as_str().into(), args),
            false => (sql.into(), args),
        }
    }

    fn answer_args(&self, question_id: &'a str, r: &'a Response) -> Vec<Arg<'a>> {
        vec![
            Arg::Int(self.audit_id),
            Arg::Text(question_id),
            Arg::Text(r.answer.code()),
            Arg::OptText(r.priority.map(Priority::code)),
            Arg::Bool(r.priority_skipped),
            Arg::Int(self.t),
        ]
    }

    /// The chats told of the audit's finish: none unless it finishes.
    fn notices(&self) -> &'a [i64] {
        match self.position.status {
            Status::Finished => self.notify,
            _ => &[],
        }
    }

    /// The save as statements in order, the revision's UPDATE first; the
    /// caller runs them in one transaction and stops if that UPDATE
    /// changed no row.
    fn batch(&self) -> Batch<'a> {
        let mut batch = Batch::default();
        let (sql, args) = self.move_audit();
        batch.push(sql, args);
        match &self.change.response {
            Some((question_id, Some(r))) => batch.push(
                ANSWER_UPSERT.as_str(),
                self.answer_args(question_id, r),
            ),
            Some((question_id, None)) => batch.push(
                "DELETE FROM answers WHERE audit_id = $1 AND question_id = $2",
                vec![Arg::Int(self.audit_id), Arg::Text(question_id)],
            ),
            None => {}
        }
        for series in self.reminders {
            saved_series_statements(&mut batch, series, self.t);
        }
        for &chat_id in self.notices() {
            batch.push(
                format!("{NOTICE_INTO} VALUES ($1, $2, $3) {NOTICE_ONCE}"),
                vec![Arg::Int(self.audit_id), Arg::Int(chat_id), Arg::Int(self.t)],
            );
        }
        batch
    }

    /// The save as one statement ([`With`]): every write a part that
    /// writes only if the part `moved`, the revision's UPDATE, changed the
    /// audit's row; the statement returns that row's new revision, or no
    /// row for a stale press.
    fn with(&self) -> (String, Vec<Arg<'a>>) {
        let mut with = With::default();
        let (sql, args) = self.move_audit();
        with.part("moved", &sql, args);
        match &self.change.response {
            Some((question_id, Some(r))) => with.part(
                "answer",
                &format!(
                    "{ANSWER_INTO} SELECT $1, $2, $3, $4, $5, $6 FROM moved {ANSWER_AGAIN}"
                ),
                self.answer_args(question_id, r),
            ),
            Some((question_id, None)) => with.part(
                "answer",
                "DELETE FROM answers WHERE audit_id = $1 AND question_id = $2
                     AND EXISTS (SELECT 1 FROM moved)",
                vec![Arg::Int(self.audit_id), Arg::Text(question_id)],
            ),
            None => {}
        }
        for (i, series) in self.reminders.iter().enumerate() {
            series_parts(&mut with, i, series, self.t);
        }
        for (i, &chat_id) in self.notices().iter().enumerate() {
            with.part(
                &format!("notice_{i}"),
                &format!("{NOTICE_INTO} SELECT $1, $2, $3 FROM moved {NOTICE_ONCE}"),
                vec![Arg::Int(self.audit_id), Arg::Int(chat_id), Arg::Int(self.t)],
            );
        }
        with.select("SELECT revision FROM moved", Vec::new())
    }
}

/// An answer written, or written again.
static ANSWER_UPSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("{ANSWER_INTO} VALUES ($1, $2, $3, $4, $5, $6) {ANSWER_AGAIN}")
});

/// A finish notice's columns (audit, chat, when made); one a chat.
const NOTICE_INTO: &str = "INSERT INTO admin_notices (audit_id, chat_id, created_at)";
const NOTICE_ONCE: &str = "ON CONFLICT (audit_id, chat_id) DO NOTHING";

/// Reads an audit and its answers. Where a batch is one command (SQLite)
/// in two statements: the audit's row once and each answer's columns, not
/// the audit's columns copied onto every answer (a join of 40 answers was
/// 760 values to copy, now 220). Elsewhere in one join: one round trip.
fn read_audit_with_answers(batch: &mut Batch<'_>, audit_id: i64) {
    if ONE_COMMAND_BATCH {
        batch.push(AUDIT_BY_ID.as_str(), vec![Arg::Int(audit_id)]);
        batch.push(ANSWERS_OF_AUDIT.as_str(), vec![Arg::Int(audit_id)]);
    } else {
        batch.push(
            format!(
                "SELECT {AUDIT_COLUMNS}, {ANSWER_COLUMNS} FROM audits
                 LEFT JOIN answers ON answers.audit_id = audits.id
                 WHERE audits.id = $1"
            ),
            vec![Arg::Int(audit_id)],
        );
    }
}

/// An audit's row, by its id.
static AUDIT_BY_ID: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {AUDIT_COLUMNS} FROM audits WHERE id = $1"));

/// An audit's answers (and their notes).
static ANSWERS_OF_AUDIT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {ANSWER_COLUMNS} FROM answers WHERE audit_id = $1")
});

/// Whether a row is one [`read_audit_with_answers`] reads: an audit's or
/// an answer's.
fn is_audit_or_answer(row: &impl Fields) -> bool {
    row.has("checklist_id") || row.has("question_id")
}

/// What [`read_audit_with_answers`] read: `None` if no audit row (no such
/// audit).
fn audit_with_answers_from_rows<R: Fields>(
    rows: &[&R],
) -> Result<Option<(AuditRecord, Answers)>> {
    // A take's statement joins a missing audit as NULLs.
    let Some(audit_row) = rows
        .iter()
        .find(|r| r.has("checklist_id") && matches!(r.opt_str("checklist_id"), Ok(Some(_))))
    else {
        return Ok(None);
    };
    let audit = audit_from_row(*audit_row)?;
    // An answer's row has its question; the join gives an audit without
    // answers one row with NULL answer columns.
    let mut answered = Vec::with_capacity(rows.len());
    for row in rows {
        if row.has("question_id") && row.opt_str("question_id")?.is_some() {
            answered.push(*row);
        }
    }
    Ok(Some((audit, answers_from_rows(answered)?)))
}

async fn write_note(
    conn: &mut DbConnection,
    audit_id: i64,
    question_id: &str,
    note: Option<&str>,
) -> Result<bool> {
    let updated =
        sqlx::query("UPDATE answers SET note = $3 WHERE audit_id = $1 AND question_id = $2")
            .bind(audit_id)
            .bind(question_id)
            .bind(note)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(updated == 1)
}

async fn plan_of(conn: &mut DbConnection, audit_id: i64) -> Result<Vec<PlanEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {PLAN_COLUMNS} FROM plan_items WHERE audit_id = $1 ORDER BY position"
    ))
    .bind(audit_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(plan_entry_from_row).collect()
}

async fn write_pending(conn: &mut DbConnection, pending: &Pending) -> Result<()> {
    let (kind, target) = pending.awaiting.columns();
    sqlx::query(
        "INSERT INTO pending_inputs (user_id, audit_id, kind, target, walk, prompt_chat_id,
             prompt_message_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id) DO UPDATE SET audit_id = excluded.audit_id,
             kind = excluded.kind, target = excluded.target, walk = excluded.walk,
             prompt_chat_id = excluded.prompt_chat_id,
             prompt_message_id = excluded.prompt_message_id,
             -- The same question asked again (a redraw) was asked when it
             -- was first asked.
             created_at = CASE WHEN pending_inputs.audit_id = excluded.audit_id
                     AND pending_inputs.kind = excluded.kind
                     AND pending_inputs.target = excluded.target
                     AND pending_inputs.walk = excluded.walk
                 THEN pending_inputs.created_at ELSE excluded.created_at END",
    )
    .bind(pending.user_id)
    .bind(pending.audit_id)
    .bind(kind)
    .bind(target)
    .bind(pending.walk)
    .bind(pending.prompt.map(|c| c.chat_id))
    .bind(pending.prompt.map(|c| c.message_id))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Stops waiting for `awaited` if it is still what the bot waits for from
/// its user (the same audit, question and walk; the prompt's message may
/// have been set since); `false` if not, and nothing changed. Two answers
/// to one question taken at once by two instances: the second finds it
/// gone once the first commits (its DELETE waits for the row's lock).
async fn take_pending(conn: &mut DbConnection, awaited: &Pending) -> Result<bool> {
    let (kind, target) = awaited.awaiting.columns();
    let done = sqlx::query(
        "DELETE FROM pending_inputs
         WHERE user_id = $1 AND audit_id = $2 AND kind = $3 AND target = $4 AND walk = $5",
    )
    .bind(awaited.user_id)
    .bind(awaited.audit_id)
    .bind(kind)
    .bind(target)
    .bind(awaited.walk)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn pending_from_row(r: &DbRow) -> Result<Pending> {
    let kind: String = r.try_get("kind")?;
    let target: String = r.try_get("target")?;
    let chat: Option<i64> = r.try_get("prompt_chat_id")?;
    let message: Option<i64> = r.try_get("prompt_message_id")?;
    let prompt = match (chat, message) {
        (None, None) => None,
        (Some(chat_id), Some(message_id)) => Some(Card {
            chat_id,
            message_id: i32::try_from(message_id)
                .map_err(|_| StorageError::Corrupt(format!("prompt message id {message_id}")))?,
        }),
        _ => {
            return Err(StorageError::Corrupt(format!(
                "prompt {chat:?} {message:?}"
            )))
        }
    };
    Ok(Pending {
        user_id: r.try_get("user_id")?,
        audit_id: r.try_get("audit_id")?,
        awaiting: Awaiting::from_columns(&kind, &target)?,
        walk: r.try_get("walk")?,
        prompt,
    })
}

fn plan_entry_from_row(r: &DbRow) -> Result<PlanEntry> {
    let position: i64 = r.try_get("position")?;
    let kind: String = r.try_get("source_kind")?;
    let reference: String = r.try_get("source_ref")?;
    let priority: String = r.try_get("priority")?;
    let deadline: Option<String> = r.try_get("deadline")?;
    let source = match kind.as_str() {
        "zone" => Source::Zone(reference),
        "problem" => Source::Problem(reference),
        _ => return Err(StorageError::Corrupt(format!("plan source {kind:?}"))),
    };
    Ok(PlanEntry {
        own_solution: r.try_get("solution_own")?,
        position: u32::try_from(position)
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| StorageError::Corrupt(format!("plan position {position}")))?,
        source,
        item: PlanItem {
            zone: r.try_get("zone")?,
            priority: Priority::from_code(&priority)
                .ok_or_else(|| StorageError::Corrupt(format!("priority {priority:?}")))?,
            solution: r.try_get("solution")?,
            owner: r.try_get("owner")?,
            deadline: deadline
                .map(|d| {
                    parse_date(&d).ok_or_else(|| StorageError::Corrupt(format!("deadline {d:?}")))
                })
                .transpose()?,
            done: r.try_get("done")?,
            blocker: r.try_get("blocker")?,
        },
    })
}
