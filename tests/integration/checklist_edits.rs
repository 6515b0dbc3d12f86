//! A checklist file edited while audits are in progress — questions added,
//! removed, reordered, reworded — and the bot restarted on the same
//! database: the audit keeps working, answers stay attached to their question
//! ids, and what the bot shows follows the file as it is now. A file that
//! became broken stops loading with its name and line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use churn_audit_bot::domain::checklist;

use crate::helpers::*;

const FILE: &str = "churn_audit.ru.toml";

fn anna() -> Person {
    Person::new(3001, "Анна")
}

/// The answers to questions 1–5 of the shipped file, given before the edit.
const FIRST_FIVE: [Reply; 5] = [
    Reply::Yes,
    Reply::No(Prio::High),
    Reply::Na(Some(Prio::Medium)),
    Reply::No(Prio::Low),
    Reply::Yes,
];

fn shipped_source() -> String {
    std::fs::read_to_string(questions_dir().join(FILE)).expect("read the checklist")
}

/// The bytes of question `id`'s block: its `[[sections.questions]]` line
/// through its `action` line, newline included.
fn block(source: &str, id: &str) -> Range<usize> {
    let head = format!("[[sections.questions]]\nid = \"{id}\"\n");
    let start = source
        .find(&head)
        .unwrap_or_else(|| panic!("no block of {id}"));
    let mut end = start;
    for _ in 0..5 {
        end += source[end..].find('\n').expect("a line") + 1;
    }
    let last = source[..end - 1].rsplit('\n').next().expect("a line");
    assert!(last.starts_with("action = "), "{id}: {last}");
    start..end
}

/// The 1-based line of the first line of `source` equal to `line`.
fn line_number(source: &str, line: &str) -> usize {
    source
        .lines()
        .position(|l| l == line)
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line {line:?}"))
}

fn toml_block(q: &Question) -> String {
    format!(
        "[[sections.questions]]\nid = \"{}\"\ntext = \"{}\"\nhint = \"{}\"\naction = \"{}\"\n",
        q.id, q.text, q.hint, q.action
    )
}

/// An edit of the checklist file: the edited source, and the checklist as
/// the edited file has it (edited here in the same way, independently of
/// the bot's loader).
type Edit = fn(&str, &mut Sheet) -> String;

fn bump_version(source: &str) -> String {
    assert!(source.contains("\nversion = 1\n"));
    source.replacen("\nversion = 1\n", "\nversion = 2\n", 1)
}

/// A new question before question 3.
fn insert_before_third(source: &str, sheet: &mut Sheet) -> String {
    let new = Question {
        id: "quality.after_sales_call".into(),
        text: "Звоним ли мы клиенту после покупки, чтобы узнать, всё ли в порядке?".into(),
        hint: "Новый вопрос, добавленный, пока аудит шёл.".into(),
        action: "Позвоните пяти последним клиентам & спросите, всё ли в порядке <сегодня>.".into(),
        section: sheet.questions[2].section,
    };
    let at = block(source, &sheet.questions[2].id).start;
    let mut edited = source.to_string();
    edited.insert_str(at, &format!("{}\n", toml_block(&new)));
    sheet.questions.insert(2, new);
    bump_version(&edited)
}

/// Question `index` (0-based) and the blank line after it removed.
fn remove(source: &str, sheet: &mut Sheet, index: usize) -> String {
    let range = block(source, &sheet.questions[index].id);
    assert_eq!(&source[range.end..range.end + 1], "\n");
    let mut edited = source.to_string();
    edited.replace_range(range.start..range.end + 1, "");
    sheet.questions.remove(index);
    bump_version(&edited)
}

fn remove_second(source: &str, sheet: &mut Sheet) -> String {
    remove(source, sheet, 1)
}

/// Question 6, the one Анна is on, removed.
fn remove_sixth(source: &str, sheet: &mut Sheet) -> String {
    remove(source, sheet, 5)
}

/// Questions 4 and 5 swapped.
fn swap_fourth_and_fifth(source: &str, sheet: &mut Sheet) -> String {
    let fourth = block(source, &sheet.questions[3].id);
    let fifth = block(source, &sheet.questions[4].id);
    assert!(fourth.end < fifth.start && sheet.questions[3].section == sheet.questions[4].section);
    let edited = format!(
        "{}{}{}{}{}",
        &source[..fourth.start],
        &source[fifth.clone()],
        &source[fourth.end..fifth.start],
        &source[fourth.clone()],
        &source[fifth.end..]
    );
    sheet.questions.swap(3, 4);
    bump_version(&edited)
}

/// The text of question 2 reworded (with characters HTML must escape).
fn reword_second(source: &str, sheet: &mut Sheet) -> String {
    let q = &mut sheet.questions[1];
    let old = format!("text = \"{}\"\n", q.text);
    let new_text = "Остались ли у продукта известные «боли» клиентов, которые мы так и не решили? (A & B <важно>)";
    let range = block(source, &q.id);
    let within = source[range.clone()].replacen(&old, &format!("text = \"{new_text}\"\n"), 1);
    assert_ne!(within, source[range.clone()], "the text line of {}", q.id);
    q.text = new_text.into();
    let mut edited = source.to_string();
    edited.replace_range(range, &within);
    bump_version(&edited)
}

// ---------------------------------------------------------------------------
// The dialogue after an edit
// ---------------------------------------------------------------------------

fn position_line(sheet: &Sheet, index: usize) -> String {
    let sections = sheet.section_titles.len();
    format!(
        "Раздел {}/{sections} · Вопрос {}/{}",
        sheet.questions[index].section + 1,
        index + 1,
        sheet.questions.len()
    )
}

fn assert_card_shows(card: &str, sheet: &Sheet, index: usize) {
    let q = &sheet.questions[index];
    assert!(card.contains(&position_line(sheet, index)), "{card}");
    assert!(card.contains(&format!("<b>{}</b>", esc(&q.text))), "{card}");
    assert!(card.contains(&format!("<i>{}</i>", esc(&q.hint))), "{card}");
}

/// The 0-based index of the question a card shows ("Вопрос N/T").
fn shown_index(card: &str) -> usize {
    let after = card
        .split("Вопрос ")
        .nth(1)
        .unwrap_or_else(|| panic!("no question on the card:\n{card}"));
    let n: usize = after
        .split('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no question number on the card:\n{card}"));
    n - 1
}

/// What Анна answers to a question, by id: the first five as before the
/// edit, a new question «Нет · Высокий», every other «Да».
fn plan(shipped: &Sheet) -> impl Fn(&str) -> Reply + '_ {
    move |id: &str| {
        if let Some(i) = shipped.questions[..5].iter().position(|q| q.id == id) {
            FIRST_FIVE[i]
        } else if shipped.questions.iter().any(|q| q.id == id) {
            Reply::Yes
        } else {
            Reply::No(Prio::High)
        }
    }
}

fn percent(yes: usize, applicable: usize) -> u32 {
    (yes as f64 * 100.0 / applicable as f64).round() as u32
}

/// Анна answers questions 1–5 of the shipped file; the file is edited and
/// the bot restarted on the same database; then she goes on to the end.
async fn audit_across_an_edit(edit: Edit) {
    let shipped = sheet();
    let mut expected = shipped.clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(FILE);
    let source = shipped_source();
    std::fs::write(&file, &source).expect("copy the checklist");
    let mut h = Harness::with_questions(dir.path()).await;
    let anna = anna();
    h.start_audit(&anna).await;
    for reply in FIRST_FIVE {
        h.answer(&anna, reply).await;
    }
    assert!(h.card_text(&anna).contains("Вопрос 6/39"));
    let audit_id = h.audit_of(&anna).await.id;
    let before = h.answers(audit_id).await;
    assert_eq!(before.len(), 5);

    std::fs::write(&file, edit(&source, &mut expected)).expect("edit the checklist");
    h.restart_with_questions(dir.path()).await;

    assert_eq!(
        h.answers(audit_id).await,
        before,
        "a restart changes no answer"
    );
    let total = expected.questions.len();
    let still_there = |id: &str| expected.questions.iter().any(|q| q.id == id);
    let answered: Vec<usize> = (0..total)
        .filter(|&i| {
            shipped.questions[..5]
                .iter()
                .any(|q| q.id == expected.questions[i].id)
        })
        .collect();

    // /progress counts the answers to questions the file still has.
    h.send_text(&anna, "/progress").await;
    let text = h.last_sent_text();
    let mut needles = vec![format!("Прогресс: {} из {total}", answered.len())];
    for (s, title) in expected.section_titles.iter().enumerate() {
        let in_section = |i: &usize| expected.questions[*i].section == s;
        let all = (0..total).filter(in_section).count();
        let done = answered.iter().filter(|i| in_section(i)).count();
        needles.push(format!("{}. {} — {done}/{all}", s + 1, esc(title)));
    }
    assert_in_order(&text, &needles);

    // /continue shows where Анна was, or else the first unanswered question.
    h.send_text(&anna, "/continue").await;
    let card = h.card_text(&anna);
    let shown = shown_index(&card);
    let was_on = expected
        .questions
        .iter()
        .position(|q| q.id == shipped.questions[5].id);
    let first_unanswered = (0..total).find(|i| !answered.contains(i));
    assert!(
        Some(shown) == was_on || Some(shown) == first_unanswered,
        "question {} shown; Анна was on {was_on:?}, the first unanswered is {first_unanswered:?}",
        shown + 1
    );
    assert_card_shows(&card, &expected, shown);

    // Answering goes on to the end, on the questions of the edited file.
    let plan = plan(&shipped);
    let mut summary = None;
    let mut last_shown = None;
    for _ in 0..3 * total {
        if summary.is_some() {
            break;
        }
        assert!(
            !h.card_buttons(&anna).is_empty(),
            "the card lost its buttons"
        );
        let card = h.card_text(&anna);
        last_shown = Some((h.card_id(&anna), shown_index(&card)));
        let labels: Vec<String> = h.card_labels(&anna).concat();
        if labels.iter().any(|l| l.contains("Завершить")) {
            let finish = labels
                .iter()
                .find(|l| l.contains("Завершить"))
                .expect("one");
            h.tap(&anna, finish).await;
        } else {
            let index = shown_index(&card);
            assert_card_shows(&card, &expected, index);
            h.answer(&anna, plan(&expected.questions[index].id)).await;
        }
        let mut sent = h.sent_texts();
        if sent.iter().any(|t| t.contains("Итоги аудита")) {
            // The plan's first question comes after the summary.
            let prompt = sent.pop().expect("the plan prompt");
            assert!(prompt.contains("Кто отвечает?"), "{prompt}");
            summary = Some(sent.join("\n"));
        }
    }
    let summary = summary.expect("the audit ended with a summary");
    // The finished card keeps one button: a note on the question it showed.
    let (card_id, index) = last_shown.expect("a card was answered");
    let finished = h.message(card_id);
    assert!(
        finished
            .text()
            .unwrap_or_default()
            .contains("Аудит завершён"),
        "{finished:?}"
    );
    assert_eq!(
        labels(&buttons(finished.reply_markup())),
        [[format!("📝 Заметка к вопросу {}", index + 1)]]
    );
    assert_eq!(
        h.card_labels(&anna),
        [
            vec!["👤 Я", "Пропустить"],
            vec!["✏️ Своё решение"],
            vec!["⏹ Закончить план"],
        ],
        "the plan's first question is the live card"
    );
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "finished");

    // Every answer is stored under its question id; answers to removed
    // questions stay in the database.
    let rows = h.answers(audit_id).await;
    let by_id: BTreeMap<&str, &AnswerRow> =
        rows.iter().map(|r| (r.question_id.as_str(), r)).collect();
    for q in shipped.questions[..5].iter().chain(&expected.questions) {
        let row = by_id
            .get(q.id.as_str())
            .unwrap_or_else(|| panic!("no answer to {}", q.id));
        let reply = plan(&q.id);
        assert_eq!(row.answer, reply.code(), "{}", q.id);
        assert_eq!(
            row.priority.as_deref(),
            reply.priority().map(Prio::code),
            "{}",
            q.id
        );
    }
    let removed: Vec<&Question> = shipped
        .questions
        .iter()
        .filter(|q| !still_there(&q.id))
        .collect();
    assert_eq!(
        rows.len(),
        total
            + removed
                .iter()
                .filter(|q| by_id.contains_key(q.id.as_str()))
                .count()
    );

    // The summary is of the file as it is now: its questions, its texts.
    assert!(!summary.contains("Промежуточные"), "{summary}");
    let replies: Vec<Reply> = expected.questions.iter().map(|q| plan(&q.id)).collect();
    let yes = replies.iter().filter(|r| **r == Reply::Yes).count();
    let no = replies.iter().filter(|r| matches!(r, Reply::No(_))).count();
    let overall = format!(
        "Общий балл: {}%</b> — «Да» в {yes} из {}",
        percent(yes, yes + no),
        yes + no
    );
    assert!(summary.contains(&overall), "{overall:?} not in:\n{summary}");
    let mut problems: Vec<(Prio, usize)> = replies
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.priority().map(|p| (p, i)))
        .collect();
    problems.sort_by_key(|&(p, i)| (std::cmp::Reverse(p), i));
    let problems_at = summary.find("Проблемы по приоритету").expect("problems");
    let problems_block = &summary[problems_at..];
    let needles: Vec<String> = problems
        .iter()
        .map(|&(_, i)| format!("• <b>{}</b>", esc(&expected.questions[i].text)))
        .collect();
    assert_in_order(problems_block, &needles);
    assert_eq!(
        problems_block.matches("→ ").count(),
        problems.len(),
        "{problems_block}"
    );
    for q in &shipped.questions {
        if !expected.questions.iter().any(|e| e.text == q.text) {
            assert!(
                !summary.contains(&esc(&q.text)),
                "the old or removed text of {} is in the summary:\n{summary}",
                q.id
            );
        }
    }
}

#[tokio::test]
async fn a_question_inserted_before_question_3_keeps_the_audit_working() {
    audit_across_an_edit(insert_before_third).await;
}

#[tokio::test]
async fn a_removed_answered_question_keeps_its_answer_in_the_database_only() {
    audit_across_an_edit(remove_second).await;
}

#[tokio::test]
async fn the_question_the_owner_is_on_removed_moves_them_to_the_first_unanswered() {
    audit_across_an_edit(remove_sixth).await;
}

#[tokio::test]
async fn questions_4_and_5_swapped_keep_their_answers() {
    audit_across_an_edit(swap_fourth_and_fifth).await;
}

#[tokio::test]
async fn a_reworded_question_is_shown_with_its_new_text() {
    audit_across_an_edit(reword_second).await;
}

// ---------------------------------------------------------------------------
// A file that became broken
// ---------------------------------------------------------------------------

fn load_edited(source: &str) -> checklist::ChecklistError {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(FILE), source).expect("write the checklist");
    let err = checklist::load_dir(dir.path()).expect_err("a broken file must not load");
    assert!(
        Path::new(&err.file).ends_with(FILE),
        "the error names {:?}, not the file",
        err.file
    );
    assert!(err.to_string().contains(FILE), "{err}");
    err
}

#[test]
fn a_checklist_file_with_a_syntax_error_is_refused_naming_the_file_and_line() {
    let source = shipped_source();
    let shipped = sheet();

    let err = load_edited(&source.replacen("\nminutes = 15\n", "\nminutes = = 15\n", 1));
    let line = line_number(&source, "minutes = 15");
    assert_eq!(err.line, Some(line), "{err}");
    assert!(err.to_string().contains(&format!("line {line}")), "{err}");

    // A question's text missing its closing quote.
    let text_line = format!("text = \"{}\"", shipped.questions[7].text);
    let line = line_number(&source, &text_line);
    let err = load_edited(&source.replacen(&text_line, text_line.trim_end_matches('"'), 1));
    assert_eq!(err.line, Some(line), "{err}");

    // A section header left half-typed.
    let err = load_edited(&source.replacen("[[sections]]\nid = \"", "[[sections]\nid = \"", 1));
    let line = line_number(&source, "[[sections]]");
    assert_eq!(err.line, Some(line), "{err}");
}

#[test]
fn a_pasted_question_with_a_duplicate_id_is_refused_naming_the_file_and_line() {
    let source = shipped_source();
    let shipped = sheet();
    let mut copy = shipped.questions[0].clone();
    copy.text = "Копия вопроса".into();
    let at = block(&source, &shipped.questions[10].id).start;
    let mut edited = source.clone();
    edited.insert_str(at, &format!("{}\n", toml_block(&copy)));

    let err = load_edited(&edited);

    let line = edited[..at].lines().count() + 2;
    assert_eq!(err.line, Some(line), "{err}");
    assert!(err.problem.contains("used twice"), "{err}");
}

// ---------------------------------------------------------------------------
// Cards and audits from before the edit
// ---------------------------------------------------------------------------

/// Анна's audit on a copy of the shipped file, questions 1–5 answered; the
/// harness, the folder (keep it alive) and the file.
async fn five_answered() -> (Harness, Person, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(FILE);
    std::fs::write(&file, shipped_source()).expect("copy the checklist");
    let mut h = Harness::with_questions(dir.path()).await;
    let anna = anna();
    h.start_audit(&anna).await;
    for reply in FIRST_FIVE {
        h.answer(&anna, reply).await;
    }
    assert!(h.card_text(&anna).contains("Вопрос 6/39"));
    (h, anna, dir, file)
}

#[tokio::test]
async fn a_card_from_before_an_insert_answers_the_question_it_shows() {
    let shipped = sheet();
    let (mut h, anna, dir, file) = five_answered().await;
    let old_card = h.card(&anna).clone();
    let yes = h.data_of(&anna, YES);
    let mut expected = shipped.clone();
    std::fs::write(&file, insert_before_third(&shipped_source(), &mut expected)).expect("edit");
    h.restart_with_questions(dir.path()).await;
    let audit_id = h.audit_of(&anna).await.id;

    let notice = h.press_on_message(&anna, old_card, &yes).await;

    assert_eq!(notice, "Записано: Да");
    let rows = h.answers(audit_id).await;
    assert_eq!(rows.len(), 6);
    // Besides the five answered before the edit, one answer: to the
    // question the card showed.
    let new: Vec<_> = rows
        .iter()
        .filter(|r| !shipped.questions[..5].iter().any(|q| q.id == r.question_id))
        .collect();
    assert_eq!(new.len(), 1, "{rows:?}");
    assert_eq!(
        new[0].question_id, shipped.questions[5].id,
        "the question the card showed"
    );
    assert_eq!(new[0].answer, "yes");
    let card = h.last_edited_text();
    assert!(card.contains("Вопрос 8/40"), "{card}");
}

#[tokio::test]
async fn a_card_from_before_its_question_was_removed_answers_nothing() {
    let shipped = sheet();
    let (mut h, anna, dir, file) = five_answered().await;
    let old_card = h.card(&anna).clone();
    let yes = h.data_of(&anna, YES);
    let mut expected = shipped.clone();
    std::fs::write(&file, remove_sixth(&shipped_source(), &mut expected)).expect("edit");
    h.restart_with_questions(dir.path()).await;
    let audit_id = h.audit_of(&anna).await.id;
    let before = h.answers(audit_id).await;

    let notice = h.press_on_message(&anna, old_card, &yes).await;

    let after = h.answers(audit_id).await;
    assert_eq!(
        after, before,
        "«Да» pressed under question 6 ({:?}), which the file no longer has, was recorded \
         (notice {notice:?})",
        shipped.questions[5].text
    );
}

#[tokio::test]
async fn a_finished_audit_keeps_a_final_summary_after_a_question_is_added() {
    let shipped = sheet();
    let (mut h, anna, dir, file) = five_answered().await;
    for _ in 5..shipped.questions.len() {
        h.answer(&anna, Reply::Yes).await;
    }
    assert_eq!(h.audit_of(&anna).await.status, "finished");
    let mut expected = shipped.clone();
    std::fs::write(&file, insert_before_third(&shipped_source(), &mut expected)).expect("edit");
    h.restart_with_questions(dir.path()).await;

    h.send_text(&anna, "/summary").await;

    let summary = h.sent_texts().join("\n");
    assert!(summary.contains("Итоги аудита"), "{summary}");
    assert!(!summary.contains("Промежуточные"), "{summary}");
}
