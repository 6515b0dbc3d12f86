//! The operator's export, read as streams of rows so that memory stays flat
//! however many audits there are. The SQL is in `sql/export.rs`.

/// One answer with its audit and user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerExportRow {
    pub audit_id: i64,
    pub user_id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub language: Option<String>,
    pub checklist_id: String,
    pub checklist_version: i64,
    pub source: Option<String>,
    pub status: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub question_id: String,
    pub answer: String,
    pub priority: Option<String>,
    pub note: Option<String>,
}

/// One plan item with its audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanExportRow {
    pub audit_id: i64,
    pub zone: String,
    pub priority: String,
    pub solution: String,
    pub owner: Option<String>,
    pub deadline: Option<String>,
    pub done: bool,
}
