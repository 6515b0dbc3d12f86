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

/// A [`Batch`] of statements is sent one by one: PostgreSQL prepares one
/// statement at a time.
const ONE_COMMAND_BATCH: bool = false;

/// A press's take and its save are each one statement: its writes are
/// parts of a `WITH`, one round trip each instead of one a statement (and
/// a BEGIN and a COMMIT).
const ONE_COMMAND: OneCommand = OneCommand::With;

#[derive(Clone)]
pub(super) struct Store {
    pool: sqlx::Pool<Db>,
    /// For the statements of every update (see `conns`).
    conns: std::sync::Arc<super::conns::Conns<Db>>,
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
            4,
            keep_connections,
            Some(super::conns::USED_WITHOUT_PING),
        ));
        Ok(Self { pool, conns })
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
    fn write_directly(
        &self,
        _: &[(String, Vec<Arg<'_>>)],
        _: impl FnMut(usize, &[super::direct::Row]) -> bool,
    ) -> Result<Option<super::direct::Outcome>> {
        Ok(None)
    }

    pub(super) async fn close(&self) {
        self.conns.close().await;
        self.pool.close().await;
    }
}

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
