//! The SQLite backend, the default: one file, no server. The statements are
//! the ones in `sql/`, shared with the PostgreSQL backend; what differs —
//! opening the file, its pragmas, its migrations, how a writing transaction
//! takes its lock — is here.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

type Db = sqlx::Sqlite;
/// A row it reads (named, not `<Db as Database>::Row`: the `Fields`
/// impls need the type itself).
type DbRow = sqlx::sqlite::SqliteRow;

/// Begins a transaction that reads and then writes: IMMEDIATE, because a
/// deferred one that reads first cannot upgrade to a write once another
/// connection has committed, and SQLite then fails at once instead of
/// waiting.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
/// Appended to a read inside a `BEGIN_WRITE` transaction: nothing, the
/// transaction already holds the database's one write lock.
const FOR_UPDATE: &str = "";
/// Appended to the subquery that picks rows to claim: nothing, writes are
/// serialised and the claim's UPDATE re-checks the state.
const SKIP_LOCKED: &str = "";

/// A [`Batch`] of statements goes to the connection's thread as one
/// command.
const ONE_COMMAND_BATCH: bool = true;

/// A press's take and its save are each one command of joined statements.
/// In a save, after its `UPDATE … WHERE revision = expected`, the guard
/// fails the command when that changed no row (a stale press), so that the
/// save's other statements and its COMMIT can follow in the same command
/// and still write nothing for it — one hand-off to the connection's
/// thread a save instead of two. SQLite has no RAISE outside triggers;
/// `json()` of a malformed text is an error, and `changes()` counts the
/// rows the UPDATE changed. (SQLite's WITH takes no INSERT, UPDATE or
/// DELETE.)
const ONE_COMMAND: OneCommand =
    OneCommand::Guarded("SELECT json(CASE changes() WHEN 1 THEN 'true' ELSE 'stale press' END)");

/// The take and the revision's move say what they changed without
/// `RETURNING`: SQLite keeps a statement's returned rows in a temporary
/// b-tree it makes and frees each time (about 2 µs, against under 1 for
/// the statement without it). The take is followed by a `SELECT` of
/// `changes()`; a save's move is checked by the same count (see
/// `direct::Rule`), and its new revision is the one after the expected.
const RETURNING: bool = false;

#[derive(Clone)]
pub(super) struct Store {
    pool: sqlx::Pool<Db>,
    /// For the statements of every update (see `conns`).
    conns: std::sync::Arc<super::conns::Conns<Db>>,
    /// This process's writes, one at a time (see [`Store::writing`]).
    writes: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The flushes of what `conns` and `direct` commit (see `walsync`).
    wal: std::sync::Arc<super::walsync::WalSync>,
    /// The take and the save on the calling thread (see `direct`); `None`
    /// for a database in memory, which only sqlx's connections share.
    direct: Option<std::sync::Arc<super::direct::Direct>>,
    /// The writes waiting for the write turn, run together (see
    /// [`Store::write_together`]).
    writes_together: std::sync::Arc<super::group::Group<WriteCall, Result<super::direct::Outcome>>>,
}

/// A write handed to [`Store::write_together`]: its statements, owning
/// their values, and what to do after each.
struct WriteCall {
    statements: Vec<(Sql, Vec<Arg<'static>>)>,
    rule: super::direct::Rule,
}

/// Writes in one transaction, at most: a take and a save for each of the
/// dispatcher's lanes (`app::LANES`).
const WRITES_AT_MOST: usize = 64;

/// How long a start waits for other processes that are setting up the
/// same file, as long as a busy handler waits for a lock.
const OPENING_WAIT: Duration = Duration::from_secs(5);

/// The pool, its first connection opened. Opening sets the journal mode
/// to WAL; where another process is doing the same on a new file, SQLite
/// can refuse that with SQLITE_BUSY without calling the busy handler. So a
/// busy refusal is tried again, with a growing pause, for `OPENING_WAIT`.
async fn open_pool(options: &SqliteConnectOptions) -> Result<sqlx::SqlitePool> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let opened = SqlitePoolOptions::new()
            .max_connections(4)
            // A file does not go away like a server's socket: no ping (a
            // round trip to the connection's thread) before each use.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await;
        match opened {
            Err(e) if is_busy(&e) && started.elapsed() + pause < OPENING_WAIT => {
                log::debug!("the database file is busy while opening ({e}); trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            opened => return Ok(opened?),
        }
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED, with any extended code.
fn is_busy(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(e) = e else {
        return false;
    };
    let code = e.code().and_then(|c| c.parse::<i32>().ok());
    matches!(code.map(|c| c & 0xff), Some(5 | 6))
}

impl Store {
    /// Opens (creating if missing) the database file and applies the
    /// migrations.
    pub(super) async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        create_private_file(options.get_filename())?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: what the pool commits survives a power cut, not only a
            // crash. The updates' own connections (below) get that from
            // the shared WAL flush instead.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = open_pool(&options).await?;
        // SQLite has no lock for the migrator to take (on PostgreSQL it takes
        // an advisory lock): two processes starting together on a new file
        // would both create the tables. So every migration runs inside one
        // IMMEDIATE transaction (each as a savepoint): the second process
        // waits for the first to commit, then finds nothing left to apply.
        let mut conn = pool.acquire().await?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, BEGIN_WRITE).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run_direct(&mut *tx)
            .await?;
        tx.commit().await?;
        drop(conn);
        // The updates' connections commit without an fsync of their own:
        // a save then waits for a flush of the WAL file that it shares with
        // the saves committed meanwhile (see `walsync`); a take needs none.
        let wal = super::walsync::WalSync::new(options.get_filename());
        let direct = match wal.is_file() {
            true => Some(std::sync::Arc::new(super::direct::Direct::open(
                options.get_filename(),
            )?)),
            false => None,
        };
        let conns = super::conns::Conns::new(
            options.synchronous(SqliteSynchronous::Normal),
            4,
            true,
            None,
        );
        Ok(Self {
            pool,
            conns: std::sync::Arc::new(conns),
            writes: Default::default(),
            wal: std::sync::Arc::new(wal),
            direct,
            // One run at a time: the runs would take turns to write anyway.
            writes_together: std::sync::Arc::new(super::group::Group::new(1, WRITES_AT_MOST)),
        })
    }

    /// Takes are not grouped here by themselves: each is a write of
    /// [`Store::write_together`], with the saves.
    async fn take_in_group(&self, _: super::TakeCall) -> Option<Result<Option<Taken>>> {
        None
    }

    /// Runs a write's statements on the calling thread (see `direct`),
    /// together with the writes (takes and saves) that wait for the write
    /// turn meanwhile: one transaction for them all, each write in a
    /// savepoint of its own, so one that stops or fails is rolled back
    /// alone. One BEGIN and one COMMIT, and each page the writes share
    /// (the inbox's, the audits') written once. `None` where it cannot run
    /// there (a database in memory) and `Busy` where another process holds
    /// the write lock: the caller then runs the statements through sqlx.
    async fn write_together(
        &self,
        statements: &[(Sql, Vec<Arg<'_>>)],
        rule: super::direct::Rule,
    ) -> Option<Result<super::direct::Outcome>> {
        self.direct.as_ref()?;
        let call = WriteCall {
            statements: statements
                .iter()
                .map(|(sql, args)| (sql.clone(), args.iter().map(Arg::to_owned_arg).collect()))
                .collect(),
            rule,
        };
        let run = |calls| self.run_writes(calls);
        Some(
            self.writes_together
                .call(call, run)
                .await
                .unwrap_or(Err(StorageError::Unfinished)),
        )
    }

    /// One run of [`Store::write_together`]: in this process's write turn.
    async fn run_writes(&self, calls: Vec<WriteCall>) -> Vec<Result<super::direct::Outcome>> {
        let Some(direct) = &self.direct else {
            return calls
                .iter()
                .map(|_| Err(StorageError::Unfinished))
                .collect();
        };
        let writing = self.writing().await;
        let writes: Vec<_> = calls
            .iter()
            .map(|call| super::direct::Write {
                statements: &call.statements,
                rule: &call.rule,
            })
            .collect();
        let done = direct.write(&writes);
        self.give_back(writing);
        match done {
            Ok(outcomes) => outcomes,
            Err(e) => StorageError::shared(e, calls.len())
                .into_iter()
                .map(Err)
                .collect(),
        }
    }

    /// Waits for this process's turn to write; held until the write has
    /// committed. SQLite lets one connection write at a time, and one that
    /// tries meanwhile gets SQLITE_BUSY: its busy handler sleeps 1, 2, 5,
    /// 10… ms before it looks again, though the lock is usually free
    /// within a fraction of that (the load test at full speed: a sleep of
    /// 1.8 ms on average for every other press). Queued here instead, a
    /// write starts the moment the one before it is done. Another process
    /// on the same file is still met by the busy handler.
    async fn writing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writes.lock().await
    }

    /// Ends a write's turn before the function that took it returns.
    fn give_back(&self, turn: tokio::sync::MutexGuard<'_, ()>) {
        drop(turn);
    }

    /// Counts a commit on one of `conns`: it is not on disk yet. The
    /// ticket for [`Store::flushed`].
    fn committed_unflushed(&self) -> u64 {
        self.wal.committed()
    }

    /// Returns once the commit of `ticket` is on disk. Called after the
    /// write turn is given back: the next write commits meanwhile.
    async fn flushed(&self, ticket: u64) -> Result<()> {
        self.wal
            .flushed_through(ticket)
            .await
            .map_err(|e| StorageError::Db(sqlx::Error::Io(e)))
    }

    #[cfg(test)]
    pub(super) fn without_direct_writes(self) -> Self {
        Self {
            direct: None,
            ..self
        }
    }

    /// Writes left to sqlx's connections because another process held
    /// the lock; `None` without writes on the calling thread.
    #[cfg(test)]
    pub(super) fn direct_busy_count(&self) -> Option<u64> {
        self.direct.as_ref().map(|d| d.busy_count())
    }

    /// This process's write turn, held until dropped.
    #[cfg(test)]
    pub(super) async fn write_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writing().await
    }

    /// Writes waiting for a run (see [`Store::write_together`]).
    #[cfg(test)]
    pub(super) fn writes_waiting(&self) -> usize {
        self.writes_together.waiting()
    }

    #[cfg(test)]
    pub(super) fn wal(&self) -> &super::walsync::WalSync {
        &self.wal
    }

    #[cfg(test)]
    pub(super) fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    #[cfg(test)]
    pub(super) fn conns(&self) -> &super::conns::Conns<Db> {
        &self.conns
    }

    pub(super) async fn close(&self) {
        self.conns.close().await;
        self.pool.close().await;
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

include!("sql/prelude.rs");
include!("sql/batch.rs");
include!("sql/core.rs");
include!("sql/reminders.rs");
include!("sql/inbox.rs");
include!("sql/export.rs");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::testdb::{TestBackend, TestDb};

    /// The statements of `batch` a press runs: those of a group its check
    /// leaves out are not (a lazy series kept as it is).
    fn run_by_a_press(batch: Batch<'_>) -> Vec<String> {
        let skipped: Vec<usize> = batch
            .skips
            .iter()
            .flat_map(|&(at, n)| at + 1..=at + n)
            .collect();
        batch
            .statements
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !skipped.contains(i))
            .map(|(_, (sql, _))| sql.into_owned())
            .collect()
    }

    /// A press's take and save make SQLite build no temporary b-tree: it
    /// makes and frees one for each `RETURNING` and for each `IN` list a
    /// CHECK holds, at several times the cost of the statement itself.
    #[tokio::test]
    async fn a_press_runs_no_statement_that_builds_a_temporary_b_tree() {
        let db = TestDb::new(TestBackend::Sqlite).await;
        let storage = db.storage().await;
        storage.close().await;
        let path = db.url.trim_start_matches("sqlite://");
        let conn = rusqlite::Connection::open(path).expect("open");

        let mut take = Batch::default();
        let call = TakeCall {
            update_id: 1,
            user_id: Some(2),
            audit_id: Some(3),
        };
        take_statements(&mut take, call, 100);
        let no = Response {
            answer: Answer::No,
            priority: Some(Priority::High),
            priority_skipped: false,
        };
        let series = ReminderSeries {
            kind: Kind::Unfinished,
            user_id: 2,
            audit_id: 3,
            position: 0,
            anchor: "100".into(),
            due: vec![Due { step: 0, at: 200 }],
            lazy: true,
        };
        let reminders = [series];
        let answer = Change {
            response: Some(("q1".into(), Some(no))),
        };
        let unanswer = Change {
            response: Some(("q1".into(), None)),
        };
        let mut statements = run_by_a_press(take);
        for change in [&answer, &unanswer] {
            let save = Save {
                audit_id: 3,
                expected_revision: 4,
                change,
                position: Position {
                    current_question_id: Some("q2"),
                    status: Status::InProgress,
                },
                reminders: &reminders,
                notify: &[],
                t: 100,
            };
            statements.extend(run_by_a_press(save.batch()));
        }

        assert!(statements.iter().any(|s| s.contains("INSERT INTO answers")));
        for sql in statements {
            let mut explain = conn.prepare(&format!("EXPLAIN {sql}")).expect(&sql);
            // Unbound parameters are NULL: the program is the same.
            let mut rows = explain.raw_query();
            let mut ops: Vec<String> = Vec::new();
            while let Some(row) = rows.next().expect("explain") {
                ops.push(row.get(1).expect("opcode"));
            }
            assert!(
                !ops.iter().any(|op| op == "OpenEphemeral"),
                "a temporary b-tree in {sql}"
            );
        }
    }
}
