//! Use-cases of the audit: start, resume, answer, go back, finish. Each reads
//! the audit from storage, applies the domain rules, and writes the result
//! back before anything is shown to the user.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::clock::{Clock, SystemClock};
use crate::config::Operator;
use crate::domain::audit::{Audit, AuditError, Change, Command, Status};
use crate::domain::checklist::{Checklist, Localized};
use crate::domain::lang::Lang;
use crate::domain::plan::{self, PlanEntry, Source};
use crate::domain::report::Report;
use crate::domain::schedule::Schedule;
use crate::domain::stats::{AuditFacts, Stats};
use crate::storage::{
    Answers, AuditRecord, Awaiting, Card, NoteTaken, Pending, PendingChange, PlanUpdate, Position,
    Storage, StorageError, UserInfo,
};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The press was made on an older state of the audit.
    #[error("stale request")]
    Stale,
    /// The audit belongs to someone else.
    #[error("not the owner of this audit")]
    NotYours,
    #[error("no such audit")]
    NoAudit,
    #[error("no such checklist: {0}")]
    UnknownChecklist(String),
    #[error(transparent)]
    Rule(#[from] AuditError),
    /// The card offers no answered question to write a note for.
    #[error("nothing to write a note for")]
    NothingToNote,
    /// The answer the note was for is gone (undone meanwhile).
    #[error("the answer is gone")]
    AnswerGone,
    /// The plan is for finished audits.
    #[error("the audit is not finished")]
    NotFinished,
    /// A note was asked for while the plan walk waits for an answer.
    #[error("the plan is being filled in")]
    PlanUnderway,
    #[error(transparent)]
    Storage(StorageError),
    /// Writing export files failed.
    #[error("export: {0}")]
    Export(String),
}

impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Stale => ServiceError::Stale,
            other => ServiceError::Storage(other),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// How many audits /history lists.
const HISTORY_LENGTH: i64 = 20;

/// An audit as the dialogue needs it: its row, its checklist (in every
/// language) and its state.
#[derive(Debug, Clone)]
pub struct Session {
    pub record: AuditRecord,
    pub checklist: Arc<Localized>,
    pub audit: Audit,
    /// The owner's notes, by question id.
    pub notes: HashMap<String, String>,
}

impl Session {
    /// The checklist's texts in `lang` (or its original language).
    pub fn texts(&self, lang: Lang) -> &Checklist {
        self.checklist.get(lang)
    }

    /// The language the checklist was written in. Plan items are drafted
    /// in it; they are shown in the reader's (see [`Service::plan`]).
    pub fn original_language(&self) -> Lang {
        self.checklist.original().language
    }

    /// The report, its texts in `lang`.
    pub fn report(&self, lang: Lang) -> Report {
        Report::new(self.texts(lang), &self.audit)
    }
}

/// One line of the operator's overview.
#[derive(Debug, Clone)]
pub struct AuditOverview {
    pub record: AuditRecord,
    pub user: UserInfo,
    pub answered: usize,
    /// 0 when the audit's checklist is no longer loaded.
    pub total: usize,
    pub score: Option<u32>,
}

mod export;
mod reminders;
pub use export::ExportFiles;
pub use reminders::{ReminderContent, ReminderFate, ReminderPress};

pub struct Service {
    storage: Storage,
    checklists: Vec<Arc<Localized>>,
    /// When reminders are due, and the clock they go by.
    schedule: Schedule,
    clock: Arc<dyn Clock>,
    /// Told whenever a reminder is planned, so the scheduler wakes for it.
    reminders_changed: Arc<tokio::sync::Notify>,
    /// When the scheduler means to wake next (unix seconds); `i64::MAX`
    /// while it is awake. A press that plans nothing earlier does not wake
    /// it (see [`Service::planned`]).
    scheduler_wake: Arc<std::sync::atomic::AtomicI64>,
    /// Admin chats and the call to action.
    operator: Operator,
}

impl Service {
    /// A service with the default reminder rules on the system clock.
    pub fn new(storage: Storage, checklists: Vec<Localized>) -> Self {
        Self {
            storage,
            checklists: checklists.into_iter().map(Arc::new).collect(),
            schedule: Schedule::default(),
            clock: Arc::new(SystemClock),
            reminders_changed: Arc::new(tokio::sync::Notify::new()),
            scheduler_wake: Arc::new(std::sync::atomic::AtomicI64::new(i64::MAX)),
            operator: Operator::default(),
        }
    }

    /// The same service with the operator's admin chats and call to action.
    pub fn with_operator(mut self, operator: Operator) -> Self {
        self.operator = operator;
        self
    }

    pub fn operator(&self) -> &Operator {
        &self.operator
    }

    /// The same service with these reminder rules and this clock.
    pub fn with_schedule(mut self, schedule: Schedule, clock: Arc<dyn Clock>) -> Self {
        self.schedule = schedule;
        self.clock = clock;
        self
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn checklists(&self) -> &[Arc<Localized>] {
        &self.checklists
    }

    pub fn checklist(&self, id: &str) -> Option<&Arc<Localized>> {
        self.checklists.iter().find(|c| c.id() == id)
    }

    /// Records who the user is now (name, username) and returns their
    /// language: the one stored, else `guess`, which is stored from now on.
    pub async fn touch_user(&self, user: &UserInfo, guess: Lang) -> Result<Lang> {
        let stored = self.storage.upsert_user(user, guess.code()).await?;
        Ok(Lang::parse(&stored).unwrap_or(guess))
    }

    /// The user's language without writing anything when it is known: what
    /// every update asks first. A user the bot has not met yet is stored,
    /// with `guess` as their language.
    pub async fn language(&self, user: &UserInfo, guess: Lang) -> Result<Lang> {
        match self.storage.language(user.id).await? {
            Some(code) => match Lang::parse(&code) {
                Some(lang) => Ok(lang),
                None => self.set_language(user.id, guess).await.map(|()| guess),
            },
            None => self.touch_user(user, guess).await,
        }
    }

    /// The language the user chose with /language.
    pub async fn set_language(&self, user_id: i64, lang: Lang) -> Result<()> {
        Ok(self.storage.set_language(user_id, lang.code()).await?)
    }

    /// Starts a new audit of a checklist; one in progress becomes abandoned.
    /// `lang` is the user's language, stored if the bot has none for them.
    pub async fn start(
        &self,
        user: &UserInfo,
        lang: Lang,
        chat_id: i64,
        checklist_id: &str,
    ) -> Result<Session> {
        self.start_from(user, lang, chat_id, checklist_id, None)
            .await
    }

    /// [`Service::start`], remembering the source of the tracked link that
    /// started it.
    pub async fn start_from(
        &self,
        user: &UserInfo,
        lang: Lang,
        chat_id: i64,
        checklist_id: &str,
        source: Option<&str>,
    ) -> Result<Session> {
        let checklist = self
            .checklist(checklist_id)
            .ok_or_else(|| ServiceError::UnknownChecklist(checklist_id.to_string()))?
            .clone();
        let audit = Audit::new(checklist.original());
        self.touch_user(user, lang).await?;
        let record = self
            .storage
            .create_audit(
                user.id,
                chat_id,
                checklist.id(),
                checklist.version(),
                audit.current_question_id(),
                source,
            )
            .await?;
        let series = self.unfinished_series(&record, true);
        self.storage.plan_reminders(&series).await?;
        self.planned(std::slice::from_ref(&series));
        Ok(Session {
            record,
            checklist,
            audit,
            notes: HashMap::new(),
        })
    }

    /// After the checklist file was edited, an audit in progress may stand
    /// on another question than its row says (its question was removed).
    /// Storing that with a new revision makes every card sent before the
    /// edit stale, so an old button can never answer a question the owner
    /// has not seen. (A card whose question still exists keeps working: the
    /// audit's position is a question id, not an index.)
    async fn rebase_if_edited(&self, session: &mut Session) -> Result<()> {
        let record = &session.record;
        if record.status != Status::InProgress || session.audit.is_empty() {
            return Ok(());
        }
        let current = session.audit.current_question_id();
        if record.current_question_id.as_deref() == Some(current) {
            return Ok(());
        }
        let rebased = self
            .storage
            .rebase(
                record.id,
                record.revision,
                current,
                session.checklist.version(),
            )
            .await?;
        // None: a concurrent press changed the audit first; its revision
        // already outdates the old cards.
        if let Some(revision) = rebased {
            session.record.revision = revision;
            session.record.current_question_id = Some(current.to_string());
            session.record.checklist_version = session.checklist.version();
        }
        Ok(())
    }

    /// The user's audit in progress.
    pub async fn open(&self, user_id: i64) -> Result<Option<Session>> {
        match self.storage.open_audit(user_id).await? {
            Some(record) => Ok(Some(self.load(record).await?)),
            None => Ok(None),
        }
    }

    /// The audit in progress, else the last finished one.
    pub async fn latest(&self, user_id: i64) -> Result<Option<Session>> {
        match self.storage.latest_audit(user_id).await? {
            Some(record) => Ok(Some(self.load(record).await?)),
            None => Ok(None),
        }
    }

    /// An audit and its answers, read in one go: what a press needs.
    pub async fn session(&self, audit_id: i64) -> Result<Session> {
        let (record, answers) = self
            .storage
            .audit_with_answers(audit_id)
            .await?
            .ok_or(ServiceError::NoAudit)?;
        self.session_of(record, answers).await
    }

    /// [`Service::session`] from an audit and its answers as read.
    async fn session_of(&self, record: AuditRecord, answers: Answers) -> Result<Session> {
        let mut session = self.assemble(record, answers)?;
        self.rebase_if_edited(&mut session).await?;
        Ok(session)
    }

    async fn load(&self, record: AuditRecord) -> Result<Session> {
        let mut session = self.restore(record).await?;
        self.rebase_if_edited(&mut session).await?;
        Ok(session)
    }

    /// An audit as stored, read only: for overviews that must not write.
    async fn restore(&self, record: AuditRecord) -> Result<Session> {
        let answers = self.storage.responses_with_notes(record.id).await?;
        self.assemble(record, answers)
    }

    fn assemble(&self, record: AuditRecord, (responses, notes): Answers) -> Result<Session> {
        let checklist = self
            .checklist(&record.checklist_id)
            .ok_or_else(|| ServiceError::UnknownChecklist(record.checklist_id.clone()))?
            .clone();
        let audit = Audit::restore(
            checklist.original(),
            responses,
            record.current_question_id.as_deref(),
            record.status,
        );
        Ok(Session {
            record,
            checklist,
            audit,
            notes,
        })
    }

    /// Applies a press made by `user_id` on revision `revision` of an audit.
    /// Nothing is written unless the press fits the audit as it is now.
    pub async fn apply(
        &self,
        user_id: i64,
        audit_id: i64,
        revision: i64,
        command: Command,
    ) -> Result<(Session, Change)> {
        self.apply_to(user_id, (audit_id, revision), command, None)
            .await
    }

    /// [`Service::apply`] to the audit as `read` with its answers just
    /// before (by the update's take), if given and it is that audit; else
    /// read here.
    pub async fn apply_to(
        &self,
        user_id: i64,
        (audit_id, revision): (i64, i64),
        command: Command,
        read: Option<(AuditRecord, Answers)>,
    ) -> Result<(Session, Change)> {
        let mut session = match read {
            Some((record, answers)) if record.id == audit_id => {
                self.session_of(record, answers).await?
            }
            _ => self.session(audit_id).await?,
        };
        if session.record.user_id != user_id {
            return Err(ServiceError::NotYours);
        }
        if session.record.status != Status::InProgress {
            return Err(AuditError::Closed.into());
        }
        if session.record.revision != revision {
            return Err(ServiceError::Stale);
        }
        let change = session.audit.apply(command)?;
        let status = session.audit.status();
        let current = (status == Status::InProgress).then(|| session.audit.current_question_id());
        // The save bumps the revision by one: the reminders are planned
        // from that revision, in the same transaction.
        let after = AuditRecord {
            revision: revision + 1,
            ..session.record.clone()
        };
        let mut series = vec![self.unfinished_series(&after, status == Status::InProgress)];
        if status == Status::Finished {
            series.push(self.reaudit_series(&after));
        }
        let new_revision = self
            .storage
            .save_with_reminders(
                audit_id,
                revision,
                &change,
                Position {
                    current_question_id: current,
                    status,
                },
                &series,
                &self.operator.admin_chats,
                self.clock.now(),
            )
            .await?;
        if status == Status::Finished && !self.operator.admin_chats.is_empty() {
            // The finish notices go at once.
            self.reminders_changed.notify_one();
        } else {
            self.planned(&series);
        }
        session.record.revision = new_revision;
        session.record.status = status;
        session.record.current_question_id = current.map(str::to_string);
        Ok((session, change))
    }

    /// Deletes all of a user's audits and answers; returns the counts.
    pub async fn delete_user_data(&self, user_id: i64) -> Result<(u64, u64)> {
        Ok(self.storage.delete_user_data(user_id).await?)
    }

    /// The user's previous finished audit of the same checklist, if any.
    pub async fn previous(&self, session: &Session) -> Result<Option<Session>> {
        let record = self
            .storage
            .previous_finished(
                session.record.user_id,
                &session.record.checklist_id,
                session.record.id,
            )
            .await?;
        match record {
            Some(record) => Ok(Some(self.load(record).await?)),
            None => Ok(None),
        }
    }

    /// The user's audits, newest first, as far as their checklists are
    /// still loaded.
    pub async fn history(&self, user_id: i64) -> Result<Vec<Session>> {
        let mut out = Vec::new();
        for record in self.storage.user_audits(user_id, HISTORY_LENGTH).await? {
            match self.restore(record).await {
                Ok(session) => out.push(session),
                Err(ServiceError::UnknownChecklist(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Who is auditing and who finished, for the operator: every audit that
    /// is not abandoned, newest activity first.
    pub async fn overview(&self) -> Result<Vec<AuditOverview>> {
        let mut out = Vec::new();
        for (record, user) in self.storage.audits_with_users().await? {
            let (answered, total, score) = match self.checklist(&record.checklist_id) {
                Some(checklist) => {
                    let session = self.restore(record.clone()).await?;
                    let report = Report::new(checklist.original(), &session.audit);
                    (report.answered, report.total, report.overall.percent())
                }
                None => (0, 0, None),
            };
            out.push(AuditOverview {
                record,
                user,
                answered,
                total,
                score,
            });
        }
        Ok(out)
    }

    /// The operator's figures over every audit (see [`Stats`]); finished
    /// audits of checklists no longer loaded count without scores.
    pub async fn stats(&self, now: i64) -> Result<Stats> {
        let mut facts = Vec::new();
        for record in self.storage.all_audits().await? {
            let mut f = AuditFacts {
                checklist: record.checklist_id.clone(),
                source: record.source.clone(),
                status: record.status,
                started_at: record.started_at,
                finished_at: record.finished_at,
                score: None,
                sections: Vec::new(),
                problems: Vec::new(),
            };
            if record.status == Status::Finished && self.checklist(&record.checklist_id).is_some() {
                let session = self.restore(record).await?;
                let texts = session.checklist.original();
                let report = Report::new(texts, &session.audit);
                f.score = report.overall.percent();
                f.sections = texts
                    .sections
                    .iter()
                    .zip(&report.sections)
                    .map(|(s, r)| (s.id.clone(), r.score.percent()))
                    .collect();
                f.problems = report
                    .problems
                    .iter()
                    .filter(|p| p.answer == crate::domain::audit::Answer::No)
                    .map(|p| p.question_id.clone())
                    .collect();
            }
            facts.push(f);
        }
        Ok(Stats::of(&facts, now))
    }

    /// Records the message that is now the audit's card; returns the old one.
    pub async fn set_card(&self, audit_id: i64, card: Card) -> Result<Option<Card>> {
        Ok(self.storage.set_card(audit_id, card).await?)
    }
}

/// Where the plan dialogue goes after a step.
#[derive(Debug, Clone)]
pub enum PlanStep {
    /// Ask about this item (what is asked is in `pending.awaiting`).
    Ask { pending: Pending, entry: PlanEntry },
    /// Offer to add this many «Высокий» problems to the plan.
    OfferHigh { pending: Pending, count: usize },
    /// The walk is over (or a single item was edited).
    Done { audit_id: i64, walked: bool },
}

/// An answer on a plan prompt, typed or pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanInput {
    Owner(Option<String>),
    Deadline(Option<NaiveDate>),
    Solution(String),
    /// Write an own solution: ask for it.
    EditSolution,
    /// Back from writing a solution to «Кто отвечает?».
    KeepSolution,
}

impl PlanInput {
    /// What the prompt must be asking for this input to fit it.
    fn fits(&self, awaiting: &Awaiting) -> bool {
        matches!(
            (self, awaiting),
            (
                PlanInput::Owner(_) | PlanInput::EditSolution,
                Awaiting::Owner { .. }
            ) | (PlanInput::Deadline(_), Awaiting::Deadline { .. })
                | (
                    PlanInput::Solution(_) | PlanInput::KeepSolution,
                    Awaiting::Solution { .. }
                )
        )
    }
}

/// A note prompt: which question, and the note it has now.
#[derive(Debug, Clone)]
pub struct NotePrompt {
    pub session: Session,
    pub index: usize,
    pub question_id: String,
    pub pending: Pending,
    /// The note prompt this one replaces, whose buttons should go.
    pub replaces: Option<Card>,
}

impl Service {
    /// What the bot waits for from this user, if anything.
    pub async fn pending(&self, user_id: i64) -> Result<Option<Pending>> {
        Ok(self.storage.pending(user_id).await?)
    }

    /// Forgets what the bot waited for; returns it.
    pub async fn clear_pending(&self, user_id: i64) -> Result<Option<Pending>> {
        Ok(self.storage.clear_pending(user_id).await?)
    }

    /// Remembers the message that asked, so its buttons can go later.
    pub async fn set_prompt(&self, mut pending: Pending, prompt: Card) -> Result<()> {
        pending.prompt = Some(prompt);
        Ok(self.storage.set_pending(&pending).await?)
    }

    /// The user's audit, checked to be theirs.
    async fn own_session(&self, user_id: i64, audit_id: i64) -> Result<Session> {
        let session = self.session(audit_id).await?;
        if session.record.user_id != user_id {
            return Err(ServiceError::NotYours);
        }
        Ok(session)
    }

    /// Checks the audit is the user's, reading only its row: the plan's
    /// presses need no answers.
    async fn check_owner(&self, user_id: i64, audit_id: i64) -> Result<()> {
        match self.storage.audit(audit_id).await? {
            Some(record) if record.user_id == user_id => Ok(()),
            Some(_) => Err(ServiceError::NotYours),
            None => Err(ServiceError::NoAudit),
        }
    }

    /// «📝 Заметка» pressed on a card made at `revision`: from now on the
    /// user's next text is the note for the question the card offered.
    pub async fn begin_note(
        &self,
        user_id: i64,
        audit_id: i64,
        revision: i64,
    ) -> Result<NotePrompt> {
        let session = self.own_session(user_id, audit_id).await?;
        if session.record.status == Status::Abandoned {
            return Err(AuditError::Closed.into());
        }
        if session.record.revision != revision {
            return Err(ServiceError::Stale);
        }
        let index = session
            .audit
            .note_target()
            .ok_or(ServiceError::NothingToNote)?;
        // The user has one open question at a time: a note would end the
        // walk through the plan, so it waits until the plan is done.
        let previous = self.storage.pending(user_id).await?;
        if previous
            .as_ref()
            .is_some_and(|p| !matches!(p.awaiting, Awaiting::Note { .. }))
        {
            return Err(ServiceError::PlanUnderway);
        }
        let replaces = previous.and_then(|p| p.prompt);
        let question_id = session
            .checklist
            .original()
            .question(index)
            .map(|(_, q)| q.id.clone())
            .ok_or(ServiceError::NothingToNote)?;
        let pending = Pending {
            user_id,
            audit_id,
            awaiting: Awaiting::Note {
                question_id: question_id.clone(),
            },
            walk: false,
            prompt: None,
        };
        self.storage.set_pending(&pending).await?;
        Ok(NotePrompt {
            session,
            index,
            question_id,
            pending,
            replaces,
        })
    }

    /// Writes (or, with `None`, deletes) the note the user was asked for and
    /// stops waiting. Returns the session as it is now and the question.
    pub async fn finish_note(
        &self,
        pending: &Pending,
        note: Option<&str>,
    ) -> Result<(Session, String)> {
        let Awaiting::Note { question_id } = &pending.awaiting else {
            return Err(ServiceError::Stale);
        };
        match self.storage.take_pending_note(pending, note).await? {
            NoteTaken::Written => {}
            NoteTaken::NotAwaited => return Err(ServiceError::Stale),
            NoteTaken::NoAnswer => {
                self.storage.clear_pending(pending.user_id).await?;
                return Err(ServiceError::AnswerGone);
            }
        }
        let session = self.session(pending.audit_id).await?;
        Ok((session, question_id.clone()))
    }

    /// The user's most recently finished audit.
    pub async fn latest_finished(&self, user_id: i64) -> Result<Option<Session>> {
        match self.storage.latest_finished(user_id).await? {
            Some(record) => Ok(Some(self.load(record).await?)),
            None => Ok(None),
        }
    }

    /// Whether the audit has a plan yet (its first items are drafted).
    pub async fn has_plan(&self, audit_id: i64) -> Result<bool> {
        Ok(!self.storage.plan(audit_id).await?.is_empty())
    }

    /// The plan of a session's audit, its texts in `lang`.
    pub async fn plan(&self, session: &Session, lang: Lang) -> Result<Vec<PlanEntry>> {
        let plan = self.storage.plan(session.record.id).await?;
        if plan.is_empty() {
            return Ok(plan);
        }
        let (texts, report) = (session.texts(lang), session.report(lang));
        Ok(plan
            .into_iter()
            .map(|entry| entry.localized(texts, &report))
            .collect())
    }

    /// «Высокий» problems not yet in the plan.
    fn high_candidates(session: &Session, plan: &[PlanEntry]) -> Vec<(Source, plan::PlanItem)> {
        let sources: Vec<Source> = plan.iter().map(|e| e.source.clone()).collect();
        plan::draft_high(&session.report(session.original_language()), &sources)
    }

    /// Starts the walk through the plan of a finished audit: the top
    /// problem areas are drafted the first time (a repeat drafts nothing
    /// twice), then the first item is asked about.
    pub async fn begin_plan(&self, user_id: i64, audit_id: i64) -> Result<PlanStep> {
        let session = self.own_session(user_id, audit_id).await?;
        if session.record.status != Status::Finished {
            return Err(ServiceError::NotFinished);
        }
        let mut plan = self.storage.plan(audit_id).await?;
        if plan.is_empty() {
            let lang = session.original_language();
            let drafts = plan::draft_zones(session.texts(lang), &session.report(lang));
            plan = self.storage.add_plan_items(audit_id, &drafts).await?;
        }
        let Some(first) = plan.first().cloned() else {
            self.storage.clear_pending(user_id).await?;
            return Ok(PlanStep::Done {
                audit_id,
                walked: false,
            });
        };
        self.walk_from(user_id, audit_id, first).await
    }

    /// Walks through the plan from `first`: «Кто отвечает?» for it.
    async fn walk_from(&self, user_id: i64, audit_id: i64, first: PlanEntry) -> Result<PlanStep> {
        let awaiting = Awaiting::Owner {
            position: first.position,
        };
        self.ask(user_id, audit_id, awaiting, true, first).await
    }

    async fn ask(
        &self,
        user_id: i64,
        audit_id: i64,
        awaiting: Awaiting,
        walk: bool,
        entry: PlanEntry,
    ) -> Result<PlanStep> {
        let pending = Pending {
            user_id,
            audit_id,
            awaiting,
            walk,
            prompt: None,
        };
        self.storage.set_pending(&pending).await?;
        Ok(PlanStep::Ask { pending, entry })
    }

    /// Edits one item from /plan: «Кто отвечает?», then «Срок?», then done.
    pub async fn edit_plan_item(
        &self,
        user_id: i64,
        audit_id: i64,
        position: u32,
    ) -> Result<PlanStep> {
        self.check_owner(user_id, audit_id).await?;
        let plan = self.storage.plan(audit_id).await?;
        let entry = plan
            .into_iter()
            .find(|e| e.position == position)
            .ok_or(ServiceError::NoAudit)?;
        self.ask(
            user_id,
            audit_id,
            Awaiting::Owner { position },
            false,
            entry,
        )
        .await
    }

    /// Marks an item done or not; whatever the bot waited for stays.
    pub async fn set_plan_done(
        &self,
        user_id: i64,
        audit_id: i64,
        position: u32,
        done: bool,
    ) -> Result<PlanEntry> {
        self.check_owner(user_id, audit_id).await?;
        self.update_item_and_reminders(user_id, audit_id, position, PlanUpdate::Done(done))
            .await
    }

    /// Changes an item outside the plan walk (whatever the bot waits for
    /// stays) and plans its deadline reminders as it now is.
    async fn update_item_and_reminders(
        &self,
        user_id: i64,
        audit_id: i64,
        position: u32,
        update: PlanUpdate,
    ) -> Result<PlanEntry> {
        let entry = self
            .storage
            .update_plan_item(audit_id, position, &update, PendingChange::Keep)
            .await?
            .ok_or(ServiceError::NoAudit)?;
        self.plan_deadline_reminders(user_id, audit_id, &entry)
            .await?;
        Ok(entry)
    }

    /// The pending plan prompt of `user_id` for `audit_id`, or `Stale`.
    async fn plan_pending(&self, user_id: i64, audit_id: i64) -> Result<Pending> {
        self.check_owner(user_id, audit_id).await?;
        match self.storage.pending(user_id).await? {
            Some(p) if p.audit_id == audit_id => Ok(p),
            _ => Err(ServiceError::Stale),
        }
    }

    /// An answer to the plan prompt for the item at `position`: stored, and
    /// the next question chosen, in one transaction. A press on a prompt
    /// that is no longer the one waiting gets `Stale` and changes nothing.
    pub async fn plan_input(
        &self,
        user_id: i64,
        audit_id: i64,
        position: u32,
        input: PlanInput,
    ) -> Result<PlanStep> {
        let pending = self.plan_pending(user_id, audit_id).await?;
        let at = match pending.awaiting {
            Awaiting::Owner { position }
            | Awaiting::Deadline { position }
            | Awaiting::Solution { position } => Some(position),
            _ => None,
        };
        if at != Some(position) || !input.fits(&pending.awaiting) {
            return Err(ServiceError::Stale);
        }
        let plan = self.storage.plan(audit_id).await?;
        let entry = plan
            .iter()
            .find(|e| e.position == position)
            .cloned()
            .ok_or(ServiceError::Stale)?;
        let next_awaiting = match &input {
            PlanInput::Owner(_) => Some(Awaiting::Deadline { position }),
            PlanInput::Solution(_) | PlanInput::KeepSolution => Some(Awaiting::Owner { position }),
            PlanInput::EditSolution => Some(Awaiting::Solution { position }),
            PlanInput::Deadline(_) => plan
                .iter()
                .find(|e| e.position > position)
                .filter(|_| pending.walk)
                .map(|next| Awaiting::Owner {
                    position: next.position,
                }),
        };
        let update = match &input {
            PlanInput::Owner(owner) => Some(PlanUpdate::Owner(owner.clone())),
            PlanInput::Deadline(deadline) => Some(PlanUpdate::Deadline(*deadline)),
            PlanInput::Solution(solution) => Some(PlanUpdate::Solution(solution.clone())),
            PlanInput::EditSolution | PlanInput::KeepSolution => None,
        };
        // At the end of the walk: offer the «Высокий» problems once.
        let mut offer = 0;
        let next_awaiting = match next_awaiting {
            None if pending.walk && matches!(input, PlanInput::Deadline(_)) => {
                let session = self.session(audit_id).await?;
                offer = Self::high_candidates(&session, &plan).len();
                (offer > 0).then_some(Awaiting::MoreHigh)
            }
            other => other,
        };
        let next = next_awaiting.map(|awaiting| Pending {
            user_id,
            audit_id,
            awaiting,
            walk: pending.walk,
            prompt: None,
        });
        let entry = match update {
            Some(update) => {
                let entry = self
                    .storage
                    .update_plan_item(
                        audit_id,
                        position,
                        &update,
                        PendingChange::Answers {
                            answered: &pending,
                            next: next.as_ref(),
                        },
                    )
                    .await?
                    .ok_or(ServiceError::Stale)?;
                if matches!(update, PlanUpdate::Deadline(_)) {
                    self.plan_deadline_reminders(user_id, audit_id, &entry)
                        .await?;
                }
                entry
            }
            None => {
                if let Some(next) = &next {
                    self.storage.set_pending(next).await?;
                }
                entry
            }
        };
        Ok(match next {
            None => PlanStep::Done {
                audit_id,
                walked: pending.walk,
            },
            Some(pending) if pending.awaiting == Awaiting::MoreHigh => PlanStep::OfferHigh {
                pending,
                count: offer,
            },
            Some(pending) => {
                let entry = match pending.awaiting {
                    Awaiting::Owner { position } if position != entry.position => self
                        .storage
                        .plan(audit_id)
                        .await?
                        .into_iter()
                        .find(|e| e.position == position)
                        .ok_or(ServiceError::Stale)?,
                    _ => entry,
                };
                PlanStep::Ask { pending, entry }
            }
        })
    }

    /// The answer to «add every Высокий problem?»: adds them and asks about
    /// the first one, or ends the walk.
    pub async fn plan_more(&self, user_id: i64, audit_id: i64, add: bool) -> Result<PlanStep> {
        let pending = self.plan_pending(user_id, audit_id).await?;
        if pending.awaiting != Awaiting::MoreHigh {
            return Err(ServiceError::Stale);
        }
        if !add {
            self.storage.clear_pending(user_id).await?;
            return Ok(PlanStep::Done {
                audit_id,
                walked: true,
            });
        }
        let session = self.session(audit_id).await?;
        let before = self.storage.plan(audit_id).await?;
        let drafts = Self::high_candidates(&session, &before);
        let after = self.storage.add_plan_items(audit_id, &drafts).await?;
        let last = before.iter().map(|e| e.position).max().unwrap_or(0);
        match after.into_iter().find(|e| e.position > last) {
            Some(first) => self.walk_from(user_id, audit_id, first).await,
            None => {
                self.storage.clear_pending(user_id).await?;
                Ok(PlanStep::Done {
                    audit_id,
                    walked: true,
                })
            }
        }
    }

    /// The plan prompt the user left unanswered for `audit_id`, if any: what
    /// /plan shows again.
    pub async fn current_plan_step(&self, user_id: i64, audit_id: i64) -> Result<Option<PlanStep>> {
        let Some(pending) = self
            .storage
            .pending(user_id)
            .await?
            .filter(|p| p.audit_id == audit_id)
        else {
            return Ok(None);
        };
        let plan = self.storage.plan(audit_id).await?;
        let step = match pending.awaiting {
            Awaiting::Note { .. } | Awaiting::Blocker { .. } => None,
            Awaiting::MoreHigh => {
                let session = self.session(audit_id).await?;
                let count = Self::high_candidates(&session, &plan).len();
                Some(PlanStep::OfferHigh { pending, count })
            }
            Awaiting::Owner { position }
            | Awaiting::Deadline { position }
            | Awaiting::Solution { position } => plan
                .into_iter()
                .find(|e| e.position == position)
                .map(|entry| PlanStep::Ask { pending, entry }),
        };
        Ok(step)
    }

    /// «Закончить план»: stop asking; what was filled in stays.
    pub async fn plan_stop(&self, user_id: i64, audit_id: i64) -> Result<()> {
        self.plan_pending(user_id, audit_id).await?;
        self.storage.clear_pending(user_id).await?;
        Ok(())
    }
}
