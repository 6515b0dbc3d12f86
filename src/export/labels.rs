//! Every word the report files (PDF and CSV) show, read once from the
//! locale, so the exporters carry no text of their own.

use chrono::NaiveDate;

use crate::domain::audit::{Answer, Priority, Response};
use crate::i18n::Locale;

/// The words of the report files, in the user's language. Plain text: the
/// files are not HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLabels {
    /// The stem of the files' names, before the date.
    pub file_name: String,
    pub title: String,
    pub date: String,
    pub user: String,
    pub answered: String,
    /// Said of a report on an audit that is not finished.
    pub interim: String,
    pub overall: String,
    /// What a score means.
    pub score_hint: String,

    pub scores_heading: String,
    pub answers_heading: String,
    pub problems_heading: String,
    pub plan_heading: String,

    pub col_number: String,
    pub col_section: String,
    pub col_score: String,
    pub col_answered: String,
    pub col_question_id: String,
    pub col_question: String,
    pub col_answer: String,
    pub col_priority: String,
    pub col_note: String,
    pub col_action: String,
    pub col_zone: String,
    pub col_solution: String,
    pub col_owner: String,
    pub col_deadline: String,
    pub col_done: String,
    /// The CSV's first column: what a row is, an answer or a plan item.
    pub col_kind: String,
    pub kind_answer: String,
    pub kind_plan: String,

    pub answer_yes: String,
    pub answer_no: String,
    pub answer_na: String,
    pub priority_low: String,
    pub priority_medium: String,
    pub priority_high: String,

    pub no_answer: String,
    /// A «Не применимо» the owner chose not to rate.
    pub no_priority: String,
    /// A score with no applicable answer.
    pub no_data: String,
    /// Marks a problem answered «Не применимо».
    pub problem_na: String,
    pub no_problems: String,
    pub no_plan: String,
    pub no_owner: String,
    pub no_deadline: String,
    pub done_yes: String,
    pub done_no: String,
    pub page: String,
    /// Before what blocks a plan item.
    pub blocker: String,
    /// The heading of the call to action.
    pub next_step: String,
}

impl ExportLabels {
    pub fn new(i18n: &Locale) -> Self {
        let t = |key: &str| i18n.t(key);
        Self {
            file_name: t("report-file-name"),
            title: t("report-file-title"),
            date: t("report-file-date"),
            user: t("report-file-user"),
            answered: t("report-file-answered"),
            interim: t("report-file-interim"),
            overall: t("report-file-overall"),
            score_hint: t("report-file-score-hint"),
            scores_heading: t("report-file-scores-heading"),
            answers_heading: t("report-file-answers-heading"),
            problems_heading: t("report-file-problems-heading"),
            plan_heading: t("report-file-plan-heading"),
            col_number: t("report-file-col-number"),
            col_section: t("report-file-col-section"),
            col_score: t("report-file-col-score"),
            col_answered: t("report-file-col-answered"),
            col_question_id: t("report-file-col-question-id"),
            col_question: t("report-file-col-question"),
            col_answer: t("report-file-col-answer"),
            col_priority: t("report-file-col-priority"),
            col_note: t("report-file-col-note"),
            col_action: t("report-file-col-action"),
            col_zone: t("report-file-col-zone"),
            col_solution: t("report-file-col-solution"),
            col_owner: t("report-file-col-owner"),
            col_deadline: t("report-file-col-deadline"),
            col_done: t("report-file-col-done"),
            col_kind: t("report-file-col-kind"),
            kind_answer: t("report-file-kind-answer"),
            kind_plan: t("report-file-kind-plan"),
            answer_yes: t("answer-yes"),
            answer_no: t("answer-no"),
            answer_na: t("answer-na"),
            priority_low: t("priority-low"),
            priority_medium: t("priority-medium"),
            priority_high: t("priority-high"),
            no_answer: t("report-file-no-answer"),
            no_priority: t("report-file-no-priority"),
            no_data: t("report-file-no-data"),
            problem_na: t("report-file-problem-na"),
            no_problems: t("report-file-no-problems"),
            no_plan: t("report-file-no-plan"),
            no_owner: t("report-file-no-owner"),
            no_deadline: t("report-file-no-deadline"),
            done_yes: t("report-file-done-yes"),
            done_no: t("report-file-done-no"),
            page: t("report-file-page"),
            blocker: t("report-file-blocker"),
            next_step: t("report-file-next-step"),
        }
    }

    pub fn answer(&self, answer: Answer) -> &str {
        match answer {
            Answer::Yes => &self.answer_yes,
            Answer::No => &self.answer_no,
            Answer::NotApplicable => &self.answer_na,
        }
    }

    pub fn priority(&self, priority: Priority) -> &str {
        match priority {
            Priority::Low => &self.priority_low,
            Priority::Medium => &self.priority_medium,
            Priority::High => &self.priority_high,
        }
    }

    /// The answer column of a question: its answer, or «нет ответа».
    pub fn answer_cell(&self, response: Option<&Response>) -> &str {
        response.map_or(&self.no_answer, |r| self.answer(r.answer))
    }

    /// The priority column of a question: its priority, «без приоритета» for
    /// a «Не применимо» left unrated, empty otherwise.
    pub fn priority_cell(&self, response: Option<&Response>) -> &str {
        match response {
            Some(Response {
                priority: Some(p), ..
            }) => self.priority(*p),
            Some(Response {
                priority_skipped: true,
                ..
            }) => &self.no_priority,
            _ => "",
        }
    }

    pub fn done(&self, done: bool) -> &str {
        if done {
            &self.done_yes
        } else {
            &self.done_no
        }
    }

    /// A score in whole percent, or «нет данных».
    pub fn percent(&self, percent: Option<u32>) -> String {
        percent.map_or_else(|| self.no_data.clone(), |p| format!("{p}%"))
    }

    #[cfg(test)]
    fn all(&self) -> Vec<&str> {
        let Self {
            file_name,
            title,
            date,
            user,
            answered,
            interim,
            overall,
            score_hint,
            scores_heading,
            answers_heading,
            problems_heading,
            plan_heading,
            col_number,
            col_section,
            col_score,
            col_answered,
            col_question_id,
            col_question,
            col_answer,
            col_priority,
            col_note,
            col_action,
            col_zone,
            col_solution,
            col_owner,
            col_deadline,
            col_done,
            col_kind,
            kind_answer,
            kind_plan,
            answer_yes,
            answer_no,
            answer_na,
            priority_low,
            priority_medium,
            priority_high,
            no_answer,
            no_priority,
            no_data,
            problem_na,
            no_problems,
            no_plan,
            no_owner,
            no_deadline,
            done_yes,
            done_no,
            page,
            blocker,
            next_step,
        } = self;
        [
            file_name,
            title,
            date,
            user,
            answered,
            interim,
            overall,
            score_hint,
            scores_heading,
            answers_heading,
            problems_heading,
            plan_heading,
            col_number,
            col_section,
            col_score,
            col_answered,
            col_question_id,
            col_question,
            col_answer,
            col_priority,
            col_note,
            col_action,
            col_zone,
            col_solution,
            col_owner,
            col_deadline,
            col_done,
            col_kind,
            kind_answer,
            kind_plan,
            answer_yes,
            answer_no,
            answer_na,
            priority_low,
            priority_medium,
            priority_high,
            no_answer,
            no_priority,
            no_data,
            problem_na,
            no_problems,
            no_plan,
            no_owner,
            no_deadline,
            done_yes,
            done_no,
            page,
            blocker,
            next_step,
        ]
        .into_iter()
        .map(String::as_str)
        .collect()
    }
}

impl super::ChartLabels {
    /// The chart's words from the locale.
    pub fn new(i18n: &Locale) -> Self {
        Self {
            title: i18n.t("chart-title"),
            overall: i18n.t("chart-overall"),
            no_data: i18n.t("chart-no-data"),
        }
    }
}

/// A date as the report files show it: DD.MM.YYYY.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// The name to send a report file under, e.g. «Отчёт об аудите
/// 23.11.2026.pdf»; `extension` without the dot.
pub fn file_name(labels: &ExportLabels, date: NaiveDate, extension: &str) -> String {
    format!("{} {}.{extension}", labels.file_name, format_date(date))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn labels() -> ExportLabels {
        ExportLabels::new(&crate::i18n::Locale::new(crate::i18n::Lang::Ru).expect("ru locale"))
    }

    #[test]
    fn every_label_is_in_the_locale() {
        let labels = labels();
        let all = labels.all();
        assert_eq!(all.len(), 49);
        for text in all {
            // A missing key comes back as the key itself.
            let looks_like_key = text.contains('-')
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(!looks_like_key && !text.is_empty(), "missing: {text:?}");
            assert!(!text.contains('<'), "HTML in a plain-text label: {text:?}");
        }
    }

    #[test]
    fn answer_and_priority_cells() {
        let l = labels();
        let r = |answer, priority, priority_skipped| Response {
            answer,
            priority,
            priority_skipped,
        };
        assert_eq!(l.answer_cell(None), "нет ответа");
        assert_eq!(l.priority_cell(None), "");
        let yes = r(Answer::Yes, None, false);
        assert_eq!(
            (l.answer_cell(Some(&yes)), l.priority_cell(Some(&yes))),
            ("Да", "")
        );
        let no = r(Answer::No, Some(Priority::High), false);
        assert_eq!(
            (l.answer_cell(Some(&no)), l.priority_cell(Some(&no))),
            ("Нет", "Высокий")
        );
        let skipped = r(Answer::NotApplicable, None, true);
        assert_eq!(
            (
                l.answer_cell(Some(&skipped)),
                l.priority_cell(Some(&skipped))
            ),
            ("Не применимо", "без приоритета")
        );
        assert_eq!(l.percent(Some(72)), "72%");
        assert_eq!(l.percent(None), "нет данных");
    }

    #[test]
    fn dates_are_day_month_year() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 7).expect("a date");
        assert_eq!(format_date(date), "07.03.2026");
        assert_eq!(
            file_name(&labels(), date, "pdf"),
            "Отчёт об аудите 07.03.2026.pdf"
        );
    }
}
