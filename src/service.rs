//! Use-cases of the audit: start, resume, answer, go back, finish. Each reads
//! the audit from storage, applies the domain rules, and writes the result
//! back before anything is shown to the user.

use std::sync::Arc;

use crate::domain::audit::{Audit, AuditError, Change, Command, Status};
use crate::domain::checklist::Checklist;
use crate::domain::report::Report;
use crate::storage::{AuditRecord, Card, Position, Storage, StorageError, UserInfo};

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
    #[error(transparent)]
    Storage(StorageError),
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

/// An audit as the dialogue needs it: its row, its checklist and its state.
#[derive(Debug, Clone)]
pub struct Session {
    pub record: AuditRecord,
    pub checklist: Arc<Checklist>,
    pub audit: Audit,
}

impl Session {
    pub fn report(&self) -> Report {
        Report::new(&self.checklist, &self.audit)
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

pub struct Service {
    storage: Storage,
    checklists: Vec<Arc<Checklist>>,
}

impl Service {
    pub fn new(storage: Storage, checklists: Vec<Checklist>) -> Self {
        Self {
            storage,
            checklists: checklists.into_iter().map(Arc::new).collect(),
        }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn checklists(&self) -> &[Arc<Checklist>] {
        &self.checklists
    }

    pub fn checklist(&self, id: &str) -> Option<&Arc<Checklist>> {
        self.checklists.iter().find(|c| c.id == id)
    }

    pub async fn touch_user(&self, user: &UserInfo) -> Result<()> {
        Ok(self.storage.upsert_user(user).await?)
    }

    /// Starts a new audit of a checklist; one in progress becomes abandoned.
    pub async fn start(
        &self,
        user: &UserInfo,
        chat_id: i64,
        checklist_id: &str,
    ) -> Result<Session> {
        let checklist = self
            .checklist(checklist_id)
            .ok_or_else(|| ServiceError::UnknownChecklist(checklist_id.to_string()))?
            .clone();
        let audit = Audit::new(&checklist);
        self.storage.upsert_user(user).await?;
        let record = self
            .storage
            .create_audit(
                user.id,
                chat_id,
                &checklist.id,
                checklist.version,
                audit.current_question_id(),
            )
            .await?;
        Ok(Session {
            record,
            checklist,
            audit,
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
                session.checklist.version,
            )
            .await?;
        // None: a concurrent press changed the audit first; its revision
        // already outdates the old cards.
        if let Some(revision) = rebased {
            session.record.revision = revision;
            session.record.current_question_id = Some(current.to_string());
            session.record.checklist_version = session.checklist.version;
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

    pub async fn session(&self, audit_id: i64) -> Result<Session> {
        let record = self
            .storage
            .audit(audit_id)
            .await?
            .ok_or(ServiceError::NoAudit)?;
        self.load(record).await
    }

    async fn load(&self, record: AuditRecord) -> Result<Session> {
        let mut session = self.restore(record).await?;
        self.rebase_if_edited(&mut session).await?;
        Ok(session)
    }

    /// An audit as stored, read only: for overviews that must not write.
    async fn restore(&self, record: AuditRecord) -> Result<Session> {
        let checklist = self
            .checklist(&record.checklist_id)
            .ok_or_else(|| ServiceError::UnknownChecklist(record.checklist_id.clone()))?
            .clone();
        let responses = self.storage.responses(record.id).await?;
        let audit = Audit::restore(
            &checklist,
            responses,
            record.current_question_id.as_deref(),
            record.status,
        );
        Ok(Session {
            record,
            checklist,
            audit,
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
        let mut session = self.session(audit_id).await?;
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
        let new_revision = self
            .storage
            .save(
                audit_id,
                revision,
                &change,
                Position {
                    current_question_id: current,
                    status,
                },
            )
            .await?;
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
                    let report = Report::new(checklist, &session.audit);
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

    /// Records the message that is now the audit's card; returns the old one.
    pub async fn set_card(&self, audit_id: i64, card: Card) -> Result<Option<Card>> {
        Ok(self.storage.set_card(audit_id, card).await?)
    }
}
