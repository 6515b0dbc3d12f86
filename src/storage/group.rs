//! Calls made at the same moment, run together: one run of a [`Group`] takes
//! every call waiting and answers each. On PostgreSQL the takes go through
//! one (`postgres::take_together`): under load several presses' takes
//! become one statement — one round trip, one plan, one commit for them
//! all. On SQLite every write of the take and the save does
//! (`sqlite::Store::write_together`): the writes that wait for the write
//! turn become one transaction. A call made alone still runs at once, by
//! itself.
//!
//! Up to `runs` runs are under way at a time (as many as there are
//! connections for them). A call that finds one free runs, in its own task,
//! itself and whatever waits; calls that find none wait. A run that ends
//! hands its place to the first call waiting, which runs next with the
//! others waiting behind it: no task of the group's own, and no hand-off a
//! call alone did not have. A run dropped part-way (its caller's handling
//! dropped, or a panic) answers the calls it took `None` and still hands its
//! place on.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

/// Calls of `Q` answered with `A`, up to `most` a run, in up to `runs`
/// runs at once. Each call brings the function that runs a group of calls
/// (the same for all); a run uses the one of the call it is made in.
pub(super) struct Group<Q, A> {
    queue: Mutex<Queue<Q, A>>,
    most: usize,
    runs: usize,
}

struct Queue<Q, A> {
    waiting: std::collections::VecDeque<(Q, oneshot::Sender<Reply<Q, A>>)>,
    /// Runs under way, or handed to a waiting call not yet woken.
    running: usize,
}

/// What a waiting call is woken with.
enum Reply<Q, A> {
    /// Its answer: another call's run ran it.
    Answer(A),
    /// A run's place, handed on: it runs next (its call given back).
    Run(Q),
}

impl<Q, A> Group<Q, A> {
    pub(super) fn new(runs: usize, most: usize) -> Self {
        Group {
            queue: Mutex::new(Queue {
                waiting: Default::default(),
                running: 0,
            }),
            most: most.max(1),
            runs: runs.max(1),
        }
    }

    /// Runs `call` with whatever others wait with it; `None` if its run
    /// ended without an answer for it (the run was dropped part-way, or
    /// returned fewer answers than calls). `run` gets the calls of one run
    /// in the order they came (this call first) and returns their answers
    /// in that order.
    pub(super) async fn call<Fut: Future<Output = Vec<A>>>(
        &self,
        call: Q,
        run: impl FnOnce(Vec<Q>) -> Fut,
    ) -> Option<A> {
        let queued = {
            let mut queue = self.lock();
            if queue.running < self.runs {
                queue.running += 1;
                Err(call)
            } else {
                let (tx, rx) = oneshot::channel();
                queue.waiting.push_back((call, tx));
                Ok(rx)
            }
        };
        let rx = match queued {
            Ok(rx) => rx,
            Err(call) => return self.run_with_waiting(call, run).await,
        };
        // Dropped while its call waits, a caller handed a place it had not
        // yet received hands it on, or the place would be lost for good.
        struct Waiting<'a, Q, A> {
            group: &'a Group<Q, A>,
            rx: oneshot::Receiver<Reply<Q, A>>,
        }
        impl<Q, A> Drop for Waiting<'_, Q, A> {
            fn drop(&mut self) {
                if let Ok(Reply::Run(_)) = self.rx.try_recv() {
                    self.group.hand_on();
                }
            }
        }
        let mut waiting = Waiting { group: self, rx };
        match (&mut waiting.rx).await {
            Ok(Reply::Answer(answer)) => Some(answer),
            Ok(Reply::Run(call)) => self.run_with_waiting(call, run).await,
            Err(_) => None,
        }
    }

    /// Runs `call` and up to `most - 1` calls waiting, in one of the
    /// `running` places, which it hands on when done (or dropped).
    async fn run_with_waiting<Fut: Future<Output = Vec<A>>>(
        &self,
        call: Q,
        run: impl FnOnce(Vec<Q>) -> Fut,
    ) -> Option<A> {
        /// Hands the place on when the run ends, however it ends.
        struct Place<'a, Q, A>(&'a Group<Q, A>);
        impl<Q, A> Drop for Place<'_, Q, A> {
            fn drop(&mut self) {
                self.0.hand_on();
            }
        }
        let _place = Place(self);
        let (mut calls, mut replies) = (vec![call], Vec::new());
        {
            let mut queue = self.lock();
            let n = queue.waiting.len().min(self.most - 1);
            for (call, reply) in queue.waiting.drain(..n) {
                calls.push(call);
                replies.push(reply);
            }
        }
        let mut answers = run(calls).await.into_iter();
        let own = answers.next();
        for (reply, answer) in replies.into_iter().zip(answers) {
            // A caller that stopped waiting needs no answer.
            let _ = reply.send(Reply::Answer(answer));
        }
        own
    }

    /// Calls waiting for a run.
    #[cfg(test)]
    pub(super) fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<Q, A>> {
        // The queue is consistent at every point a panic could leave it.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives a run's place to the first call waiting, or frees it.
    fn hand_on(&self) {
        let mut queue = self.lock();
        while let Some((call, tx)) = queue.waiting.pop_front() {
            match tx.send(Reply::Run(call)) {
                Ok(()) => return,
                // That caller stopped waiting: the next one.
                Err(_) => continue,
            }
        }
        queue.running -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A group whose calls all bring `run`.
    struct Bound<F> {
        group: Group<u32, u32>,
        run: F,
    }

    impl<F, Fut> Bound<F>
    where
        F: Fn(Vec<u32>) -> Fut,
        Fut: Future<Output = Vec<u32>>,
    {
        fn new(runs: usize, most: usize, run: F) -> Arc<Self> {
            Arc::new(Bound {
                group: Group::new(runs, most),
                run,
            })
        }

        async fn call(&self, call: u32) -> Option<u32> {
            self.group.call(call, &self.run).await
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Queue<u32, u32>> {
            self.group.lock()
        }
    }

    #[tokio::test]
    async fn a_call_alone_runs_by_itself() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let group = Bound::new(1, 8, move |calls: Vec<u32>| {
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
        let group = Bound::new(1, 3, move |calls: Vec<u32>| {
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
        let group = Bound::new(2, 8, move |calls: Vec<u32>| {
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
    async fn a_run_that_panics_answers_its_calls_none_and_hands_its_place_on() {
        let (open_tx, open_rx) = tokio::sync::watch::channel(false);
        let group = Bound::new(1, 2, move |calls: Vec<u32>| {
            let mut open = open_rx.clone();
            async move {
                let _ = open.wait_for(|o| *o).await;
                assert!(!calls.contains(&0), "the test's panic");
                calls
            }
        });
        let call = |c| {
            let group = group.clone();
            tokio::spawn(async move { group.call(c).await })
        };
        // 5 runs alone; 0, 1 and 2 wait behind it.
        let five = call(5);
        while group.lock().running == 0 {
            tokio::task::yield_now().await;
        }
        let (zero, one, two) = (call(0), call(1), call(2));
        while group.lock().waiting.len() < 3 {
            tokio::task::yield_now().await;
        }
        open_tx.send(true).unwrap();
        assert_eq!(five.await.unwrap(), Some(5));
        // 0 runs next with 1 and panics: 1 is left without an answer, and
        // 2 runs after them.
        assert!(zero.await.unwrap_err().is_panic());
        assert_eq!(one.await.unwrap(), None);
        assert_eq!(two.await.unwrap(), Some(2));
        assert_eq!(group.call(7).await, Some(7));
        assert_eq!(group.lock().running, 0);
    }

    #[tokio::test]
    async fn a_waiting_call_dropped_after_it_was_handed_a_place_hands_it_on() {
        use futures_util::FutureExt;
        let (open_tx, open_rx) = tokio::sync::watch::channel(false);
        let group = Bound::new(1, 1, move |calls: Vec<u32>| {
            let mut open = open_rx.clone();
            async move {
                let _ = open.wait_for(|o| *o).await;
                calls
            }
        });
        // 5 runs; 1 and 2 wait behind it.
        let mut five = Box::pin(group.call(5));
        assert!((&mut five).now_or_never().is_none());
        let mut one = Box::pin(group.call(1));
        assert!((&mut one).now_or_never().is_none());
        let mut two = Box::pin(group.call(2));
        assert!((&mut two).now_or_never().is_none());
        assert_eq!(group.lock().waiting.len(), 2);
        open_tx.send(true).unwrap();
        // 5's run hands its place to 1, whose caller is gone before it
        // sees it: 2 gets it.
        assert_eq!(five.await, Some(5));
        drop(one);
        let two = tokio::time::timeout(std::time::Duration::from_secs(10), two)
            .await
            .expect("2 was handed the place 1 was given when it went");
        assert_eq!(two, Some(2));
        assert_eq!(group.lock().running, 0);
    }
}
