//! Reminders as use-cases: which series an audit or a plan item wants,
//! whether a due reminder is still wanted, and the presses on reminders.

use chrono::{Days, Local, NaiveDate};

use super::{Result, Service, ServiceError, Session};
use crate::domain::audit::Status;
use crate::domain::lang::Lang;
use crate::domain::plan::PlanEntry;
use crate::domain::schedule::{Kind, POSTPONE_DAYS};
use crate::storage::{
    AuditRecord, Awaiting, Pending, PendingChange, PlanUpdate, Reminder, ReminderSeries,
    ReminderSettings, UserInfo,
};

/// What a due reminder says, read from the database when it is sent.
#[derive(Debug, Clone)]
pub enum ReminderContent {
    /// The audit stopped halfway.
    Unfinished(Session),
    /// A plan item due (`again`: three days ago and still open); the entry
    /// as stored, in the checklist's language.
    Deadline {
        session: Session,
        entry: PlanEntry,
        again: bool,
    },
    /// Time to run the audit again.
    Reaudit(Session),
}

/// What becomes of a claimed reminder.
#[derive(Debug, Clone)]
pub enum ReminderFate {
    /// Send it, saying this.
    Send(Box<ReminderContent>),
    /// No longer wanted: the kind switched off, the audit finished,
    /// abandoned or deleted, the item done or its deadline moved, a newer
    /// audit run.
    Drop,
    /// Not due yet: the audit changed after the series was planned (a
    /// press leaves an unfinished audit's series as it was), and the series
    /// now counts from that change. Scheduled again.
    Later,
}

/// A press on a plan-deadline reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderPress {
    Done,
    Postpone,
    Stuck,
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

impl Service {
    pub fn clock(&self) -> &dyn crate::clock::Clock {
        self.clock.as_ref()
    }

    pub fn schedule(&self) -> &crate::domain::schedule::Schedule {
        &self.schedule
    }

    /// Woken whenever a reminder is planned.
    pub fn reminders_changed(&self) -> &tokio::sync::Notify {
        &self.reminders_changed
    }

    /// Wakes the scheduler if `series` plans a reminder before the time it
    /// means to wake. Every press plans the unfinished-audit reminders a day
    /// ahead; waking the scheduler for them would cost three queries a press.
    pub(crate) fn planned(&self, series: &[ReminderSeries]) {
        let earliest = series.iter().flat_map(|s| s.due.iter().map(|d| d.at)).min();
        let wake = self
            .scheduler_wake
            .load(std::sync::atomic::Ordering::Acquire);
        if earliest.is_some_and(|at| at < wake) {
            self.reminders_changed.notify_one();
        }
    }

    /// The scheduler is about to sleep until `wake` (unix seconds).
    pub fn scheduler_sleeps_until(&self, wake: i64) {
        self.scheduler_wake
            .store(wake, std::sync::atomic::Ordering::Release);
    }

    /// The scheduler is awake: whatever is planned now wakes it again
    /// after this round.
    pub fn scheduler_awake(&self) {
        self.scheduler_wake
            .store(i64::MAX, std::sync::atomic::Ordering::Release);
    }

    /// The unfinished-audit series of an audit at its current revision:
    /// counted from now, or none once the audit is closed.
    pub(super) fn unfinished_series(&self, record: &AuditRecord, open: bool) -> ReminderSeries {
        let due = if open {
            self.schedule.unfinished_due(self.clock.now(), &Local)
        } else {
            Vec::new()
        };
        ReminderSeries {
            kind: Kind::Unfinished,
            user_id: record.user_id,
            audit_id: record.id,
            position: 0,
            anchor: record.revision.to_string(),
            due,
            lazy: true,
        }
    }

    /// The repeat invitation for an audit finishing now.
    pub(super) fn reaudit_series(&self, record: &AuditRecord) -> ReminderSeries {
        ReminderSeries {
            kind: Kind::Reaudit,
            user_id: record.user_id,
            audit_id: record.id,
            position: 0,
            anchor: String::new(),
            due: vec![self.schedule.reaudit_due(self.clock.now(), &Local)],
            lazy: false,
        }
    }

    /// Plans the deadline reminders of one plan item as it now is: none if
    /// it is done or has no deadline.
    pub(super) async fn plan_deadline_reminders(
        &self,
        user_id: i64,
        audit_id: i64,
        entry: &PlanEntry,
    ) -> Result<()> {
        let deadline = entry.item.deadline.filter(|_| !entry.item.done);
        let series = ReminderSeries {
            kind: Kind::Deadline,
            user_id,
            audit_id,
            position: entry.position,
            anchor: deadline.map(date_text).unwrap_or_default(),
            due: deadline
                .map(|d| self.schedule.deadline_due(d, self.clock.now(), &Local))
                .unwrap_or_default(),
            lazy: false,
        };
        self.storage.plan_reminders(&series).await?;
        self.reminders_changed.notify_one();
        Ok(())
    }

    /// Claims what is due now (see [`crate::storage::Storage::claim_due`]).
    pub async fn claim_due_reminders(&self, limit: u32) -> Result<Vec<Reminder>> {
        Ok(self.storage.claim_due(self.clock.now(), limit).await?)
    }

    pub async fn next_reminder_due(&self) -> Result<Option<i64>> {
        Ok(self.storage.next_due().await?)
    }

    pub async fn reminder_sent(&self, reminder: &Reminder) -> Result<()> {
        Ok(self
            .storage
            .mark_sent(reminder.id, self.clock.now())
            .await?)
    }

    pub async fn reminder_dropped(&self, reminder: &Reminder) -> Result<()> {
        Ok(self.storage.mark_cancelled(reminder.id).await?)
    }

    /// The user blocked the bot (or the chat is gone): nothing more is
    /// scheduled for them. Returns how many reminders were cancelled.
    pub async fn user_unreachable(&self, user_id: i64) -> Result<u64> {
        Ok(self.storage.cancel_reminders(user_id, None).await?)
    }

    /// The stored language of a user, if any.
    pub async fn stored_language(&self, user_id: i64) -> Result<Option<Lang>> {
        Ok(self
            .storage
            .language(user_id)
            .await?
            .as_deref()
            .and_then(Lang::parse))
    }

    /// What becomes of a claimed reminder (see [`ReminderFate`]), and what
    /// it is to say if it is sent.
    pub async fn reminder_fate(&self, r: &Reminder) -> Result<ReminderFate> {
        Ok(match self.reminder_content(r).await? {
            Some(ReminderContent::Unfinished(session)) => {
                match self.unfinished_later(r, &session.record) {
                    Some(series) => {
                        self.storage.reschedule_claimed(r.id, &series).await?;
                        ReminderFate::Later
                    }
                    None => ReminderFate::Send(Box::new(ReminderContent::Unfinished(session))),
                }
            }
            Some(content) => ReminderFate::Send(Box::new(content)),
            None => ReminderFate::Drop,
        })
    }

    /// The series an unfinished-audit reminder moves to when the audit
    /// changed after it was planned and the change puts it later than now
    /// (see [`ReminderSeries::lazy`]); `None`: it is due.
    fn unfinished_later(&self, r: &Reminder, record: &AuditRecord) -> Option<ReminderSeries> {
        // The anchor is the revision it was planned at (`7`, or `7@time`
        // when planned by /settings).
        let planned_at = r.anchor.split('@').next()?.parse::<i64>().ok();
        if planned_at == Some(record.revision) {
            return None;
        }
        let due =
            self.schedule
                .unfinished_later(r.step, record.updated_at, self.clock.now(), &Local)?;
        Some(ReminderSeries {
            due,
            lazy: false,
            ..self.unfinished_series(record, true)
        })
    }

    /// What a claimed reminder is to say, or `None` if it is no longer
    /// wanted.
    async fn reminder_content(&self, r: &Reminder) -> Result<Option<ReminderContent>> {
        if !self
            .storage
            .reminder_settings(r.user_id)
            .await?
            .allows(r.kind)
        {
            return Ok(None);
        }
        let session = match self.session(r.audit_id).await {
            Ok(session) if session.record.user_id == r.user_id => session,
            Ok(_) | Err(ServiceError::NoAudit | ServiceError::UnknownChecklist(_)) => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let status = session.record.status;
        Ok(match r.kind {
            Kind::Unfinished => {
                (status == Status::InProgress).then_some(ReminderContent::Unfinished(session))
            }
            Kind::Deadline => {
                let entry = self
                    .storage
                    .plan(r.audit_id)
                    .await?
                    .into_iter()
                    .find(|e| e.position == r.position);
                entry
                    .filter(|e| {
                        !e.item.done && e.item.deadline.map(date_text).as_deref() == Some(&r.anchor)
                    })
                    .map(|entry| ReminderContent::Deadline {
                        session,
                        entry,
                        again: r.step > 0,
                    })
            }
            Kind::Reaudit => {
                let wanted =
                    status == Status::Finished && !self.storage.has_newer_audit(r.audit_id).await?;
                wanted.then_some(ReminderContent::Reaudit(session))
            }
        })
    }

    pub async fn reminder_settings(&self, user_id: i64) -> Result<ReminderSettings> {
        Ok(self.storage.reminder_settings(user_id).await?)
    }

    /// Switches a kind of reminder on or off. Off cancels what is
    /// scheduled; on plans again what the user's audits want from now.
    pub async fn set_reminder_setting(
        &self,
        user_id: i64,
        kind: Kind,
        on: bool,
    ) -> Result<ReminderSettings> {
        let settings = self.storage.set_reminder_setting(user_id, kind, on).await?;
        if on {
            self.replan(user_id, kind).await?;
        }
        Ok(settings)
    }

    async fn replan(&self, user_id: i64, kind: Kind) -> Result<()> {
        match kind {
            Kind::Unfinished => {
                if let Some(record) = self.storage.open_audit(user_id).await? {
                    // A new series from now, even where the old one (of
                    // this revision) was sent or cancelled.
                    let mut series = self.unfinished_series(&record, true);
                    series.anchor = format!("{}@{}", record.revision, self.clock.now());
                    series.lazy = false;
                    self.storage.plan_reminders(&series).await?;
                }
            }
            Kind::Deadline => {
                for record in self.storage.user_audits(user_id, 20).await? {
                    if record.status != Status::Finished {
                        continue;
                    }
                    for entry in self.storage.plan(record.id).await? {
                        self.plan_deadline_reminders(user_id, record.id, &entry)
                            .await?;
                    }
                }
            }
            Kind::Reaudit => {
                if let Some(record) = self.storage.latest_finished(user_id).await? {
                    let finished = record.finished_at.unwrap_or(record.updated_at);
                    let series = ReminderSeries {
                        due: vec![self.schedule.reaudit_due(finished, &Local)],
                        ..self.reaudit_series(&record)
                    };
                    self.storage.plan_reminders(&series).await?;
                }
            }
        }
        self.reminders_changed.notify_one();
        Ok(())
    }

    /// A press on a deadline reminder for the item at `position`: done,
    /// a week later, or «stuck» (the next text says what blocks it).
    /// Returns the item as it now is.
    pub async fn deadline_press(
        &self,
        user_id: i64,
        audit_id: i64,
        position: u32,
        press: ReminderPress,
    ) -> Result<PlanEntry> {
        self.check_owner(user_id, audit_id).await?;
        let entry = self
            .storage
            .plan(audit_id)
            .await?
            .into_iter()
            .find(|e| e.position == position)
            .ok_or(ServiceError::NoAudit)?;
        match press {
            ReminderPress::Done => self.set_plan_done(user_id, audit_id, position, true).await,
            ReminderPress::Postpone => {
                if entry.item.done {
                    return Err(ServiceError::Stale);
                }
                let today = Local::now().date_naive();
                let from = entry.item.deadline.unwrap_or(today);
                let moved = from
                    .checked_add_days(Days::new(POSTPONE_DAYS))
                    .ok_or(ServiceError::Stale)?;
                let update = PlanUpdate::Deadline(Some(moved));
                self.update_item_and_reminders(user_id, audit_id, position, update)
                    .await
            }
            ReminderPress::Stuck => {
                if entry.item.done {
                    return Err(ServiceError::Stale);
                }
                let pending = Pending {
                    user_id,
                    audit_id,
                    awaiting: Awaiting::Blocker { position },
                    walk: false,
                    prompt: None,
                };
                self.storage.set_pending(&pending).await?;
                Ok(entry)
            }
        }
    }

    /// Claims pending finish notices: (notice id, audit id, admin chat).
    pub async fn claim_notices(&self, limit: u32) -> Result<Vec<(i64, i64, i64)>> {
        Ok(self.storage.claim_notices(self.clock.now(), limit).await?)
    }

    pub async fn notice_done(&self, id: i64, sent: bool) -> Result<()> {
        Ok(self
            .storage
            .finish_notice(id, sent, self.clock.now())
            .await?)
    }

    /// What a finish notice tells: the audit and who took it. `None` if
    /// the audit or its checklist is gone.
    pub async fn notice_content(&self, audit_id: i64) -> Result<Option<(Session, UserInfo)>> {
        let session = match self.session(audit_id).await {
            Ok(session) => session,
            Err(ServiceError::NoAudit | ServiceError::UnknownChecklist(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let user = self
            .storage
            .user_info(session.record.user_id)
            .await?
            .unwrap_or(UserInfo {
                id: session.record.user_id,
                first_name: String::new(),
                username: None,
            });
        Ok(Some((session, user)))
    }

    /// The text after «🧱 Застряло»: stored as what blocks the item.
    pub async fn finish_blocker(&self, pending: &Pending, text: &str) -> Result<PlanEntry> {
        let Awaiting::Blocker { position } = pending.awaiting else {
            return Err(ServiceError::Stale);
        };
        self.storage
            .update_plan_item(
                pending.audit_id,
                position,
                &PlanUpdate::Blocker(Some(text.to_string())),
                PendingChange::Answers {
                    answered: pending,
                    next: None,
                },
            )
            .await?
            .ok_or(ServiceError::Stale)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::schedule::Due;

    fn due_at(at: i64) -> ReminderSeries {
        ReminderSeries {
            kind: Kind::Unfinished,
            user_id: 1,
            audit_id: 1,
            position: 0,
            anchor: "1".into(),
            due: vec![Due { step: 0, at }],
            lazy: true,
        }
    }

    /// Whether the scheduler has been told to wake (a stored permit makes
    /// `notified` ready at its first poll).
    async fn woken(service: &Service) -> bool {
        tokio::time::timeout(Duration::ZERO, service.reminders_changed().notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_press_wakes_the_scheduler_only_for_a_reminder_before_its_wake() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let storage = crate::storage::Storage::connect(&url).await.expect("open");
        let service = Service::new(storage, Vec::new());

        service.scheduler_sleeps_until(1_000);
        service.planned(&[due_at(2_000)]);
        assert!(!woken(&service).await, "a reminder after the wake");
        service.planned(&[due_at(999)]);
        assert!(woken(&service).await, "a reminder before the wake");
        service.planned(&[ReminderSeries {
            due: Vec::new(),
            ..due_at(0)
        }]);
        assert!(!woken(&service).await, "nothing planned");

        // Awake: it reads the database again before it sleeps, but a row
        // committed meanwhile must not wait for the next round.
        service.scheduler_awake();
        service.planned(&[due_at(2_000)]);
        assert!(
            woken(&service).await,
            "planned while the scheduler is awake"
        );
    }
}
