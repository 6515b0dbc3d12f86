//! Calls made at the same moment, run together: one run of a [`Group`] takes
//! every call waiting and answers each. PostgreSQL's takes go through one
//! (`sql/inbox.rs`): under load several presses' takes become one statement
//! — one round trip, one plan, one commit for them all — and a take made
//! alone still runs at once, by itself.
//!
//! Up to `runs` runs are under way at a time (as many as there are
//! connections for them): a call that finds one free starts a run at once;
//! calls that find none wait and go together in the next run to start. The
//! runs are tasks of their own, so a caller that stops waiting (its
//! update's handling dropped) leaves the others' calls running.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

/// Calls of `Q` answered with `A`, run by `run` up to `most` at a time in
/// up to `runs` runs at once.
pub(super) struct Group<Q, A, F> {
    queue: Mutex<Queue<Q, A>>,
    run: F,
    most: usize,
    runs: usize,
}

struct Queue<Q, A> {
    waiting: Vec<(Q, oneshot::Sender<A>)>,
    /// Tasks taking calls from `waiting`.
    running: usize,
}

impl<Q, A, F, Fut> Group<Q, A, F>
where
    Q: Send + 'static,
    A: Send + 'static,
    F: Fn(Vec<Q>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<A>> + Send,
{
    /// `run` gets the calls of one run in the order they came and returns
    /// their answers in that order.
    pub(super) fn new(runs: usize, most: usize, run: F) -> Arc<Self> {
        Arc::new(Group {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                running: 0,
            }),
            run,
            most: most.max(1),
            runs: runs.max(1),
        })
    }

    /// Runs `call` with whatever others wait with it; `None` if its run
    /// ended without an answer for it (the run panicked, or returned fewer
    /// answers than calls).
    pub(super) async fn call(self: &Arc<Self>, call: Q) -> Option<A> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut queue = self.lock();
            queue.waiting.push((call, tx));
            let start = queue.running < self.runs;
            if start {
                queue.running += 1;
            }
            start
        };
        if start {
            let group = self.clone();
            tokio::spawn(async move { group.drain().await });
        }
        rx.await.ok()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<Q, A>> {
        // The queue is consistent at every point a panic could leave it.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs the waiting calls, `most` at a time, until none wait.
    async fn drain(self: Arc<Self>) {
        // Should a run panic, or its task be dropped (its runtime shutting
        // down), the task is no longer counted; if it was the last, the
        // calls waiting are answered `None` (their senders dropped) rather
        // than left waiting. The next call starts a new task.
        struct Running<'a, Q, A, F> {
            group: &'a Group<Q, A, F>,
            done: bool,
        }
        impl<Q, A, F> Drop for Running<'_, Q, A, F> {
            fn drop(&mut self) {
                if !self.done {
                    let mut queue = self
                        .group
                        .queue
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    queue.running -= 1;
                    if queue.running == 0 {
                        queue.waiting.clear();
                    }
                }
            }
        }
        let mut running = Running {
            group: &self,
            done: false,
        };
        loop {
            let batch: Vec<_> = {
                let mut queue = self.lock();
                if queue.waiting.is_empty() {
                    queue.running -= 1;
                    running.done = true;
                    return;
                }
                let n = queue.waiting.len().min(self.most);
                queue.waiting.drain(..n).collect()
            };
            let (calls, replies): (Vec<Q>, Vec<_>) = batch.into_iter().unzip();
            let answers = (self.run)(calls).await;
            for (reply, answer) in replies.into_iter().zip(answers) {
                // A caller that stopped waiting needs no answer.
                let _ = reply.send(answer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_call_alone_runs_by_itself() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let group = Group::new(1, 8, move |calls: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { calls.into_iter().map(|c| c * 10).collect() }
        });
        assert_eq!(group.call(1).await, Some(10));
        assert_eq!(group.call(2).await, Some(20));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn calls_made_during_a_run_go_together_in_the_next_each_with_its_own_answer() {
        let (open_tx, open_rx) = tokio::sync::watch::channel(false);
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let group = Group::new(1, 3, move |calls: Vec<u32>| {
            seen.lock().unwrap().push(calls.len());
            let mut open = open_rx.clone();
            async move {
                // The first run waits until every other call is queued.
                let _ = open.wait_for(|o| *o).await;
                calls.into_iter().map(|c| c + 100).collect()
            }
        });
        let first = tokio::spawn({
            let group = group.clone();
            async move { group.call(0).await }
        });
        // Wait until the first run has begun, then queue five more.
        while sizes.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        let rest: Vec<_> = (1..=5)
            .map(|c| {
                let group = group.clone();
                tokio::spawn(async move { group.call(c).await })
            })
            .collect();
        while group.lock().waiting.len() < 5 {
            tokio::task::yield_now().await;
        }
        open_tx.send(true).unwrap();
        assert_eq!(first.await.unwrap(), Some(100));
        for (c, task) in (1..=5).zip(rest) {
            assert_eq!(task.await.unwrap(), Some(c + 100));
        }
        // One alone, then the five waiting in runs of at most three.
        assert_eq!(*sizes.lock().unwrap(), vec![1, 3, 2]);
        assert_eq!(group.lock().running, 0);
    }

    #[tokio::test]
    async fn a_call_that_finds_a_run_free_starts_one_beside_the_one_under_way() {
        let (open_tx, open_rx) = tokio::sync::watch::channel(false);
        let started = Arc::new(AtomicUsize::new(0));
        let counted = started.clone();
        let group = Group::new(2, 8, move |calls: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut open = open_rx.clone();
            async move {
                let _ = open.wait_for(|o| *o).await;
                calls
            }
        });
        let call = |c| {
            let group = group.clone();
            tokio::spawn(async move { group.call(c).await })
        };
        let first = call(1);
        while started.load(Ordering::SeqCst) < 1 {
            tokio::task::yield_now().await;
        }
        // The second runs beside the first, not waiting for it to end.
        let second = call(2);
        let beside = async {
            while started.load(Ordering::SeqCst) < 2 {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), beside)
            .await
            .expect("the second call's run started while the first's was under way");
        // A third finds no run free: it waits.
        let third = call(3);
        while group.lock().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(started.load(Ordering::SeqCst), 2);
        open_tx.send(true).unwrap();
        assert_eq!(first.await.unwrap(), Some(1));
        assert_eq!(second.await.unwrap(), Some(2));
        assert_eq!(third.await.unwrap(), Some(3));
        assert_eq!(started.load(Ordering::SeqCst), 3);
        assert_eq!(group.lock().running, 0);
    }

    #[tokio::test]
    async fn a_run_that_panics_leaves_its_callers_without_answer_and_the_next_call_runs() {
        let group = Group::new(1, 4, |calls: Vec<u32>| async move {
            assert!(calls[0] != 0, "the test's panic");
            calls
        });
        assert_eq!(group.call(0).await, None);
        assert_eq!(group.call(7).await, Some(7));
    }
}
