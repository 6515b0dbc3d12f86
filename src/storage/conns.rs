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
//! is opened in its place when next needed. On PostgreSQL an idle one is
//! still pinged before it is used again, as sqlx's pool does, so a server
//! restart costs no press an error; the ping on release is what is saved.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use sqlx::{ConnectOptions, Connection, Database};
use tokio::sync::{Semaphore, SemaphorePermit};

pub(crate) struct Conns<DB: Database> {
    idle: Mutex<Vec<DB::Connection>>,
    /// One permit a connection: at most this many open at once.
    slots: Semaphore,
    options: <DB::Connection as Connection>::Options,
    /// `false`: every connection is closed after its use (the PostgreSQL
    /// tests, hundreds of databases on one server).
    keep: bool,
    /// Ping an idle connection before it is used again: a server's socket
    /// can have gone (PostgreSQL restarted), a file cannot.
    test_before_reuse: bool,
}

impl<DB: Database> Conns<DB> {
    pub(crate) fn new(
        options: <DB::Connection as Connection>::Options,
        max: usize,
        keep: bool,
        test_before_reuse: bool,
    ) -> Self {
        Conns {
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(max),
            options,
            keep,
            test_before_reuse,
        }
    }

    /// A connection: an idle one, or a new one while fewer than the
    /// maximum are open; otherwise waits for one to be given back.
    pub(crate) async fn get(&self) -> Result<Conn<'_, DB>, sqlx::Error> {
        let permit = self
            .slots
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let mut idle = self.lock().pop();
        if self.test_before_reuse {
            if let Some(conn) = idle.as_mut() {
                if let Err(e) = conn.ping().await {
                    log::info!("a database connection was lost ({e}); opening another");
                    idle = None;
                }
            }
        }
        let conn = match idle {
            Some(conn) => conn,
            None => self.options.connect().await?,
        };
        Ok(Conn {
            conns: self,
            conn: Some(conn),
            _permit: permit,
        })
    }

    /// Closes the idle connections; a later [`Conns::get`] fails.
    pub(crate) async fn close(&self) {
        self.slots.close();
        let idle = std::mem::take(&mut *self.lock());
        for conn in idle {
            conn.close().await.ok();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<DB::Connection>> {
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
}

impl<DB: Database> Conn<'_, DB> {
    /// Gives the connection back for the next use: call it once the use
    /// has ended cleanly (its transaction committed or rolled back).
    pub(crate) fn done(mut self) {
        if let Some(conn) = self.conn.take() {
            if self.conns.keep && !self.conns.slots.is_closed() {
                self.conns.lock().push(conn);
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
        Conns::new(options, max, keep, false)
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
}
