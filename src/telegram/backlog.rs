//! A bound on updates fetched but not yet started. teloxide's dispatcher
//! queues every update the listener hands it, per lane, in memory: 10,000
//! users pressing at once were 10,000 parsed updates held at the same time
//! (50 MB and more, kept by the allocator after). [`Bounded`] hands an
//! update on only while fewer than its backlog's size wait to be started;
//! the entry of the handler tree calls [`Backlog::started`] for each. Long
//! polling then asks for more only as handling catches up, and Telegram
//! keeps the rest. One that is never started (a handler that panicked)
//! would hold its place for good: so a place not freed within
//! [`GIVE_UP`] is taken anyway, and the bound is one of memory, never a
//! stall. In webhook mode Telegram posts at its own pace and each post is
//! answered once recorded: there the updates wait in the listener's channel
//! instead, and the bound only keeps the dispatcher's queues short.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{BoxStream, Stream, StreamExt};
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::Semaphore;

/// How long an update waits for a place before it is handed on anyway.
pub const GIVE_UP: Duration = Duration::from_secs(10);

pub struct Backlog {
    places: Semaphore,
    /// Updates handed on after [`GIVE_UP`] without a place, not started
    /// yet: their start frees none, or the bound would grow by one each.
    placeless: AtomicUsize,
}

impl Backlog {
    pub fn new(size: usize) -> Arc<Self> {
        Arc::new(Backlog {
            places: Semaphore::new(size),
            placeless: AtomicUsize::new(0),
        })
    }

    /// A handler started an update: its place is free. (Which update it
    /// was does not matter: as many places are freed as were taken.)
    pub fn started(&self) {
        let had_none = self
            .placeless
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if !had_none {
            self.places.add_permits(1);
        }
    }

    async fn admit(&self) {
        match tokio::time::timeout(GIVE_UP, self.places.acquire()).await {
            Ok(Ok(place)) => place.forget(),
            Ok(Err(_)) => {}
            Err(_) => {
                self.placeless.fetch_add(1, Ordering::AcqRel);
                log::warn!(
                    "no update was started for {}s; handing on the next one anyway",
                    GIVE_UP.as_secs()
                );
            }
        }
    }
}

/// `stream`'s updates, each handed on once it has a place in `backlog`;
/// errors pass at once.
pub fn bounded<'a, E: Send + 'a>(
    stream: impl Stream<Item = Result<Update, E>> + Send + 'a,
    backlog: Arc<Backlog>,
) -> BoxStream<'a, Result<Update, E>> {
    stream
        .then(move |item| {
            let backlog = backlog.clone();
            async move {
                if item.is_ok() {
                    backlog.admit().await;
                }
                item
            }
        })
        .boxed()
}

/// A listener whose updates go through [`bounded`].
pub struct Bounded<L> {
    inner: L,
    backlog: Arc<Backlog>,
}

impl<L> Bounded<L> {
    pub fn new(inner: L, backlog: Arc<Backlog>) -> Self {
        Bounded { inner, backlog }
    }
}

impl<L> UpdateListener for Bounded<L>
where
    L: UpdateListener,
    L::Err: Send + 'static,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}

impl<'a, L: AsUpdateStream<'a>> AsUpdateStream<'a> for Bounded<L>
where
    L::StreamErr: Send + 'a,
{
    type StreamErr = L::StreamErr;
    type Stream = BoxStream<'a, Result<Update, L::StreamErr>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let backlog = self.backlog.clone();
        bounded(self.inner.as_stream(), backlog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(id: u32) -> Update {
        serde_json::from_str(&format!(
            r#"{{"update_id": {id}, "message": {{"message_id": 1, "date": 0, "text": "hi",
                "chat": {{"id": 1, "type": "private", "first_name": "A"}},
                "from": {{"id": 1, "is_bot": false, "first_name": "A"}}}}}}"#
        ))
        .expect("an update")
    }

    fn ids(items: &[Result<Update, ()>]) -> Vec<u32> {
        items
            .iter()
            .filter_map(|u| u.as_ref().ok().map(|u| u.id.0))
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_updates_wait_than_the_backlog_holds_until_handlers_start_them() {
        let backlog = Backlog::new(2);
        let source = futures_util::stream::iter((1..=5).map(|id| Ok::<_, ()>(update(id))));
        let mut stream = bounded(source, backlog.clone());

        let mut got = Vec::new();
        got.push(stream.next().await.expect("1"));
        got.push(stream.next().await.expect("2"));
        let third = stream.next();
        tokio::pin!(third);
        assert!(futures_util::poll!(third.as_mut()).is_pending());
        assert_eq!(ids(&got), [1, 2]);

        backlog.started();
        got.push(third.await.expect("3"));
        backlog.started();
        got.push(stream.next().await.expect("4"));
        assert_eq!(ids(&got), [1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_pass_at_once_and_a_place_never_freed_is_taken_after_a_while() {
        let backlog = Backlog::new(1);
        let source = futures_util::stream::iter(vec![Ok(update(1)), Err(()), Ok(update(2))]);
        let mut stream = bounded(source, backlog.clone());

        assert_eq!(ids(&[stream.next().await.expect("1")]), [1]);
        assert!(stream.next().await.expect("the error").is_err());
        let started = tokio::time::Instant::now();
        let second = stream.next().await.expect("2");
        assert_eq!(ids(&[second]), [2]);
        assert!(started.elapsed() >= GIVE_UP, "{:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn an_update_handed_on_without_a_place_frees_none_when_started() {
        let backlog = Backlog::new(1);
        let source = futures_util::stream::iter((1..=4).map(|id| Ok::<_, ()>(update(id))));
        let mut stream = bounded(source, backlog.clone());
        let mut got = vec![stream.next().await.expect("1")];
        // 2 waits out GIVE_UP and comes without a place.
        got.push(stream.next().await.expect("2"));
        backlog.started();
        backlog.started();

        // Both started: one place is free again, not two.
        got.push(stream.next().await.expect("3"));
        let fourth = stream.next();
        tokio::pin!(fourth);
        assert!(futures_util::poll!(fourth.as_mut()).is_pending());
        assert_eq!(ids(&got), [1, 2, 3]);
        backlog.started();
        assert_eq!(ids(&[fourth.await.expect("4")]), [4]);
    }
}
