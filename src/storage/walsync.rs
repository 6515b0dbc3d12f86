//! Group commit for SQLite's saves. A save commits with synchronous=NORMAL
//! — its pages reach the WAL file, not yet the disk — and then waits here
//! until the WAL file is flushed past its commit. One flush (fsync of the
//! WAL file) covers every save committed before it began, so saves that
//! commit while one flush runs share the next; and no save holds the write
//! turn while the disk works, so the next one commits meanwhile. With one
//! fsync inside every COMMIT, as synchronous=FULL does, the turn was held
//! for the disk's time each press and that capped presses a second.
//!
//! Flushing the WAL file is what a FULL commit does at its end; fsync
//! flushes a file's data whichever descriptor asks. The file is opened
//! afresh for each flush: SQLite deletes the WAL file when its last
//! connection closes (after checkpointing everything in it into the
//! database file and flushing that), and a new one may stand there by the
//! next flush. A WAL file that is not there holds nothing unflushed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The commits made without flushing, and how far the WAL file is flushed.
pub(super) struct WalSync {
    /// The WAL file; `None` for a database in memory (nothing to flush).
    wal: Option<PathBuf>,
    /// Unflushed commits so far, numbered from 1.
    committed: AtomicU64,
    /// Every commit up to this number is on disk.
    flushed: AtomicU64,
    /// Flushes one at a time: a save that waited for the one before finds
    /// its commit flushed by it, or flushes for all that came meanwhile.
    turn: tokio::sync::Mutex<()>,
    /// Flushes done (for tests).
    flushes: AtomicU64,
}

impl WalSync {
    /// For the database file `database`; an empty path is in memory.
    pub(super) fn new(database: &std::path::Path) -> Self {
        let name = database.as_os_str();
        let wal = (!name.is_empty() && !name.to_string_lossy().starts_with("file:")).then(|| {
            let mut wal = name.to_os_string();
            wal.push("-wal");
            PathBuf::from(wal)
        });
        Self {
            wal,
            committed: AtomicU64::new(0),
            flushed: AtomicU64::new(0),
            turn: tokio::sync::Mutex::new(()),
            flushes: AtomicU64::new(0),
        }
    }

    /// Whether the database is a file (not in memory).
    pub(super) fn is_file(&self) -> bool {
        self.wal.is_some()
    }

    /// Counts a commit that has just returned, unflushed; the ticket for
    /// [`WalSync::flushed_through`].
    pub(super) fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Returns once the commit of `ticket` is on disk.
    pub(super) async fn flushed_through(&self, ticket: u64) -> std::io::Result<()> {
        if self.flushed.load(Ordering::Acquire) >= ticket {
            return Ok(());
        }
        let _turn = self.turn.lock().await;
        if self.flushed.load(Ordering::Acquire) >= ticket {
            return Ok(());
        }
        // Every commit counted by now has written its pages: this flush
        // covers them all.
        let upto = self.committed.load(Ordering::Acquire);
        if let Some(wal) = self.wal.clone() {
            tokio::task::spawn_blocking(move || flush(&wal))
                .await
                .map_err(std::io::Error::other)??;
            self.flushes.fetch_add(1, Ordering::Relaxed);
        }
        self.flushed.fetch_max(upto, Ordering::AcqRel);
        Ok(())
    }

    #[cfg(test)]
    pub(super) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

/// Frames in the WAL file of the database file `database`: the pages
/// written to it since the last checkpoint (a 32-byte header, then a
/// 24-byte header and a 4 KB page a frame).
#[cfg(test)]
pub(super) fn wal_frames(database: &std::path::Path) -> u64 {
    let mut wal = database.as_os_str().to_os_string();
    wal.push("-wal");
    let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    len.saturating_sub(32) / (24 + 4096)
}

fn flush(wal: &std::path::Path) -> std::io::Result<()> {
    match std::fs::OpenOptions::new().read(true).write(true).open(wal) {
        Ok(file) => file.sync_all(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_is_flushed_once_and_a_later_one_again() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        std::fs::write(dir.path().join("a.db-wal"), b"frames").unwrap();
        let sync = WalSync::new(&db);

        let first = sync.committed();
        sync.flushed_through(first).await.unwrap();
        sync.flushed_through(first).await.unwrap();
        assert_eq!(sync.flushes(), 1, "a flushed commit needs no second flush");

        let second = sync.committed();
        sync.flushed_through(second).await.unwrap();
        assert_eq!(sync.flushes(), 2);
    }

    #[tokio::test]
    async fn commits_waiting_together_share_one_flush() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.db-wal"), b"frames").unwrap();
        let sync = std::sync::Arc::new(WalSync::new(&dir.path().join("b.db")));

        // Eight commits counted before any flush starts: the first flush
        // covers them all.
        let tickets: Vec<u64> = (0..8).map(|_| sync.committed()).collect();
        let waits = tickets.into_iter().map(|t| {
            let sync = sync.clone();
            tokio::spawn(async move { sync.flushed_through(t).await })
        });
        for wait in futures_util::future::join_all(waits).await {
            wait.unwrap().unwrap();
        }
        assert_eq!(sync.flushes(), 1);
    }

    #[tokio::test]
    async fn a_wal_file_that_is_gone_holds_nothing_to_flush() {
        let dir = tempfile::tempdir().unwrap();
        let sync = WalSync::new(&dir.path().join("c.db"));

        let ticket = sync.committed();
        sync.flushed_through(ticket).await.unwrap();
        sync.flushed_through(ticket).await.unwrap();
        assert_eq!(sync.flushes(), 1, "counted as flushed");
    }

    #[tokio::test]
    async fn a_wal_file_that_cannot_be_opened_fails_the_wait_and_flushes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the WAL file should be: opening it to write fails.
        std::fs::create_dir(dir.path().join("d.db-wal")).unwrap();
        let sync = WalSync::new(&dir.path().join("d.db"));

        let ticket = sync.committed();
        assert!(sync.flushed_through(ticket).await.is_err());
        assert!(
            sync.flushed_through(ticket).await.is_err(),
            "a failed flush does not count the commit as flushed"
        );
    }

    #[tokio::test]
    async fn a_database_in_memory_has_nothing_to_flush() {
        let sync = WalSync::new(std::path::Path::new(""));
        let ticket = sync.committed();
        sync.flushed_through(ticket).await.unwrap();
        assert_eq!(sync.flushes(), 0);
    }
}
