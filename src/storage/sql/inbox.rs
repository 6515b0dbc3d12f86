impl Store {
    /// Records a posted update; `false` if its id was recorded before.
    pub async fn record_update(&self, update_id: i64, body: &str) -> Result<bool> {
        let _writing = self.writing().await;
        let done = sqlx::query(
            "INSERT INTO inbox (update_id, body, received_at) VALUES ($1, $2, $3)
             ON CONFLICT (update_id) DO NOTHING",
        )
        .bind(update_id)
        .bind(body)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes an update for handling: `Some` for the first taker only, be
    /// it recorded by the webhook or met first here (long polling). The
    /// update's text is not kept once it is taken: only its id. On SQLite
    /// the take is not flushed by itself (see `walsync`): a power cut
    /// before the next flush can lose only the take of an update whose
    /// effects were not stored either, and it is handled again.
    ///
    /// The same command reads what the update's handling asks next (see
    /// [`Taken`]): with `user_id`, that user's stored language; with
    /// `audit_id`, the audit a press is on and its answers. Takes made at
    /// the same moment go together: on PostgreSQL one statement (see
    /// `postgres::take_together`), on SQLite one transaction, with the
    /// saves waiting too (see `sqlite::Store::write_together`).
    pub async fn take_update(
        &self,
        update_id: i64,
        user_id: Option<i64>,
        audit_id: Option<i64>,
    ) -> Result<Option<Taken>> {
        let call = TakeCall {
            update_id,
            user_id,
            audit_id,
        };
        if let Some(taken) = self.take_in_group(call).await {
            return taken;
        }
        self.take_alone(call).await
    }

    /// Takes `call`: on SQLite with the writes that wait for the write
    /// turn meanwhile, in one transaction (see `write_together`).
    async fn take_alone(&self, call: TakeCall) -> Result<Option<Taken>> {
        let mut batch = Batch::default();
        take_statements(&mut batch, call, now());
        // Where it can, the take runs on the calling thread; else through
        // sqlx (below).
        let rule = direct::Rule::default();
        if let Some(outcome) = self.write_together(&batch.statements, rule).await {
            if let direct::Outcome::Committed(rows) = outcome? {
                return taken_from_rows(rows.iter().flatten(), call.audit_id);
            }
        }
        let _writing = self.writing().await;
        // A failed take drops the connection (no `done`): it is closed.
        let mut conn = self.conns.get().await?;
        let rows = batch.run(&mut conn).await?;
        conn.done();
        taken_from_rows(&rows, call.audit_id)
    }

    /// Recorded updates no one took yet, oldest first: (id, body).
    pub async fn untaken_updates(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT update_id, body FROM inbox WHERE taken_at IS NULL AND body IS NOT NULL
             ORDER BY update_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("update_id")?, r.try_get("body")?)))
            .collect()
    }

    /// Forgets updates taken before `before` (unix seconds); Telegram does
    /// not deliver an update again after a day.
    pub async fn prune_inbox(&self, before: i64) -> Result<u64> {
        let _writing = self.writing().await;
        let done = sqlx::query("DELETE FROM inbox WHERE taken_at IS NOT NULL AND taken_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}


/// The statements of `call`'s take at `t` (see [`Store::take_update`]).
fn take_statements(batch: &mut Batch<'_>, call: TakeCall, t: i64) {
    let args = vec![Arg::Int(call.update_id), Arg::Int(t)];
    if RETURNING {
        batch.push(TAKE_RETURNING.as_str(), args);
    } else {
        batch.push(TAKE, args);
        batch.push(
            "SELECT $1 AS update_id WHERE changes() = 1",
            vec![Arg::Int(call.update_id)],
        );
    }
    if let Some(user_id) = call.user_id {
        batch.push(
            "SELECT language FROM users WHERE id = $1",
            vec![Arg::Int(user_id)],
        );
    }
    if let Some(audit_id) = call.audit_id {
        read_audit_with_answers(batch, audit_id);
    }
}

/// Takes update `$1` at `$2` unless it was taken before: one row changed
/// if taken (see [`take_statements`] for how that is read).
const TAKE: &str = "INSERT INTO inbox (update_id, received_at, taken_at) VALUES ($1, $2, $2)
     ON CONFLICT (update_id) DO UPDATE SET taken_at = excluded.taken_at, body = NULL
     WHERE inbox.taken_at IS NULL";

/// [`TAKE`] returning the update's id if taken, made once.
static TAKE_RETURNING: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{TAKE} RETURNING update_id"));

/// What a take's statements read, told apart by their columns: the take's
/// row, the language's and the audit's and its answers' — separate rows,
/// or (one statement) rows with every column, each holding its own part
/// and NULL in the others.
fn taken_from_rows<'r, R: Fields + 'r>(
    rows: impl IntoIterator<Item = &'r R>,
    audit_id: Option<i64>,
) -> Result<Option<Taken>> {
    let mut taken = None;
    let mut language = None;
    let mut audit_rows = Vec::new();
    for row in rows {
        if row.has("update_id") {
            taken = Some(());
        }
        // One row has the language (NULL if the user chose none); where
        // rows repeat the column, the others have it NULL.
        if row.has("language") {
            language = language.or(row.opt_text("language")?);
        }
        if is_audit_or_answer(row) {
            audit_rows.push(row);
        }
    }
    let audit = match audit_id {
        Some(_) => audit_with_answers_from_rows(&audit_rows)?,
        None => None,
    };
    Ok(taken.map(|()| Taken { language, audit }))
}
