//! The connections the statements of every update run on: the take, the
//! audit's read and the save. sqlx's pool tests a connection each time it
//! is given back — on SQLite a round trip to the connection's thread, on
//! PostgreSQL one to the server — from a task it spawns for that. A press
//! uses three connections one after the other, so that was three more round
//! trips and three more tasks than the work needs. These are kept here
//! instead, and given back by [`Conn::done`] at once, untested: only a
//! connection whose use ended cleanly is. One dropped without it — after an
//! error, or a future cancelled half way — is closed, never reused, so no
//! half-done transaction or unread result reaches the next user; a new one
//! is opened in its place when next needed. On PostgreSQL one idle for
//! longer than half a second is pinged before it is used again, as sqlx's
//! pool pings every one, so a server restart costs no press an error; one
//! given back less than that ago is used without (as HikariCP's pool does):
//! under load that is every one, and a ping is a round trip to the server
//! each time a press's statements start. A server restarted within that
//! half second fails the statement instead: [`Conn::lost_unpinged`] tells
//! the caller it may run it once more on [`Conns::get_new`].

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection, Database};
use tokio::sync::{Semaphore, SemaphorePermit};

pub(crate) struct Conns<DB: Database> {
    /// With when each was given back.
    idle: Mutex<Vec<(DB::Connection, Instant)>>,
    /// One permit a connection: at most this many open at once.
    slots: Semaphore,
    options: <DB::Connection as Connection>::Options,
    /// `false`: every connection is closed after its use (the PostgreSQL
    /// tests, hundreds of databases on one server).
    keep: bool,
    /// Ping a connection idle for longer than this before it is used
    /// again: a server's socket can have gone (PostgreSQL restarted), a
    /// file cannot (`None`).
    test_idle_for: Option<Duration>,
}

/// How long a connection given back is used again without a ping first
/// (on a backend that pings).
pub(crate) const USED_WITHOUT_PING: Duration = Duration::from_millis(500);

impl<DB: Database> Conns<DB> {
    pub(crate) fn new(
        options: <DB::Connection as Connection>::Options,
        max: usize,
        keep: bool,
        test_idle_for: Option<Duration>,
    ) -> Self {
        Conns {
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(max),
            options,
            keep,
            test_idle_for,
        }
    }

    /// A connection: an idle one, or a new one while fewer than the
    /// maximum are open; otherwise waits for one to be given back.
    pub(crate) async fn get(&self) -> Result<Conn<'_, DB>, sqlx::Error> {
        let permit = self.slot().await?;
        let mut idle = self.lock().pop();
        let mut unpinged = false;
        if let (Some(after), Some((conn, since))) = (self.test_idle_for, idle.as_mut()) {
            if since.elapsed() <= after {
                unpinged = true;
            } else if let Err(e) = conn.ping().await {
                log::info!("a database connection was lost ({e}); opening another");
                idle = None;
            }
        }
        let conn = match idle {
            Some((conn, _)) => conn,
            None => self.options.connect().await?,
        };
        Ok(Conn {
            conns: self,
            conn: Some(conn),
            _permit: permit,
            unpinged,
        })
    }

    /// A new connection, for a statement whose connection was found lost
    /// (see [`Conn::lost_unpinged`]). The idle ones were given back about
    /// when it was and went with the same server: they are closed too.
    pub(crate) async fn get_new(&self) -> Result<Conn<'_, DB>, sqlx::Error> {
        let permit = self.slot().await?;
        drop(std::mem::take(&mut *self.lock()));
        Ok(Conn {
            conns: self,
            conn: Some(self.options.connect().await?),
            _permit: permit,
            unpinged: false,
        })
    }

    /// One of the `max` places; fails once closed.
    async fn slot(&self) -> Result<SemaphorePermit<'_>, sqlx::Error> {
        self.slots
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)
    }

    /// Closes the idle connections; a later [`Conns::get`] fails.
    pub(crate) async fn close(&self) {
        self.slots.close();
        let idle = std::mem::take(&mut *self.lock());
        for (conn, _) in idle {
            conn.close().await.ok();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(DB::Connection, Instant)>> {
        // The list is only pushed to and popped from: a panic elsewhere
        // while it was locked cannot have left it half changed.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    pub(crate) fn idle_count(&self) -> usize {
        self.lock().len()
    }
}

/// A connection in use; dereferences to the backend's connection.
pub(crate) struct Conn<'a, DB: Database> {
    conns: &'a Conns<DB>,
    conn: Option<DB::Connection>,
    _permit: SemaphorePermit<'a>,
    /// Used again without a ping: a lost connection shows as its first
    /// statement's error.
    unpinged: bool,
}

impl<DB: Database> Conn<'_, DB> {
    /// Whether `e`, the error of this connection's first statement, says
    /// the connection was lost before it (the server restarted, or ended
    /// it), on one used again without a ping. The statement may then be
    /// run once more on [`Conns::get_new`] if running it twice changes
    /// nothing: the server may have done it before the connection went.
    pub(crate) fn lost_unpinged(&self, e: &sqlx::Error) -> bool {
        self.unpinged
            && match e {
                sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
                // SQLSTATE class 08, connection exception; 57P01–57P03,
                // the server shutting down or ending the connection.
                sqlx::Error::Database(e) => e
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
    }

    /// Gives the connection back for the next use: call it once the use
    /// has ended cleanly (its transaction committed or rolled back).
    pub(crate) fn done(mut self) {
        if let Some(conn) = self.conn.take() {
            if self.conns.keep && !self.conns.slots.is_closed() {
                self.conns.lock().push((conn, Instant::now()));
            }
        }
    }
}

impl<DB: Database> Deref for Conn<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        self.conn.as_ref().expect("a connection until done")
    }
}

impl<DB: Database> DerefMut for Conn<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        self.conn.as_mut().expect("a connection until done")
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sqlx::Sqlite;

    use super::*;

    async fn conns(dir: &tempfile::TempDir, max: usize, keep: bool) -> Conns<Sqlite> {
        let path = dir.path().join("c.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        Conns::new(options, max, keep, None)
    }

    /// Marks a connection by a setting SQLite keeps per connection.
    async fn mark(conn: &mut sqlx::SqliteConnection, value: i64) {
        sqlx::query(&format!("PRAGMA cache_size = {}", -1000 - value))
            .execute(&mut *conn)
            .await
            .unwrap();
    }

    async fn cache_size(conn: &mut sqlx::SqliteConnection) -> i64 {
        sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_connection_given_back_is_the_next_one_used() {
        let dir = tempfile::tempdir().unwrap();
        let conns = conns(&dir, 2, true).await;
        let mut conn = conns.get().await.unwrap();
        mark(&mut conn, 7).await;
        conn.done();
        assert_eq!(conns.idle_count(), 1);
        let mut again = conns.get().await.unwrap();
        assert_eq!(cache_size(&mut again).await, -1007, "the same connection");
    }

    #[tokio::test]
    async fn a_connection_dropped_mid_transaction_is_closed_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let conns = conns(&dir, 1, true).await;
        let mut conn = conns.get().await.unwrap();
        mark(&mut conn, 3).await;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(conns.idle_count(), 0);

        let mut fresh = conns.get().await.unwrap();
        assert_ne!(cache_size(&mut fresh).await, -1003, "a new connection");
        // The old one's transaction went with it: the table was never
        // committed, and the write lock is free.
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *fresh)
            .await
            .unwrap();
        let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut *fresh)
            .await
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[tokio::test]
    async fn no_more_than_the_maximum_are_open_and_a_closed_set_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let conns = conns(&dir, 1, true).await;
        let held = conns.get().await.unwrap();
        let waiting = conns.get();
        tokio::pin!(waiting);
        assert!(
            futures_util::poll!(waiting.as_mut()).is_pending(),
            "a second connection while the only one is held"
        );
        held.done();
        let conn = waiting.await.unwrap();
        conn.done();

        conns.close().await;
        assert_eq!(conns.idle_count(), 0);
        assert!(matches!(conns.get().await, Err(sqlx::Error::PoolClosed)));
    }

    #[tokio::test]
    async fn without_keep_a_connection_is_closed_after_its_use() {
        let dir = tempfile::tempdir().unwrap();
        let conns = conns(&dir, 1, false).await;
        conns.get().await.unwrap().done();
        assert_eq!(conns.idle_count(), 0);
    }

    /// A connection whose server process went away while it was idle, as
    /// when PostgreSQL restarts.
    mod postgres {
        use sqlx::postgres::PgConnectOptions;
        use sqlx::{Connection as _, PgConnection, Postgres};

        use super::*;

        async fn lost_idle_connection(test_idle_for: Duration) -> Conns<Postgres> {
            let url = crate::storage::testdb::fresh_postgres_database().await;
            let options = PgConnectOptions::from_str(&url).unwrap();
            let conns: Conns<Postgres> = Conns::new(options, 1, true, Some(test_idle_for));
            let mut conn = conns.get().await.unwrap();
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            conn.done();
            let mut admin = PgConnection::connect(&url).await.unwrap();
            let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 5000)")
                .bind(pid)
                .fetch_one(&mut admin)
                .await
                .unwrap();
            assert!(ended);
            conns
        }

        async fn works(conn: &mut PgConnection) -> bool {
            sqlx::query("SELECT 1").execute(conn).await.is_ok()
        }

        #[tokio::test]
        #[ignore = "needs PostgreSQL: TEST_POSTGRES_URL (.ci/run starts one)"]
        async fn one_idle_longer_than_the_window_is_pinged_and_replaced_when_lost() {
            let conns = lost_idle_connection(Duration::ZERO).await;
            let mut conn = conns.get().await.unwrap();
            assert!(
                works(&mut conn).await,
                "a new connection in the lost one's place"
            );
        }

        #[tokio::test]
        #[ignore = "needs PostgreSQL: TEST_POSTGRES_URL (.ci/run starts one)"]
        async fn one_given_back_within_the_window_is_used_unpinged_and_closed_when_it_fails() {
            let conns = lost_idle_connection(Duration::from_secs(3600)).await;
            let mut conn = conns.get().await.unwrap();
            assert!(!works(&mut conn).await, "the lost connection, not pinged");
            // Its use failed: dropped without `done`, it is not kept.
            drop(conn);
            assert_eq!(conns.idle_count(), 0);
            let mut next = conns.get().await.unwrap();
            assert!(works(&mut next).await);
        }
    }
}
