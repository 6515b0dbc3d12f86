//! Exports of a finished audit in forms other than chat messages.

pub mod bulk;
pub mod chart;
pub mod csv;
pub mod labels;
mod palette;
pub mod pdf;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::audit::Audit;
use crate::domain::checklist::Checklist;
use crate::domain::plan::PlanItem;

pub use self::csv::{report_csv, CSV_DELIMITER};
pub use chart::{chart_height, section_chart, ChartError, ChartLabels, CHART_WIDTH, MAX_SECTIONS};
pub use labels::{file_name, format_date, ExportLabels};
pub use pdf::report_pdf;

/// The font embedded in the binary, DejaVu Sans (it has Cyrillic), shared by
/// the chart and the PDF so the binary carries it once.
pub(crate) static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Everything a report file shows about one audit.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub checklist: &'a Checklist,
    pub audit: &'a Audit,
    /// The user's name as they are shown in Telegram.
    pub user_name: &'a str,
    /// The audit's date.
    pub date: NaiveDate,
    /// The owner's notes, by question id.
    pub notes: &'a HashMap<String, String>,
    pub plan: &'a [PlanItem],
    /// The operator's call to action: its text and URL, on the last page.
    pub next_step: Option<(&'a str, &'a str)>,
}

/// How a section's score reads at a glance; the chart and the PDF colour
/// scores by it (red, amber, green).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Band {
    /// Under 50 %.
    Weak,
    /// 50 to 79 %.
    Fair,
    /// 80 % and more.
    Good,
}

impl Band {
    pub(crate) fn of(percent: u32) -> Self {
        match percent {
            0..=49 => Band::Weak,
            50..=79 => Band::Fair,
            _ => Band::Good,
        }
    }
}

/// What the export tests share.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::Path;

    use crate::domain::audit::{Answer, Priority, Response};
    use crate::domain::checklist::{load_dir, Checklist};

    /// The checklist in `questions/`.
    pub(crate) fn shipped() -> Checklist {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
        load_dir(&dir)
            .expect("the shipped checklists")
            .into_iter()
            .find(|c| c.id() == "churn_audit")
            .expect("the churn audit")
            .original()
            .as_ref()
            .clone()
    }

    /// An audit of `checklist` with every question answered, cycling
    /// through `pattern`.
    pub(crate) fn answered_in_pattern(
        checklist: &Checklist,
        pattern: &[Response],
    ) -> crate::domain::audit::Audit {
        let responses = checklist
            .questions()
            .enumerate()
            .map(|(i, (_, q))| (q.id.clone(), pattern[i % pattern.len()]))
            .collect();
        crate::domain::audit::Audit::restore(
            checklist,
            responses,
            None,
            crate::domain::audit::Status::Finished,
        )
    }

    /// A complete response; an unrated «Не применимо» is a skip.
    pub(crate) fn response(answer: Answer, priority: Option<Priority>) -> Response {
        Response {
            answer,
            priority,
            priority_skipped: answer == Answer::NotApplicable && priority.is_none(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("compressing the PDF failed: {0}")]
    Io(#[from] std::io::Error),
}
