//! The time the reminders go by: the system clock in the bot, a clock the
//! test moves in tests. Unix seconds, like the database.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
    /// Completes once `now() >= at`.
    fn sleep_until(&self, at: i64) -> Sleep<'_>;
}

/// The real time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }

    fn sleep_until(&self, at: i64) -> Sleep<'_> {
        Box::pin(async move {
            // Whole seconds: wake just after the second `at` begins.
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let target = Duration::from_secs(u64::try_from(at.max(0)).unwrap_or(0));
            if let Some(wait) = target.checked_sub(now) {
                tokio::time::sleep(wait).await;
            }
        })
    }
}

/// A clock that moves only when told to: [`ManualClock::set`].
pub struct ManualClock {
    now: tokio::sync::watch::Sender<i64>,
}

impl ManualClock {
    pub fn new(start: i64) -> Self {
        Self {
            now: tokio::sync::watch::channel(start).0,
        }
    }

    /// Moves the clock to `at` (never back) and wakes what was waiting.
    pub fn set(&self, at: i64) {
        self.now.send_if_modified(|now| {
            let moved = at > *now;
            *now = (*now).max(at);
            moved
        });
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now().saturating_add(by.as_secs() as i64));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: i64) -> Sleep<'_> {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock, which outlives this.
            let _ = rx.wait_for(|now| *now >= at).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_sleep_ends_when_the_clock_is_moved_past_it() {
        let clock = ManualClock::new(100);
        let sleep = clock.sleep_until(160);
        tokio::pin!(sleep);
        assert!(futures_poll(&mut sleep).await.is_none());
        clock.set(159);
        assert!(futures_poll(&mut sleep).await.is_none());
        clock.set(160);
        assert!(futures_poll(&mut sleep).await.is_some());
        // Never back.
        clock.set(10);
        assert_eq!(clock.now(), 160);
    }

    /// Polls once: `Some` if the future is done.
    async fn futures_poll<F: Future<Output = ()> + Unpin>(f: &mut F) -> Option<()> {
        tokio::select! {
            biased;
            () = f => Some(()),
            () = tokio::task::yield_now() => None,
        }
    }
}
