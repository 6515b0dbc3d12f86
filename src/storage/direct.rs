//! SQLite on the calling thread, for the two writes every update makes:
//! the take and the save. sqlx runs each SQLite connection on a thread of
//! its own and hands every command to it and its result back, so each of
//! those writes woke two threads; with the load on the same two cores,
//! the switches of sqlx's connection threads were half of all the bot's
//! (see docs/speed.md). Here the same statements — the texts in `sql/`,
//! their `$N` bound by name — run where the update is handled, and the
//! writes that waited for one another run in one transaction (see
//! `Store::write_together`).
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

use super::{Arg, Fields, Result, Sql, StorageError};

/// One connection, used by one write at a time.
pub(super) struct Direct {
    path: PathBuf,
    /// `None` after a failure left it in doubt; opened again when next
    /// used.
    conn: Mutex<Option<Connection>>,
    /// Writes left to sqlx because another process held the lock.
    busy: std::sync::atomic::AtomicU64,
}

/// How a write of [`Direct::write`] ended.
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

    /// Runs each write's statements in order, all in one IMMEDIATE
    /// transaction, and commits it; a write's [`Rule`], shown each of its
    /// statements' rows as they come, says what next. Each write is
    /// answered on its own: with several, each runs inside a savepoint, so
    /// one that stops or fails is rolled back alone and the others still
    /// commit. A failed COMMIT fails every write it was to commit. `Err`
    /// only where the transaction could not begin.
    pub(super) fn write(&self, writes: &[Write<'_, '_>]) -> Result<Vec<Result<Outcome>>> {
        let mut slot = self.lock();
        let conn = match slot.take() {
            Some(conn) => conn,
            None => self.connect()?,
        };
        match run(&conn, "BEGIN IMMEDIATE") {
            Err(e) if is_busy(&e) => {
                *slot = Some(conn);
                self.busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(writes.iter().map(|_| Ok(Outcome::Busy)).collect());
            }
            Err(e) => return Err(e.into()),
            Ok(()) => {}
        }
        let alone = writes.len() == 1;
        let mut outcomes = Vec::with_capacity(writes.len());
        let mut broken = None;
        for write in writes {
            if let Some(e) = broken_by(&conn, (!alone).then_some("SAVEPOINT write")) {
                broken = Some(e);
                break;
            }
            let ran = run_all(&conn, write.statements, write.rule);
            let end = match ran {
                Ok(Some(_)) => "RELEASE write",
                Ok(None) | Err(_) => "ROLLBACK TO write; RELEASE write",
            };
            outcomes.push(match ran {
                Ok(Some(rows)) => Ok(Outcome::Committed(rows)),
                Ok(None) => Ok(Outcome::Stopped),
                Err(e) => Err(e.into()),
            });
            if let Some(e) = broken_by(&conn, (!alone).then_some(end)) {
                broken = Some(e);
                break;
            }
        }
        let any = outcomes
            .iter()
            .any(|o| matches!(o, Ok(Outcome::Committed(_))));
        let ended = match (&broken, any) {
            (None, true) => run(&conn, "COMMIT").map_err(StorageError::from),
            _ => Ok(()),
        };
        if !conn.is_autocommit() {
            // Stopped, failed, or a COMMIT that failed: nothing of it stays.
            let _ = run(&conn, "ROLLBACK");
        }
        // Kept only if no transaction is left open on it.
        if conn.is_autocommit() {
            *slot = Some(conn);
        }
        // What broke the transaction, or a failed COMMIT, fails every
        // write that was to be committed, and those never run.
        let Some(e) = broken.or(ended.err()) else {
            return Ok(outcomes);
        };
        let failed = writes.len() - outcomes.iter().filter(|o| o.is_err()).count();
        let mut shared = StorageError::shared(e, failed).into_iter();
        outcomes.resize_with(writes.len(), || Ok(Outcome::Busy));
        Ok(outcomes
            .into_iter()
            .map(|o| match o {
                Err(e) => Err(e),
                Ok(_) => Err(shared.next().unwrap_or(StorageError::Unfinished)),
            })
            .collect())
    }
}

/// One write of several in [`Direct::write`]: its statements and what to
/// do after each.
pub(super) struct Write<'s, 'a> {
    pub(super) statements: &'s [(Sql, Vec<Arg<'a>>)],
    pub(super) rule: &'s Rule,
}

/// What a write does after each of its statements (see [`Next`]), as
/// data, so that a write handed to another task to run carries it.
#[derive(Clone, Default)]
pub(super) struct Rule {
    /// Stop (a stale save: nothing written) when the first statement
    /// changed no row.
    pub(super) stop_unless_first_changed: bool,
    /// Groups left out where their check returns a row: the check's
    /// index, the group's length (see `Batch::push_unless`).
    pub(super) skips: Vec<(usize, usize)>,
}

impl Rule {
    /// After statement `i`, which returned `rows` and changed `changed`
    /// rows (if it writes).
    fn next(&self, i: usize, rows: &[Row], changed: u64) -> Next {
        if i == 0 && self.stop_unless_first_changed && changed == 0 {
            return Next::Stop;
        }
        match self.skips.iter().find(|(at, _)| *at == i) {
            Some(&(_, n)) if !rows.is_empty() => Next::Skip(n),
            _ => Next::Go,
        }
    }
}

/// Runs `sql` (statements without rows) unless `None`; the error if it
/// failed or left no transaction open.
fn broken_by(conn: &Connection, sql: Option<&str>) -> Option<StorageError> {
    let sql = sql?;
    let ran = sql.split("; ").try_for_each(|sql| run(conn, sql));
    match ran {
        Err(e) => Some(e.into()),
        Ok(()) if conn.is_autocommit() => Some(StorageError::Unfinished),
        Ok(()) => None,
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
    statements: &[(Sql, Vec<Arg<'_>>)],
    rule: &Rule,
) -> rusqlite::Result<Option<Vec<Vec<Row>>>> {
    let mut all = Vec::with_capacity(statements.len());
    while let Some((sql, args)) = statements.get(all.len()) {
        let rows = query(conn, sql, args)?;
        let next = rule.next(all.len(), &rows, conn.changes());
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
            Arg::Owned(ref v) => statement.raw_bind_parameter(index, v)?,
        }
    }
    // The columns' names are read at the first row: a write returns none,
    // and half the statements of a press are writes.
    let names = |statement: &rusqlite::Statement<'_>| -> Arc<[String]> {
        statement
            .column_names()
            .into_iter()
            .map(String::from)
            .collect()
    };
    let width = statement.column_count();
    let mut columns: Option<Arc<[String]>> = None;
    let mut rows = Vec::new();
    let mut cursor = statement.raw_query();
    while let Some(row) = cursor.next()? {
        let values = (0..width)
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<_>>()?;
        let columns = columns.get_or_insert_with(|| names(row.as_ref()));
        rows.push(Row {
            columns: Arc::clone(columns),
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
        Ok(self.opt_str(column)?.map(str::to_string))
    }

    fn opt_str(&self, column: &str) -> Result<Option<&str>> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v)),
            other => Err(mistyped(column, other)),
        }
    }

    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.int(column)? != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::walsync::wal_frames;
    use super::*;

    /// A file with table `t (x INTEGER PRIMARY KEY)`, in WAL mode, and its
    /// direct connection.
    fn file_with_a_table() -> (tempfile::TempDir, PathBuf, Direct, Connection) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        let own = Connection::open(&path).expect("open");
        own.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .expect("table");
        let direct = Direct::open(&path).expect("direct");
        (dir, path, direct, own)
    }

    fn insert(x: i64) -> (Sql, Vec<Arg<'static>>) {
        (
            "INSERT INTO t (x) VALUES ($1) RETURNING x".into(),
            vec![Arg::Int(x)],
        )
    }

    fn xs(conn: &Connection) -> Vec<i64> {
        let mut statement = conn.prepare("SELECT x FROM t ORDER BY x").expect("select");
        let rows = statement.query_map([], |r| r.get(0)).expect("rows");
        rows.collect::<rusqlite::Result<_>>().expect("xs")
    }

    #[test]
    fn writes_together_commit_once_and_one_that_stops_or_fails_writes_nothing_alone() {
        let (_dir, path, direct, own) = file_with_a_table();
        let go = Rule::default();
        let before = wal_frames(&path);
        let alone = [insert(10)];
        let outcomes = direct
            .write(&[Write {
                statements: &alone,
                rule: &go,
            }])
            .expect("begun");
        assert!(matches!(outcomes[..], [Ok(Outcome::Committed(_))]));
        let one_commit = wal_frames(&path) - before;
        assert!(one_commit > 0);

        let stale = Rule {
            stop_unless_first_changed: true,
            skips: Vec::new(),
        };
        let first = [insert(1)];
        // Changes no row first: stops before its 6.
        let stops = [
            ("UPDATE t SET x = x + 100 WHERE x < 0".into(), vec![]),
            insert(6),
        ];
        // Writes 7, then fails (10 is taken): its 7 goes with it.
        let fails = [insert(7), insert(10)];
        let last = [insert(2)];
        let writes = [
            (&first[..], &go),
            (&stops, &stale),
            (&fails, &go),
            (&last, &go),
        ];
        let writes: Vec<_> = writes
            .iter()
            .map(|&(statements, rule)| Write { statements, rule })
            .collect();
        let before = wal_frames(&path);

        let outcomes = direct.write(&writes).expect("begun");

        assert!(matches!(outcomes[0], Ok(Outcome::Committed(_))));
        assert!(matches!(outcomes[1], Ok(Outcome::Stopped)));
        assert!(matches!(outcomes[2], Err(StorageError::Sqlite(_))));
        assert!(matches!(outcomes[3], Ok(Outcome::Committed(_))));
        assert_eq!(xs(&own), [1, 2, 10]);
        assert_eq!(wal_frames(&path) - before, one_commit, "one commit");
    }
}
