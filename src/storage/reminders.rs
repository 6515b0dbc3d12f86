//! Reminders: planned as series, claimed one by one by a scheduler, marked
//! sent or cancelled. A claim is a single conditional UPDATE (whose rows
//! PostgreSQL picks with SKIP LOCKED), so two schedulers on one database
//! never take the same row. The SQL is in `sql/reminders.rs`.

use crate::domain::schedule::{Due, Kind};

/// The reminders one thing wants: an audit's unfinished-audit series, a
/// plan item's deadline series, a finished audit's repeat invitation.
/// Planning a series replaces what of it is still scheduled; a reminder
/// already sent with the same anchor and step is not planned again, one
/// cancelled is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderSeries {
    pub kind: Kind,
    pub user_id: i64,
    pub audit_id: i64,
    /// The plan item for [`Kind::Deadline`]; 0 otherwise.
    pub position: u32,
    pub anchor: String,
    /// Empty: the series is cancelled.
    pub due: Vec<Due>,
    /// Planned again with a new anchor while its first step is still
    /// scheduled (with an older one), the series is left as it is: its
    /// times, counted from an earlier anchor, are early, and the scheduler
    /// moves it when a step comes due and finds the audit changed since
    /// (see `Service::reminder_fate`). An unfinished audit's series is
    /// planned again at every press; this way a press writes no reminder
    /// row (on SQLite those rows and their indexes were four of the nine or
    /// so pages a press wrote).
    pub lazy: bool,
}

/// A reminder a scheduler has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub id: i64,
    pub kind: Kind,
    pub user_id: i64,
    pub audit_id: i64,
    pub position: u32,
    pub step: u32,
    pub anchor: String,
    pub due_at: i64,
}

/// Which kinds of reminder a user wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderSettings {
    pub unfinished: bool,
    pub deadline: bool,
    pub reaudit: bool,
}

impl ReminderSettings {
    pub fn allows(self, kind: Kind) -> bool {
        match kind {
            Kind::Unfinished => self.unfinished,
            Kind::Deadline => self.deadline,
            Kind::Reaudit => self.reaudit,
        }
    }
}

/// The `users` column that switches a kind on or off.
pub(super) fn setting_column(kind: Kind) -> &'static str {
    match kind {
        Kind::Unfinished => "remind_unfinished",
        Kind::Deadline => "remind_deadline",
        Kind::Reaudit => "remind_reaudit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Change, Status};
    use crate::storage::testdb::{on_both_backends, TestBackend, TestDb};
    use crate::storage::{Position, Storage, UserInfo};

    async fn setup(backend: TestBackend) -> (TestDb, Storage, i64) {
        let db = TestDb::new(backend).await;
        let storage = db.storage().await;
        let user = UserInfo {
            id: 7,
            first_name: "Olena".into(),
            username: None,
        };
        storage.upsert_user(&user, "uk").await.expect("user");
        let audit = storage
            .create_audit(7, 7, "churn", 1, "q1", None)
            .await
            .expect("audit");
        (db, storage, audit.id)
    }

    fn series(audit_id: i64, anchor: &str, due: &[(u32, i64)]) -> ReminderSeries {
        ReminderSeries {
            kind: Kind::Unfinished,
            user_id: 7,
            audit_id,
            position: 0,
            anchor: anchor.into(),
            due: due.iter().map(|&(step, at)| Due { step, at }).collect(),
            lazy: false,
        }
    }

    /// How a test plans a series.
    #[derive(Clone, Copy)]
    enum Planned {
        /// `plan_reminders`.
        Alone,
        /// With a press's save of the audit (`save_with_reminders`), which
        /// on PostgreSQL writes it in the save's one statement.
        WithASave,
    }

    async fn plan(storage: &Storage, how: Planned, series: &ReminderSeries) {
        match how {
            Planned::Alone => storage.plan_reminders(series).await.expect("plan"),
            Planned::WithASave => {
                let audit = storage.audit(series.audit_id).await.expect("read");
                let audit = audit.expect("the audit");
                let change = Change { response: None };
                let position = Position {
                    current_question_id: Some("q1"),
                    status: Status::InProgress,
                };
                storage
                    .save_with_reminders(
                        audit.id,
                        audit.revision,
                        &change,
                        position,
                        std::slice::from_ref(series),
                        &[],
                        crate::storage::now(),
                    )
                    .await
                    .expect("save");
            }
        }
    }

    async fn a_series_planned_again_replaces_what_is_scheduled_but_never_what_was_sent(
        backend: TestBackend,
    ) {
        planned_again(backend, Planned::Alone).await
    }

    async fn a_series_saved_again_replaces_what_is_scheduled_but_never_what_was_sent(
        backend: TestBackend,
    ) {
        planned_again(backend, Planned::WithASave).await
    }

    async fn planned_again(backend: TestBackend, how: Planned) {
        let (_dir, storage, audit) = setup(backend).await;
        plan(&storage, how, &series(audit, "1", &[(0, 100), (1, 300)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(100));
        let claimed = storage.claim_due(150, 10).await.expect("claim");
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].step, claimed[0].due_at), (0, 100));
        storage.mark_sent(claimed[0].id, 150).await.expect("sent");
        // The same series planned again (a repeated update): step 0 is not
        // scheduled a second time, step 1 is moved.
        plan(&storage, how, &series(audit, "1", &[(0, 100), (1, 350)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(350));
        assert!(storage.claim_due(200, 10).await.expect("claim").is_empty());
        // Progress: a new anchor; the old step 1 goes, the new series comes.
        plan(&storage, how, &series(audit, "2", &[(0, 500), (1, 700)])).await;
        let claimed = storage.claim_due(600, 10).await.expect("claim");
        assert_eq!(
            claimed
                .iter()
                .map(|r| (r.anchor.as_str(), r.due_at))
                .collect::<Vec<_>>(),
            vec![("2", 500)]
        );
        // Back, by way of another, to an anchor whose step 0 was sent (a
        // deadline set to another date and then back): step 0 stays sent
        // and is not scheduled again, step 1 is, and nothing of the anchor
        // in between stays scheduled.
        plan(&storage, how, &series(audit, "3", &[(0, 800), (1, 900)])).await;
        plan(&storage, how, &series(audit, "1", &[(0, 1000), (1, 1100)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(1100));
        assert!(storage.claim_due(1050, 10).await.expect("claim").is_empty());
        // Cancelled by an empty series.
        plan(&storage, how, &series(audit, "2", &[])).await;
        assert_eq!(storage.next_due().await.expect("next"), None);
    }

    async fn a_lazy_series_planned_again_stays_until_its_first_step_is_not_scheduled(
        backend: TestBackend,
    ) {
        lazily_planned_again(backend, Planned::Alone).await
    }

    async fn a_lazy_series_saved_again_stays_until_its_first_step_is_not_scheduled(
        backend: TestBackend,
    ) {
        lazily_planned_again(backend, Planned::WithASave).await
    }

    /// The anchor, step and due time of each reminder due by `at`, claimed.
    async fn claim(storage: &Storage, at: i64) -> Vec<(String, u32, i64)> {
        let claimed = storage.claim_due(at, 10).await.expect("claim");
        claimed
            .into_iter()
            .map(|r| (r.anchor, r.step, r.due_at))
            .collect()
    }

    async fn lazily_planned_again(backend: TestBackend, how: Planned) {
        let (_dir, storage, audit) = setup(backend).await;
        let lazy = |anchor: &str, due: &[(u32, i64)]| ReminderSeries {
            lazy: true,
            ..series(audit, anchor, due)
        };
        plan(&storage, how, &lazy("1", &[(0, 100), (1, 300)])).await;
        // The same anchor again is planned as ever.
        plan(&storage, how, &lazy("1", &[(0, 110), (1, 310)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(110));
        // Later presses: left as it is while its step 0 is scheduled.
        plan(&storage, how, &lazy("2", &[(0, 200), (1, 400)])).await;
        plan(&storage, how, &lazy("3", &[(0, 250), (1, 450)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(110));
        let claimed = storage.claim_due(150, 10).await.expect("claim");
        assert_eq!(
            claimed
                .iter()
                .map(|r| (r.anchor.as_str(), r.step, r.due_at))
                .collect::<Vec<_>>(),
            [("1", 0, 110)]
        );
        // The scheduler finds the audit changed: the claimed one is
        // scheduled again and the series moves to the last press.
        storage
            .reschedule_claimed(claimed[0].id, &series(audit, "3", &[(0, 250), (1, 450)]))
            .await
            .expect("reschedule");
        assert_eq!(storage.next_due().await.expect("next"), Some(250));
        let sent = storage.claim_due(260, 10).await.expect("claim");
        assert_eq!(
            sent.iter()
                .map(|r| (r.anchor.as_str(), r.step, r.due_at))
                .collect::<Vec<_>>(),
            [("3", 0, 250)]
        );
        storage.mark_sent(sent[0].id, 260).await.expect("sent");
        // A reminder sent or being sent is not scheduled again by that.
        storage
            .reschedule_claimed(sent[0].id, &series(audit, "3", &[(0, 250), (1, 450)]))
            .await
            .expect("reschedule");
        assert_eq!(claim(&storage, 300).await, []);
        // With step 0 sent, the next press plans the series: a new step 0,
        // step 1 moved.
        plan(&storage, how, &lazy("4", &[(0, 500), (1, 700)])).await;
        assert_eq!(claim(&storage, 600).await, [("4".into(), 0, 500)]);
        assert_eq!(storage.next_due().await.expect("next"), Some(700));
        // Finishing cancels it, lazy or not.
        plan(&storage, how, &lazy("5", &[])).await;
        assert_eq!(storage.next_due().await.expect("next"), None);
    }

    async fn a_claim_is_taken_by_one_scheduler_only(backend: TestBackend) {
        let (dir, storage, audit) = setup(backend).await;
        let second = Storage::connect(&dir.url).await.expect("second process");
        let due: Vec<(u32, i64)> = (0..40).map(|i| (i, 100 + i64::from(i))).collect();
        storage
            .plan_reminders(&series(audit, "1", &due))
            .await
            .expect("plan");
        /// Claims three at a time until nothing is left.
        async fn drain(storage: &Storage) -> Vec<Reminder> {
            let mut all = Vec::new();
            loop {
                let got = storage.claim_due(1_000, 3).await.expect("claim");
                if got.is_empty() {
                    return all;
                }
                all.extend(got);
            }
        }
        let (a, b) = tokio::join!(drain(&storage), drain(&second));
        let mut ids: Vec<i64> = a.iter().chain(&b).map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!((before, ids.len()), (40, 40), "every reminder claimed once");
    }

    async fn a_kind_switched_off_is_cancelled_and_not_planned_again(backend: TestBackend) {
        switched_off(backend, Planned::Alone).await
    }

    async fn a_kind_switched_off_is_not_saved_again_with_a_press(backend: TestBackend) {
        switched_off(backend, Planned::WithASave).await
    }

    async fn switched_off(backend: TestBackend, how: Planned) {
        let (db, storage, audit) = setup(backend).await;
        plan(&storage, how, &series(audit, "1", &[(0, 100)])).await;
        let settings = storage
            .set_reminder_setting(7, Kind::Unfinished, false)
            .await
            .expect("off");
        assert!(!settings.unfinished && settings.deadline && settings.reaudit);
        assert_eq!(storage.next_due().await.expect("next"), None);
        plan(&storage, how, &series(audit, "2", &[(0, 100)])).await;
        assert_eq!(storage.next_due().await.expect("next"), None);
        storage
            .set_reminder_setting(7, Kind::Unfinished, true)
            .await
            .expect("on");
        plan(&storage, how, &series(audit, "3", &[(0, 100)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(100));

        assert_eq!(storage.cancel_reminders(7, None).await.expect("cancel"), 1);
        // Switched off elsewhere (an operator, by hand) while one is
        // scheduled: the same series planned again leaves none.
        plan(&storage, how, &series(audit, "3", &[(0, 100)])).await;
        assert_eq!(storage.next_due().await.expect("next"), Some(100));
        sqlx::query("UPDATE users SET remind_unfinished = FALSE WHERE id = 7")
            .execute(&db.raw().await)
            .await
            .expect("off in the database");
        plan(&storage, how, &series(audit, "3", &[(0, 100)])).await;
        assert_eq!(storage.next_due().await.expect("next"), None);
    }

    on_both_backends!(
        a_series_planned_again_replaces_what_is_scheduled_but_never_what_was_sent,
        a_claim_is_taken_by_one_scheduler_only,
        a_kind_switched_off_is_cancelled_and_not_planned_again,
        a_series_saved_again_replaces_what_is_scheduled_but_never_what_was_sent,
        a_kind_switched_off_is_not_saved_again_with_a_press,
        a_lazy_series_planned_again_stays_until_its_first_step_is_not_scheduled,
        a_lazy_series_saved_again_stays_until_its_first_step_is_not_scheduled,
    );
}
