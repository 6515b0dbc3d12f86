//! Fresh databases for the storage tests, on either backend. Each SQLite
//! test gets a file in its own temp dir; each PostgreSQL test its own
//! database, created on the server `TEST_POSTGRES_URL` names (`.ci/run`
//! starts one). The PostgreSQL variants are `#[ignore]`d, so a plain `cargo
//! test` never reports them as passed; run with `--include-ignored` they
//! fail, not pass, when the variable or the server is missing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyPool, Connection};
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestBackend {
    Sqlite,
    /// SQLite with every write through sqlx's connections, as when another
    /// process holds the write lock (see `direct`).
    SqliteThroughSqlx,
    Postgres,
}

impl TestBackend {
    pub(crate) fn is_sqlite(self) -> bool {
        self != TestBackend::Postgres
    }
}

pub(crate) struct TestDb {
    _dir: TempDir,
    backend: TestBackend,
    /// The SQLite file (unused on PostgreSQL).
    pub path: PathBuf,
    pub url: String,
}

/// The server the PostgreSQL tests use; panics, failing the test, without it.
pub(crate) fn postgres_server_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("TEST_POSTGRES_URL is not set: a PostgreSQL test cannot run without a server")
    })
}

/// Creates an empty database on the test server; returns its URL.
pub(crate) async fn fresh_postgres_database() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let server = postgres_server_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("connecting to TEST_POSTGRES_URL: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
    admin.close().await.ok();
    let mut url = url::Url::parse(&server).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

impl TestDb {
    pub(crate) async fn new(backend: TestBackend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.db");
        let url = match backend {
            TestBackend::Sqlite | TestBackend::SqliteThroughSqlx => {
                format!("sqlite://{}", path.display())
            }
            TestBackend::Postgres => fresh_postgres_database().await,
        };
        TestDb {
            _dir: dir,
            backend,
            path,
            url,
        }
    }

    /// The storage on this database, as the bot opens it (for
    /// [`TestBackend::SqliteThroughSqlx`] without writes on the calling
    /// thread).
    pub(crate) async fn storage(&self) -> crate::storage::Storage {
        let storage = crate::storage::Storage::connect(&self.url)
            .await
            .expect("open the storage");
        match self.backend {
            TestBackend::SqliteThroughSqlx => storage.without_direct_writes(),
            _ => storage,
        }
    }

    /// A second, independent pool on the same database, for raw SQL — the
    /// way another process (or an operator's `sqlite3` / `psql`) sees it.
    /// Placeholders are `$1`, which both backends take.
    pub(crate) async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
            .expect("raw pool")
    }
}

/// Runs each named `async fn name(backend: TestBackend)` as three tests,
/// `sqlite::name`, `sqlite_through_sqlx::name` and `postgres::name`
/// (ignored unless asked for).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::storage::testdb::TestBackend::Sqlite).await
                }
            )*
        }
        mod sqlite_through_sqlx {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::storage::testdb::TestBackend::SqliteThroughSqlx).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: TEST_POSTGRES_URL (.ci/run starts one)"]
                async fn $name() {
                    super::$name($crate::storage::testdb::TestBackend::Postgres).await
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;
