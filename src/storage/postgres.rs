//! The PostgreSQL backend, chosen by a `postgres://` `DATABASE_URL`: several
//! instances of the bot can share it. The statements are the ones in `sql/`,
//! shared with the SQLite backend; what differs — connecting, the
//! migrations, row locks — is here.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

type Db = sqlx::Postgres;
/// A row it reads (named, not `<Db as Database>::Row`: the `Fields`
/// impls need the type itself).
type DbRow = sqlx::postgres::PgRow;

/// Begins a transaction that reads and then writes; the rows it reads are
/// locked by `FOR_UPDATE`.
const BEGIN_WRITE: &str = "BEGIN";
/// Appended to a read inside a `BEGIN_WRITE` transaction: the row stays as
/// read until the transaction ends, whatever another instance does.
const FOR_UPDATE: &str = " FOR UPDATE";
/// Appended to the subquery that picks rows to claim: two instances
/// claiming at once take different rows instead of waiting for each other.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// Connections `conns` keeps for the statements of updates.
const CONNECTIONS: usize = 4;

/// A [`Batch`] of statements is sent one by one: PostgreSQL prepares one
/// statement at a time.
const ONE_COMMAND_BATCH: bool = false;

/// A press's take and its save are each one statement: its writes are
/// parts of a `WITH`, one round trip each instead of one a statement (and
/// a BEGIN and a COMMIT).
const ONE_COMMAND: OneCommand = OneCommand::With;

/// The take and the revision's move say what they changed with
/// `RETURNING`: a `WITH`'s parts read it.
const RETURNING: bool = true;

#[derive(Clone)]
pub(super) struct Store {
    pool: sqlx::Pool<Db>,
    /// For the statements of every update (see `conns`).
    conns: std::sync::Arc<super::conns::Conns<Db>>,
    /// Takes made at the same moment, run as one statement.
    takes: std::sync::Arc<super::TakeGroup>,
}

impl Store {
    /// Connects and applies the migrations (under PostgreSQL's advisory
    /// lock, so instances starting together migrate once).
    pub(super) async fn connect(url: &str, keep_connections: bool) -> Result<Self> {
        let mut options = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10));
        if !keep_connections {
            options = options.after_release(|_, _| Box::pin(async { Ok(false) }));
        }
        let connect = PgConnectOptions::from_str(url)?;
        let pool = options.connect_with(connect.clone()).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let conns = std::sync::Arc::new(super::conns::Conns::new(
            connect,
            CONNECTIONS,
            keep_connections,
            Some(super::conns::USED_WITHOUT_PING),
        ));
        let takes = std::sync::Arc::new(super::group::Group::new(TAKE_RUNS, TAKES_AT_MOST));
        Ok(Self { pool, conns, takes })
    }

    /// Takes `call` together with the takes made at the same moment (see
    /// [`take_together`]).
    async fn take_in_group(&self, call: TakeCall) -> Option<Result<Option<Taken>>> {
        let run = |calls| take_together(&self.conns, calls);
        Some(
            self.takes
                .call(call, run)
                .await
                .unwrap_or(Err(StorageError::Unfinished)),
        )
    }

    /// Writes need no turn here: PostgreSQL locks rows, and a transaction
    /// waiting for one is woken when it is free.
    async fn writing(&self) -> NoTurn {
        NoTurn
    }

    /// Every commit here is on disk when it returns (PostgreSQL groups
    /// the flushes of concurrent commits itself): no ticket to wait for.
    fn committed_unflushed(&self) -> Flushed {
        Flushed
    }

    async fn flushed(&self, _: Flushed) -> Result<()> {
        Ok(())
    }

    /// Ends a write's turn: there is none.
    fn give_back(&self, _: NoTurn) {}

    /// Writes go to the server through sqlx: never here.
    async fn write_together(
        &self,
        _: &[(super::Sql, Vec<Arg<'_>>)],
        _: super::direct::Rule,
    ) -> Option<Result<super::direct::Outcome>> {
        None
    }

    pub(super) async fn close(&self) {
        self.conns.close().await;
        self.pool.close().await;
    }
}

/// Has the statement it is a part of commit without waiting for its WAL
/// to be flushed (PostgreSQL's `synchronous_commit`, for this transaction
/// alone): as SQLite's take does, the take rides on the flush of the
/// answer's save that follows it — the save's commit is later in the same
/// log, so once it is on disk, so is the take. A take with no save after
/// it is flushed by the WAL writer within moments; lost before that (the
/// server or the machine going down), its update is handled again if
/// Telegram delivers it again. Joined (one row) so that it runs; it writes
/// nothing.
const COMMIT_UNFLUSHED: &str = "SELECT set_config('synchronous_commit', 'off', true)";

/// What [`Store::writing`] holds: nothing.
struct NoTurn;

/// What [`Store::committed_unflushed`] returns: the commit is on disk.
struct Flushed;

include!("sql/prelude.rs");
include!("sql/batch.rs");
include!("sql/core.rs");
include!("sql/reminders.rs");
include!("sql/inbox.rs");
include!("sql/export.rs");

/// Statements of takes under way at once, at most: one a connection that
/// `conns` keeps. A take that finds one free runs at once, by itself (no
/// wait behind another's statement: the latency of a take alone is
/// unchanged); the takes that find none go together in the next.
const TAKE_RUNS: usize = CONNECTIONS;

/// Takes in one statement, at most: one each of the dispatcher's lanes
/// (`app::LANES`), and webhook updates beside them.
const TAKES_AT_MOST: usize = 64;

/// The takes of several updates (those that waited while every run was
/// under way: see [`TAKE_RUNS`]) in one statement: one round trip and one commit for them
/// all, each update's row joined to its user's language and its audit and
/// answers as [`Store::take_update`] returns them. An update asked for
/// twice in one group is taken by its first call; the others find it taken
/// (a row can be inserted or updated once a statement).
async fn take_together(conns: &Conns<Db>, calls: Vec<TakeCall>) -> Vec<Result<Option<Taken>>> {
    let mut first = HashMap::new();
    let mut values = String::new();
    let mut args = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        if first.insert(call.update_id, i).is_some() {
            continue;
        }
        let n = args.len();
        if !values.is_empty() {
            values.push_str(", ");
        }
        values.push_str(&format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
        args.extend([
            Arg::Int(call.update_id),
            Arg::OptInt(call.user_id),
            Arg::OptInt(call.audit_id),
        ]);
    }
    args.push(Arg::Int(now()));
    let at = args.len();
    // Each taken update's user and audit in one row, and each of its
    // answers in a row of its own with the audit's columns NULL: the
    // audit's columns are sent once, not again with every answer (a NULL
    // costs the server no conversion and the bot no decoding).
    let columns = |table: &str, all: &str, nulls: bool| {
        all.split(',')
            .map(|c| match nulls {
                true => format!(", NULL AS {}", c.trim()),
                false => format!(", {table}.{}", c.trim()),
            })
            .collect::<String>()
    };
    let sql = format!(
        "WITH called (update_id, user_id, audit_id) AS (VALUES {values}),
         taken AS (
             INSERT INTO inbox (update_id, received_at, taken_at)
             SELECT update_id, ${at}, ${at} FROM called
             ON CONFLICT (update_id) DO UPDATE SET taken_at = excluded.taken_at, body = NULL
             WHERE inbox.taken_at IS NULL
             RETURNING update_id),
         unflushed AS ({COMMIT_UNFLUSHED})
         SELECT taken.update_id, users.language{audit}{no_answer}
         FROM taken CROSS JOIN unflushed
         JOIN called ON called.update_id = taken.update_id
         LEFT JOIN users ON users.id = called.user_id
         LEFT JOIN audits ON audits.id = called.audit_id
         UNION ALL
         SELECT taken.update_id, NULL{no_audit}{answer}
         FROM taken
         JOIN called ON called.update_id = taken.update_id
         JOIN answers ON answers.audit_id = called.audit_id",
        audit = columns("audits", AUDIT_COLUMNS, false),
        no_answer = columns("answers", ANSWER_COLUMNS, true),
        no_audit = columns("audits", AUDIT_COLUMNS, true),
        answer = columns("answers", ANSWER_COLUMNS, false),
    );
    let (rows, lost) = match run_with(conns, &(sql, args)).await {
        Ok(done) => done,
        Err(e) => {
            return StorageError::shared(e, calls.len())
                .into_iter()
                .map(Err)
                .collect()
        }
    };
    let mut lost = lost.map(|e| StorageError::shared(e, calls.len()));
    let mut by_update: HashMap<i64, Vec<&DbRow>> = HashMap::new();
    for row in &rows {
        match row.int("update_id") {
            Ok(id) => by_update.entry(id).or_default().push(row),
            Err(e) => {
                return StorageError::shared(e, calls.len())
                    .into_iter()
                    .map(Err)
                    .collect()
            }
        }
    }
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            if first.get(&call.update_id) != Some(&i) {
                return Ok(None);
            }
            match (&mut lost, by_update.get(&call.update_id)) {
                // Run again after a lost connection, a take that was done
                // before it went finds the update taken: the first try's
                // error lets it through, as any failed take does, rather
                // than have it skipped.
                (Some(lost), None) => Err(lost.pop().unwrap_or(StorageError::Unfinished)),
                (_, own) => taken_from_rows(own.into_iter().flatten().copied(), call.audit_id),
            }
        })
        .collect()
}
