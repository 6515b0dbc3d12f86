//! The report as a CSV table: every answer, then the action plan.
//!
//! The file is UTF-8 with a byte-order mark, so Excel shows Cyrillic, and
//! its fields are separated by [`CSV_DELIMITER`] (`;`), the list separator
//! of Excel in Russian (and most European) settings: a double-click opens
//! it as columns. Fields are quoted when they hold the separator, a quote or
//! a line break.
//!
//! One header row, then one row per question of the checklist in checklist
//! order, then one row per plan item. The first column says which kind a row
//! is ([`ExportLabels::kind_answer`] or [`ExportLabels::kind_plan`]); each
//! kind fills its own columns and leaves the others empty:
//!
//! | column | answer row | plan row |
//! | --- | --- | --- |
//! | kind | «Ответ» | «План» |
//! | section | section title | |
//! | question id | the question's stable id | |
//! | question | question text | |
//! | answer | «Да» / «Нет» / «Не применимо» / «нет ответа» | |
//! | priority | priority, «без приоритета», or empty | the item's priority |
//! | note | the owner's note | |
//! | recommended action | the checklist's action for the question | |
//! | zone | | the problem area |
//! | solution | | the proposed solution |
//! | owner | | who is responsible, or «не назначен» |
//! | deadline | | DD.MM.YYYY, or «не задан» |
//! | done | | «Да» / «Нет» |
//!
//! A field that starts with `=`, `+`, `-` or `@` gets a leading `'`, so
//! that a spreadsheet shows it as text instead of running it as a formula.

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use super::labels::{format_date, ExportLabels};
use super::{ExportError, ReportInput};

/// The field separator of the CSV file.
pub const CSV_DELIMITER: u8 = b';';

const BOM: &[u8] = "\u{feff}".as_bytes();

/// Renders the report as CSV bytes (UTF-8 with BOM); see the module's
/// documentation for the columns.
pub fn report_csv(input: &ReportInput, labels: &ExportLabels) -> Result<Vec<u8>, ExportError> {
    let mut writer = WriterBuilder::new()
        .delimiter(CSV_DELIMITER)
        .quote_style(QuoteStyle::Necessary)
        .terminator(Terminator::CRLF)
        .from_writer(BOM.to_vec());
    writer.write_record([
        &labels.col_kind,
        &labels.col_section,
        &labels.col_question_id,
        &labels.col_question,
        &labels.col_answer,
        &labels.col_priority,
        &labels.col_note,
        &labels.col_action,
        &labels.col_zone,
        &labels.col_solution,
        &labels.col_owner,
        &labels.col_deadline,
        &labels.col_done,
    ])?;
    for section in &input.checklist.sections {
        for question in &section.questions {
            let response = input.audit.response_to(&question.id);
            let note = input.notes.get(&question.id).map_or("", String::as_str);
            write(
                &mut writer,
                [
                    labels.kind_answer.as_str(),
                    &section.title,
                    &question.id,
                    &question.text,
                    labels.answer_cell(response),
                    labels.priority_cell(response),
                    note,
                    &question.action,
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            )?;
        }
    }
    for item in input.plan {
        let deadline = item
            .deadline
            .map_or_else(|| labels.no_deadline.clone(), format_date);
        write(
            &mut writer,
            [
                labels.kind_plan.as_str(),
                "",
                "",
                "",
                "",
                labels.priority(item.priority),
                "",
                "",
                &item.zone,
                &item.solution,
                item.owner.as_deref().unwrap_or(&labels.no_owner),
                &deadline,
                labels.done(item.done),
            ],
        )?;
    }
    writer
        .into_inner()
        .map_err(|e| ExportError::Io(e.into_error()))
}

fn write<W: std::io::Write>(
    writer: &mut ::csv::Writer<W>,
    fields: [&str; 13],
) -> Result<(), ExportError> {
    writer.write_record(fields.map(as_text).iter().map(|f| f.as_bytes()))?;
    Ok(())
}

/// `field`, made safe to open in a spreadsheet: one that would start a
/// formula gets a leading apostrophe.
pub(super) fn as_text(field: &str) -> std::borrow::Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}").into()
    } else {
        field.into()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::NaiveDate;

    use super::*;
    use crate::domain::audit::{Answer, Audit, Priority};
    use crate::domain::checklist::Checklist;
    use crate::domain::plan::PlanItem;
    use crate::export::fixtures::{answered_in_pattern, response, shipped};
    use crate::export::labels::tests::labels;

    /// Every question answered, in a repeating pattern of all kinds.
    fn answered(checklist: &Checklist) -> Audit {
        let kinds = [
            response(Answer::Yes, None),
            response(Answer::No, Some(Priority::High)),
            response(Answer::NotApplicable, None),
            response(Answer::No, Some(Priority::Low)),
            response(Answer::NotApplicable, Some(Priority::Medium)),
        ];
        answered_in_pattern(checklist, &kinds)
    }

    fn read(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(CSV_DELIMITER)
            .from_reader(bytes.strip_prefix(BOM).expect("a BOM"));
        let header = reader
            .headers()
            .expect("a header")
            .iter()
            .map(String::from)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.expect("a record").iter().map(String::from).collect())
            .collect();
        (header, rows)
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date")
    }

    #[test]
    fn the_csv_has_a_bom_a_header_every_question_and_the_plan() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let first = checklist.sections[0].questions[0].id.clone();
        let second = checklist.sections[0].questions[1].id.clone();
        let notes = HashMap::from([(second.clone(), "Звонить, а не писать".to_string())]);
        let plan = vec![
            PlanItem {
                zone: "Клиентский сервис".into(),
                priority: Priority::High,
                solution: "Ввести стандарт ответа".into(),
                owner: Some("Мария".into()),
                deadline: Some(date()),
                done: false,
                blocker: None,
            },
            PlanItem {
                zone: "Онбординг".into(),
                priority: Priority::Low,
                solution: "Письмо-приветствие".into(),
                owner: None,
                deadline: None,
                done: true,
                blocker: None,
            },
        ];
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let l = labels();
        let bytes = report_csv(&input, &l).expect("a CSV");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let (header, rows) = read(&bytes);
        assert_eq!(header.len(), 13);
        assert_eq!(header[0], "Тип строки");
        assert_eq!(header[3], "Вопрос");
        assert_eq!(checklist.question_count(), 39);
        assert_eq!(rows.len(), 39 + 2);
        assert!(rows.iter().all(|r| r.len() == 13));

        let answers: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "Ответ").collect();
        assert_eq!(answers.len(), 39);
        let ids: Vec<&str> = answers.iter().map(|r| r[2].as_str()).collect();
        let expected: Vec<&str> = checklist.questions().map(|(_, q)| q.id.as_str()).collect();
        assert_eq!(ids, expected, "one row per question, in checklist order");

        let (_, q0) = checklist.question(0).expect("a question");
        assert_eq!(answers[0][1], checklist.sections[0].title);
        assert_eq!(answers[0][2], first);
        assert_eq!(answers[0][3], q0.text);
        assert_eq!((answers[0][4].as_str(), answers[0][5].as_str()), ("Да", ""));
        assert_eq!(answers[0][7], q0.action);
        assert_eq!(
            (answers[1][4].as_str(), answers[1][5].as_str()),
            ("Нет", "Высокий")
        );
        assert_eq!(answers[1][6], "Звонить, а не писать");
        assert_eq!(
            (answers[2][4].as_str(), answers[2][5].as_str()),
            ("Не применимо", "без приоритета")
        );
        assert!(answers.iter().all(|r| r[8..].iter().all(String::is_empty)));

        let plan_rows = &rows[39..];
        assert_eq!(
            plan_rows[0],
            [
                "План",
                "",
                "",
                "",
                "",
                "Высокий",
                "",
                "",
                "Клиентский сервис",
                "Ввести стандарт ответа",
                "Мария",
                "23.11.2026",
                "Нет"
            ]
        );
        assert_eq!(
            plan_rows[1][8..],
            [
                "Онбординг",
                "Письмо-приветствие",
                "не назначен",
                "не задан",
                "Да"
            ]
        );
        assert_eq!(plan_rows[1][5], "Низкий");
    }

    #[test]
    fn awkward_fields_survive_the_round_trip() {
        let checklist = shipped();
        let audit = Audit::new(&checklist);
        let id = checklist.sections[1].questions[2].id.clone();
        let note = "Первая строка; «кавычки», \"двойные\"\nвторая строка, с запятой\r\nтретья";
        let notes = HashMap::from([(id.clone(), note.to_string())]);
        let plan = vec![PlanItem {
            zone: "Зона; с разделителем".into(),
            priority: Priority::Medium,
            solution: "Сказать \"спасибо\",\nпотом — перезвонить".into(),
            owner: Some("=HYPERLINK(\"x\")".into()),
            deadline: None,
            done: false,
            blocker: None,
        }];
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &plan,
            next_step: None,
        };
        let (_, rows) = read(&report_csv(&input, &labels()).expect("a CSV"));
        assert_eq!(rows.len(), 39 + 1);
        let row = rows
            .iter()
            .find(|r| r[2] == id)
            .expect("the question's row");
        assert_eq!(row[6], note);
        assert_eq!(row[4], "нет ответа", "an unanswered question");
        let plan_row = &rows[39];
        assert_eq!(plan_row[8], "Зона; с разделителем");
        assert_eq!(plan_row[9], "Сказать \"спасибо\",\nпотом — перезвонить");
        assert_eq!(plan_row[10], "'=HYPERLINK(\"x\")", "a formula is defused");
    }

    #[test]
    fn an_empty_plan_gives_only_the_answers() {
        let checklist = shipped();
        let audit = answered(&checklist);
        let notes = HashMap::new();
        let input = ReportInput {
            checklist: &checklist,
            audit: &audit,
            user_name: "Иван",
            date: date(),
            notes: &notes,
            plan: &[],
            next_step: None,
        };
        let (_, rows) = read(&report_csv(&input, &labels()).expect("a CSV"));
        assert_eq!(rows.len(), 39);
    }
}
