//! SQLite on the calling thread, for the two writes every update makes:
//! the take and the save. sqlx runs each SQLite connection on a thread of
//! its own and hands every command to it and its result back, so each of
//! those writes woke two threads; with the load on the same two cores,
//! the switches of sqlx's connection threads were half of all the bot's
//! (see README «Speed»). Here the same statements — the texts in `sql/`,
//! their `$N` bound by name — run where the update is handled.
//!
//! Nothing here waits. The connection has no busy timeout: when another
//! process holds the database's write lock (a second instance on the same
//! file), beginning the write fails at once with [`Outcome::Busy`] and the
//! caller runs the same statements through sqlx, whose connection thread
//! does the waiting. Writes of this process meet no lock here: they take
//! their turn before they come (`Store::writing`). What the statements
//! then cost is their CPU, tens of microseconds, as any handler's work
//! does; the commit does not flush (synchronous=NORMAL), the shared WAL
//! flush does (`walsync`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{Arg, Fields, Result, StorageError};

/// One connection, used by one write at a time.
pub(super) struct Direct {
    path: PathBuf,
    /// `None` after a failure left it in doubt; opened again when next
    /// used.
    conn: Mutex<Option<Connection>>,
    /// Writes left to sqlx because another process held the lock.
    busy: std::sync::atomic::AtomicU64,
}

/// How [`Direct::write`] ended.
pub(super) enum Outcome {
    /// Committed; the rows of each statement, in order.
    Committed(Vec<Vec<Row>>),
    /// The check said stop: rolled back, nothing written.
    Stopped,
    /// Another process holds the write lock: nothing was run.
    Busy,
}

/// What [`Direct::write`] does after a statement, as its caller says.
pub(super) enum Next {
    /// The next statement.
    Go,
    /// Leaves out the next `n` statements (their rows: none).
    Skip(usize),
    /// Nothing is written: rolled back.
    Stop,
}

/// A row read here: its values by column name.
pub(super) struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Direct {
    /// For the database file at `path`, which exists (the migrations ran).
    pub(super) fn open(path: &Path) -> Result<Self> {
        let direct = Self {
            path: path.to_path_buf(),
            conn: Mutex::new(None),
            busy: Default::default(),
        };
        // Opened now, so that a file it cannot use fails the start, not a
        // press.
        let conn = direct.connect()?;
        *direct.lock() = Some(conn);
        Ok(direct)
    }

    fn connect(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::ZERO)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Every statement of the take and the save stays prepared, and
        // BEGIN and COMMIT.
        conn.set_prepared_statement_cache_capacity(48);
        Ok(conn)
    }

    /// How many writes were left to sqlx because another process held
    /// the lock.
    #[cfg(test)]
    pub(super) fn busy_count(&self) -> u64 {
        self.busy.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Connection>> {
        // A panic while it was held can only have left the connection in a
        // transaction, which `write` finds and closes.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `statements` in order in one IMMEDIATE transaction and commits
    /// it; `go_on`, shown each statement's rows as they come, says what
    /// next (see [`Next`]). An error rolls everything back.
    pub(super) fn write(
        &self,
        statements: &[(String, Vec<Arg<'_>>)],
        mut go_on: impl FnMut(usize, &[Row]) -> Next,
    ) -> Result<Outcome> {
        let mut slot = self.lock();
        let conn = match slot.take() {
            Some(conn) => conn,
            None => self.connect()?,
        };
        match run(&conn, "BEGIN IMMEDIATE") {
            Err(e) if is_busy(&e) => {
                *slot = Some(conn);
                self.busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(Outcome::Busy);
            }
            Err(e) => return Err(e.into()),
            Ok(()) => {}
        }
        let ran = run_all(&conn, statements, &mut go_on);
        let outcome = match ran {
            Ok(Some(rows)) => run(&conn, "COMMIT").map(|()| Outcome::Committed(rows)),
            Ok(None) => Ok(Outcome::Stopped),
            Err(e) => Err(e),
        };
        if !conn.is_autocommit() {
            // Stopped, failed, or a COMMIT that failed: nothing of it stays.
            let _ = conn.execute_batch("ROLLBACK");
        }
        // Kept only if no transaction is left open on it.
        if conn.is_autocommit() {
            *slot = Some(conn);
        }
        Ok(outcome?)
    }
}

/// Runs `sql`, a statement that returns no rows, prepared once: `BEGIN` and
/// `COMMIT` come with every write, and preparing them again each time cost
/// as much as a tenth of running them.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Every statement's rows (none for one left out); `None` where `go_on`
/// said stop.
fn run_all(
    conn: &Connection,
    statements: &[(String, Vec<Arg<'_>>)],
    go_on: &mut impl FnMut(usize, &[Row]) -> Next,
) -> rusqlite::Result<Option<Vec<Vec<Row>>>> {
    let mut all = Vec::with_capacity(statements.len());
    while let Some((sql, args)) = statements.get(all.len()) {
        let rows = query(conn, sql, args)?;
        let next = go_on(all.len(), &rows);
        all.push(rows);
        match next {
            Next::Go => {}
            Next::Skip(n) => {
                let n = n.min(statements.len() - all.len());
                all.extend((0..n).map(|_| Vec::new()));
            }
            Next::Stop => return Ok(None),
        }
    }
    Ok(Some(all))
}

/// The names `$1`, `$2`… the statements in `sql/` number their arguments
/// with.
const PLACEHOLDERS: [&str; 16] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16",
];

fn query(conn: &Connection, sql: &str, args: &[Arg<'_>]) -> rusqlite::Result<Vec<Row>> {
    let mut statement = conn.prepare_cached(sql)?;
    for (n, arg) in args.iter().enumerate() {
        let name = match PLACEHOLDERS.get(n) {
            Some(name) => std::borrow::Cow::Borrowed(*name),
            None => std::borrow::Cow::Owned(format!("${}", n + 1)),
        };
        // SQLite numbers a statement's parameters in the order they first
        // appear, not by their names: found by name.
        let Some(index) = statement.parameter_index(&name)? else {
            continue;
        };
        match *arg {
            Arg::Int(v) => statement.raw_bind_parameter(index, v)?,
            Arg::Text(v) => statement.raw_bind_parameter(index, v)?,
            Arg::OptText(v) => statement.raw_bind_parameter(index, v)?,
            Arg::OptInt(v) => statement.raw_bind_parameter(index, v)?,
            Arg::Bool(v) => statement.raw_bind_parameter(index, v)?,
        }
    }
    let columns: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(String::from)
        .collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut cursor = statement.raw_query();
    while let Some(row) = cursor.next()? {
        let values = (0..width)
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<_>>()?;
        rows.push(Row {
            columns: Arc::clone(&columns),
            values,
        });
    }
    Ok(rows)
}

impl Row {
    fn value(&self, column: &str) -> Result<&Value> {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StorageError::Corrupt(format!("no column {column}")))
    }
}

fn mistyped(column: &str, value: &Value) -> StorageError {
    StorageError::Corrupt(format!("column {column}: {:?}", value.data_type()))
}

impl Fields for Row {
    fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    fn int(&self, column: &str) -> Result<i64> {
        self.opt_int(column)?
            .ok_or_else(|| StorageError::Corrupt(format!("column {column}: NULL")))
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Integer(v) => Ok(Some(*v)),
            other => Err(mistyped(column, other)),
        }
    }

    fn text(&self, column: &str) -> Result<String> {
        self.opt_text(column)?
            .ok_or_else(|| StorageError::Corrupt(format!("column {column}: NULL")))
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            other => Err(mistyped(column, other)),
        }
    }

    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.int(column)? != 0)
    }
}
