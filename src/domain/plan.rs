//! The action plan: the «Резюме и план действий» of the checklist, one item
//! per problem area, with who is responsible and by when.

use chrono::NaiveDate;

use super::audit::Priority;

/// One row of the action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    /// The problem area: a section title, or a question for a single
    /// «Высокий» problem.
    pub zone: String,
    pub priority: Priority,
    /// The proposed solution: the recommended actions, or the owner's own.
    pub solution: String,
    /// Who is responsible; `None` until named.
    pub owner: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub done: bool,
}
