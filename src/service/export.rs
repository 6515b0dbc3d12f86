//! The operator's export as files: every answer and every plan item,
//! streamed from the database into CSV parts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};
use futures_util::TryStreamExt;

use super::{Result, Service, ServiceError};
use crate::domain::lang::Lang;
use crate::export::bulk::{BulkLabels, PartedCsv};
use crate::export::{format_date, ExportError};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFiles {
    pub answers: Vec<PathBuf>,
    pub answer_rows: u64,
    pub plans: Vec<PathBuf>,
    pub plan_rows: u64,
}

fn when(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|d| d.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

impl From<ExportError> for ServiceError {
    fn from(e: ExportError) -> Self {
        ServiceError::Export(e.to_string())
    }
}

impl Service {
    /// Writes the export into `dir`, each file at most about `limit` bytes.
    pub async fn export_to(
        &self,
        dir: &Path,
        labels: &BulkLabels,
        limit: u64,
    ) -> Result<ExportFiles> {
        let day = Local::now().date_naive().format("%Y-%m-%d").to_string();
        // Question texts, per checklist and language, looked up once.
        let mut texts: HashMap<(String, Lang), HashMap<String, String>> = HashMap::new();
        let mut answers = PartedCsv::new(
            dir,
            &format!("{}-{day}", labels.answers_file),
            labels.answers_header.clone(),
            limit,
        );
        let mut rows = std::pin::pin!(self.storage.answer_rows());
        while let Some(row) = rows.try_next().await? {
            let lang = row.language.as_deref().and_then(Lang::parse);
            let question = match self.checklist(&row.checklist_id) {
                Some(checklist) => {
                    let lang = lang.unwrap_or(checklist.original().language);
                    let key = (row.checklist_id.clone(), lang);
                    let map = texts.entry(key).or_insert_with(|| {
                        checklist
                            .get(lang)
                            .questions()
                            .map(|(_, q)| (q.id.clone(), q.text.clone()))
                            .collect()
                    });
                    map.get(&row.question_id).cloned().unwrap_or_default()
                }
                None => String::new(),
            };
            let answer = match row.answer.as_str() {
                "yes" => &labels.report.answer_yes,
                "no" => &labels.report.answer_no,
                _ => &labels.report.answer_na,
            };
            let priority = match row.priority.as_deref() {
                Some("low") => labels.report.priority_low.as_str(),
                Some("medium") => &labels.report.priority_medium,
                Some("high") => &labels.report.priority_high,
                _ => "",
            };
            let status = match row.status.as_str() {
                "finished" => &labels.status_finished,
                "abandoned" => &labels.status_abandoned,
                _ => &labels.status_in_progress,
            };
            answers.row(&[
                &row.audit_id.to_string(),
                &row.user_id.to_string(),
                &row.first_name,
                row.username.as_deref().unwrap_or_default(),
                &row.checklist_id,
                &row.checklist_version.to_string(),
                row.language.as_deref().unwrap_or_default(),
                row.source.as_deref().unwrap_or_default(),
                &when(row.started_at),
                &row.finished_at.map(when).unwrap_or_default(),
                status,
                &row.question_id,
                &question,
                answer,
                priority,
                row.note.as_deref().unwrap_or_default(),
            ])?;
        }
        let (answer_files, answer_rows) = answers.finish()?;
        let mut plans = PartedCsv::new(
            dir,
            &format!("{}-{day}", labels.plans_file),
            labels.plans_header.clone(),
            limit,
        );
        let mut rows = std::pin::pin!(self.storage.plan_rows());
        while let Some(row) = rows.try_next().await? {
            let priority = match row.priority.as_str() {
                "low" => &labels.report.priority_low,
                "medium" => &labels.report.priority_medium,
                _ => &labels.report.priority_high,
            };
            let deadline = row
                .deadline
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(format_date)
                .unwrap_or_default();
            plans.row(&[
                &row.audit_id.to_string(),
                &row.zone,
                priority,
                &row.solution,
                row.owner.as_deref().unwrap_or_default(),
                &deadline,
                if row.done {
                    &labels.report.done_yes
                } else {
                    &labels.report.done_no
                },
            ])?;
        }
        let (plan_files, plan_rows) = plans.finish()?;
        Ok(ExportFiles {
            answers: answer_files,
            answer_rows,
            plans: plan_files,
            plan_rows,
        })
    }
}
