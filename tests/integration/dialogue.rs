//! The audit dialogue end to end through the handler tree, on a mocked
//! Telegram (teloxide_tests) and a real SQLite database per test.

use std::collections::BTreeMap;

use crate::helpers::*;

const ACK_STARTED: &str = "Аудит начат. Первый вопрос ниже.";
const ACK_BACK: &str = "Предыдущий вопрос";
const ACK_UNDO: &str = "Ответ отменён — выберите заново";
const ACK_CONTINUE: &str = "Продолжаем";
const ACK_FINISHED: &str = "Аудит завершён! Отправляю итоги…";
const NOTICE_STALE: &str =
    "Эта кнопка уже нажата или устарела — ничего не изменено. Актуальный вопрос: /continue";
const NOTICE_NOT_YOURS: &str = "Это не ваш аудит. Свой можно начать командой /start";
const NOTICE_UNKNOWN: &str =
    "Не понимаю эту кнопку — ничего не изменено. Актуальный вопрос: /continue";
const NO_AUDIT: &str = "Сейчас нет начатого аудита. Отправьте /start, чтобы начать.";

fn anna() -> Person {
    Person::new(1001, "Анна")
}

fn boris() -> Person {
    Person::new(1002, "Борис")
}

/// The answers of the whole-audit test, one string per section: `Y` Да,
/// `H`/`M`/`L` Нет with a priority, `S` Не применимо skipped, `h`/`m`/`l`
/// Не применимо with a priority. Sections 1 and 5 have no problem (their
/// strengths); the problem weights of sections 6, 3, 2, 4 are 9, 8, 7, 4.
const PLAN: [&str; 6] = [
    "YYSYYY", "YHMLSYl", "HHYMSY", "LYLYSYm", "YYYYYS", "MHhYLYS",
];

fn plan() -> Vec<Reply> {
    PLAN.iter()
        .flat_map(|section| section.chars())
        .map(|c| match c {
            'Y' => Reply::Yes,
            'H' => Reply::No(Prio::High),
            'M' => Reply::No(Prio::Medium),
            'L' => Reply::No(Prio::Low),
            'S' => Reply::Na(None),
            'h' => Reply::Na(Some(Prio::High)),
            'm' => Reply::Na(Some(Prio::Medium)),
            'l' => Reply::Na(Some(Prio::Low)),
            other => panic!("bad plan code {other}"),
        })
        .collect()
}

/// The notices a reply gets, press by press.
fn expected_notices(reply: Reply) -> Vec<String> {
    let rated = |answer: &str, p: Prio| format!("Записано: {answer} · {}", p.word());
    match reply {
        Reply::Yes => vec!["Записано: Да".into()],
        Reply::No(p) => vec!["Записано: Нет".into(), rated("Нет", p)],
        Reply::Na(None) => vec![
            "Записано: Не применимо".into(),
            "Записано: Не применимо · без приоритета".into(),
        ],
        Reply::Na(Some(p)) => vec!["Записано: Не применимо".into(), rated("Не применимо", p)],
    }
}

/// The labels a press of a reply uses, press by press.
fn reply_labels(reply: Reply) -> Vec<&'static str> {
    match reply {
        Reply::Yes => vec![YES],
        Reply::No(p) => vec![NO, p.label()],
        Reply::Na(p) => vec![NA, p.map_or(SKIP, Prio::label)],
    }
}

fn percent(yes: usize, applicable: usize) -> u32 {
    (yes as f64 * 100.0 / applicable as f64).round() as u32
}

fn position_line(sheet: &Sheet, index: usize) -> String {
    format!(
        "Раздел {}/{} · Вопрос {}/{}",
        sheet.questions[index].section + 1,
        sheet.section_titles.len(),
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

fn strs(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// The card's last row once question `number` (1-based) has an answer.
fn note_row(number: usize) -> Vec<String> {
    vec![format!("📝 Заметка к вопросу {number}")]
}

/// The buttons of the first plan prompt after the last answer.
fn plan_prompt_labels() -> Vec<Vec<String>> {
    strs(&[
        &["👤 Я", "Пропустить"],
        &["✏️ Своё решение"],
        &["⏹ Закончить план"],
    ])
}

/// The date part of the report files' names: the UTC day the audit was
/// finished, as every other audit date the bot shows.
fn report_day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%d.%m.%Y").to_string()
}

/// Answers the next `replies` in order, each on the live card.
async fn answer_all(h: &mut Harness, who: &Person, replies: &[Reply]) {
    for &reply in replies {
        h.answer(who, reply).await;
    }
}

// ---------------------------------------------------------------------------
// 1. /start and the first card
// ---------------------------------------------------------------------------

#[tokio::test]
async fn start_greets_with_the_intro_legend_and_scale_and_the_button_opens_question_one() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();

    h.send_text(&anna, "/start").await;

    let greeting = h.last_sent_text();
    for part in [
        "Здравствуйте, Анна!".to_string(),
        format!("<b>{}</b>", esc(&sheet.title)),
        esc(&sheet.intro),
        format!("✅ <b>Да</b> — {}", esc(&sheet.answers[0])),
        format!("❌ <b>Нет</b> — {}", esc(&sheet.answers[1])),
        format!("➖ <b>Не применимо</b> — {}", esc(&sheet.answers[2])),
        format!("🟢 <b>Низкий</b> — {}", esc(&sheet.priorities[0])),
        format!("🟡 <b>Средний</b> — {}", esc(&sheet.priorities[1])),
        format!("🔴 <b>Высокий</b> — {}", esc(&sheet.priorities[2])),
        "39 вопросов".to_string(),
    ] {
        assert!(greeting.contains(&part), "{part:?} not in:\n{greeting}");
    }
    assert_eq!(h.card_labels(&anna), strs(&[&[START]]));
    let greeting_id = h.card_id(&anna);

    let notice = h.tap(&anna, START).await;

    assert_eq!(notice, ACK_STARTED);
    assert_eq!(h.sent_texts().len(), 1, "one new card");
    assert_ne!(h.card_id(&anna), greeting_id);
    let card = h.card_text(&anna);
    assert_card_shows(&card, &sheet, 0);
    assert!(card.contains("Раздел 1/6 · Вопрос 1/39"), "{card}");
    assert!(card.contains(&format!("<b>{}</b>", esc(&sheet.section_titles[0]))));
    assert_eq!(h.card_labels(&anna), strs(&[&[YES, NO], &[NA]]));
    assert!(!card.contains("Ваш ответ"));
    assert!(
        h.stripped().contains(&greeting_id),
        "the greeting keeps its button"
    );
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "in_progress");
    assert_eq!(
        audit.current_question_id.as_deref(),
        Some(sheet.questions[0].id.as_str())
    );
}

// ---------------------------------------------------------------------------
// 2. A whole audit to the summary
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_whole_audit_is_answered_on_one_card_and_ends_with_the_summary() {
    let sheet = sheet();
    let plan = plan();
    assert_eq!(plan.len(), sheet.questions.len());
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    let card_id = h.card_id(&anna);

    let mut summary = String::new();
    let mut plan_prompt = String::new();
    for (i, &reply) in plan.iter().enumerate() {
        assert_card_shows(&h.card_text(&anna), &sheet, i);
        let labels = reply_labels(reply);
        let mut notices = expected_notices(reply);
        let last_question = i + 1 == plan.len();
        if last_question {
            *notices.last_mut().expect("a notice") = ACK_FINISHED.to_string();
        }
        for (press, (label, expected)) in labels.iter().zip(&notices).enumerate() {
            let notice = h.tap(&anna, label).await;
            assert_eq!(&notice, expected, "question {}, press {label}", i + 1);
            let edits = h.edited_texts();
            assert_eq!(edits.len(), 1, "one edit per press: {edits:?}");
            assert_eq!(edits[0].0, card_id, "the card is edited in place");
            let final_press = last_question && press + 1 == labels.len();
            if final_press {
                // The summary, the chart, then the first question of the
                // plan as a new message with buttons.
                let mut texts = h.sent_texts();
                plan_prompt = texts.pop().expect("the plan prompt");
                summary = texts.join("\n");
                assert_eq!(
                    h.sent_photos(),
                    vec![(
                        "chart.png".to_string(),
                        "📊 Баллы по разделам: доля «Да» среди применимых ответов".to_string()
                    )],
                    "the chart follows the summary"
                );
                assert!(h.sent_documents().is_empty(), "the files wait for the plan");
                let sent = &h.last.sent_messages_text;
                let text_ids: Vec<i32> = sent.iter().map(|t| t.message.id.0).collect();
                let photo_id = h.last.sent_messages_photo[0].message.id.0;
                let (prompt_id, summary_ids) = text_ids.split_last().expect("texts");
                assert!(
                    summary_ids.iter().all(|&id| id < photo_id) && photo_id < *prompt_id,
                    "summary {summary_ids:?}, then the chart {photo_id}, then the plan {prompt_id}"
                );
                assert!(
                    sent[..summary_ids.len()]
                        .iter()
                        .all(|t| t.bot_request.reply_markup.is_none()),
                    "the summary has no buttons"
                );
                assert_eq!(
                    h.card_id(&anna),
                    *prompt_id,
                    "the plan prompt is the live card"
                );
            } else {
                assert_eq!(h.card_id(&anna), card_id, "the card moved");
                assert!(h.last.sent_messages.is_empty(), "no new message per press");
            }
        }
    }

    // The audit card ends with one button: a note on the last answer.
    let card = h.message(card_id).text().unwrap_or_default().to_string();
    assert!(card.contains("Аудит завершён"), "{card}");
    assert!(card.contains("39 из 39"), "{card}");
    assert_eq!(
        labels(&buttons(h.message(card_id).reply_markup())),
        vec![note_row(39)]
    );

    // The plan starts with the heaviest zone: who is responsible?
    assert_eq!(plan_prompt, h.card_text(&anna));
    assert!(
        plan_prompt.contains("Теперь план действий"),
        "{plan_prompt}"
    );
    assert!(plan_prompt.contains("Кто отвечает?"), "{plan_prompt}");
    assert!(plan_prompt.contains("пункт 1 из 3"), "{plan_prompt}");
    assert_eq!(h.card_labels(&anna), plan_prompt_labels());

    // The overall score and the section scores, computed here.
    let count = |pred: &dyn Fn(&Reply) -> bool, section: Option<usize>| {
        plan.iter()
            .zip(&sheet.questions)
            .filter(|(r, q)| pred(r) && section.is_none_or(|s| q.section == s))
            .count()
    };
    let is_yes = |r: &Reply| *r == Reply::Yes;
    let is_no = |r: &Reply| matches!(r, Reply::No(_));
    let (yes, no) = (count(&is_yes, None), count(&is_no, None));
    assert!(summary.contains("Итоги аудита"), "{summary}");
    assert!(!summary.contains("Промежуточные"));
    assert!(
        summary.contains(&format!(
            "Общий балл: {}%</b> — «Да» в {yes} из {}",
            percent(yes, yes + no),
            yes + no
        )),
        "{summary}"
    );
    for (s, title) in sheet.section_titles.iter().enumerate() {
        let (y, n) = (count(&is_yes, Some(s)), count(&is_no, Some(s)));
        let line = format!("{}% · {}", percent(y, y + n), esc(title));
        assert!(summary.contains(&line), "{line:?} not in:\n{summary}");
    }

    // The problems: every rated answer, highest priority first, then in
    // checklist order, each with its recommended action from the TOML.
    let mut problems: Vec<(Prio, usize, Reply)> = plan
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.priority().map(|p| (p, i, *r)))
        .collect();
    problems.sort_by_key(|&(p, i, _)| (std::cmp::Reverse(p), i));

    // Top-3 zones: the sections with the heaviest problems.
    let mut weights: BTreeMap<usize, u32> = BTreeMap::new();
    for &(p, i, _) in &problems {
        *weights.entry(sheet.questions[i].section).or_default() += p.weight();
    }
    let mut ranked: Vec<(usize, u32)> = weights.into_iter().collect();
    ranked.sort_by_key(|&(s, w)| (std::cmp::Reverse(w), s));
    assert!(
        ranked.len() > 3 && ranked[2].1 > ranked[3].1,
        "the plan has a clear top 3"
    );
    let top_at = summary.find("Топ-3 проблемные зоны").expect("top-3 title");
    let problems_at = summary
        .find("Проблемы по приоритету")
        .expect("problems title");
    assert!(top_at < problems_at);
    let top_block = &summary[top_at..problems_at];
    let mut needles = Vec::new();
    for (n, &(s, _)) in ranked.iter().take(3).enumerate() {
        let zone: Vec<_> = problems
            .iter()
            .filter(|(_, i, _)| sheet.questions[*i].section == s)
            .collect();
        let top = zone[0].0;
        needles.push(format!(
            "{}. <b>{}</b> — {} {}",
            n + 1,
            esc(&sheet.section_titles[s]),
            top.icon(),
            top.word()
        ));
    }
    assert_in_order(top_block, &needles);
    assert!(!top_block.contains("4. <b>"), "more than three zones");
    // Each thing once: the actions stand under their problems only.
    for &(_, i, _) in &problems {
        let action = esc(&sheet.questions[i].action);
        assert_eq!(summary.matches(&action).count(), 1, "{action}");
    }
    let first_zone = format!("<b>{}</b>", esc(&sheet.section_titles[ranked[0].0]));
    assert!(
        plan_prompt.contains(&first_zone),
        "{first_zone:?} not in:\n{plan_prompt}"
    );

    let strengths_at = summary.find("Сильные стороны").expect("strengths title");
    let problems_block = &summary[problems_at..strengths_at];
    let mut needles = Vec::new();
    let mut group = None;
    for &(p, i, reply) in &problems {
        if group != Some(p) {
            needles.push(format!("{} <b>{}</b>", p.icon(), p.word()));
            group = Some(p);
        }
        let q = &sheet.questions[i];
        let mut item = format!("• <b>{}</b>", esc(&q.text));
        if matches!(reply, Reply::Na(_)) {
            item.push_str(" <i>(не применимо");
        }
        needles.push(item);
        needles.push(format!("→ {}", esc(&q.action)));
    }
    assert_in_order(problems_block, &needles);
    assert_eq!(
        problems_block.matches("→ ").count(),
        problems.len(),
        "only the rated answers are problems"
    );
    for prio in [Prio::High, Prio::Medium, Prio::Low] {
        assert_eq!(
            problems_block
                .matches(&format!("{} <b>{}</b>", prio.icon(), prio.word()))
                .count(),
            1,
            "one group per priority"
        );
    }

    // Strengths: sections with a «Да» and no problem.
    let strengths: Vec<String> = (0..sheet.section_titles.len())
        .filter(|&s| {
            count(&is_yes, Some(s)) > 0
                && !problems
                    .iter()
                    .any(|(_, i, _)| sheet.questions[*i].section == s)
        })
        .map(|s| format!("• {}", esc(&sheet.section_titles[s])))
        .collect();
    assert_eq!(strengths.len(), 2);
    assert_in_order(&summary[strengths_at..], &strengths);

    // The database holds the finished audit and every answer.
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "finished");
    assert_eq!(audit.current_question_id, None);
    let rows = h.answers(audit.id).await;
    assert_eq!(rows.len(), 39);
    let by_id: BTreeMap<&str, &AnswerRow> =
        rows.iter().map(|r| (r.question_id.as_str(), r)).collect();
    for (q, reply) in sheet.questions.iter().zip(&plan) {
        let row = by_id[q.id.as_str()];
        assert_eq!(row.answer, reply.code(), "{}", q.id);
        assert_eq!(
            row.priority.as_deref(),
            reply.priority().map(Prio::code),
            "{}",
            q.id
        );
        assert_eq!(row.priority_skipped, *reply == Reply::Na(None), "{}", q.id);
    }
}

#[tokio::test]
async fn an_audit_answered_all_yes_ends_with_the_report_files_and_no_plan() {
    let mut h = Harness::new().await;
    let boris = boris();
    h.start_audit(&boris).await;
    let card_id = h.card_id(&boris);
    answer_all(&mut h, &boris, &[Reply::Yes; 38]).await;

    let before = chrono::Utc::now();
    let notice = h.tap(&boris, YES).await;
    let after = chrono::Utc::now();

    assert_eq!(notice, ACK_FINISHED);
    let summary = h.sent_texts().join("\n");
    assert!(summary.contains("Итоги аудита"), "{summary}");
    assert!(summary.contains("Проблем не найдено"), "{summary}");
    assert!(!summary.contains("Кто отвечает?"), "{summary}");
    assert_eq!(h.sent_photos().len(), 1, "the chart");
    let documents = h.sent_documents();
    let names: Vec<&str> = documents.iter().map(|d| d.0.as_str()).collect();
    let named = |day: &str| {
        vec![
            format!("Отчёт об аудите {day}.pdf"),
            format!("Отчёт об аудите {day}.csv"),
        ]
    };
    assert!(
        names == named(&report_day(before)) || names == named(&report_day(after)),
        "{names:?}"
    );
    // The files come last: after the summary and the chart.
    let photo_id = h.last.sent_messages_photo[0].message.id.0;
    let document_ids: Vec<i32> = h
        .last
        .sent_messages_document
        .iter()
        .map(|d| d.message.id.0)
        .collect();
    assert!(
        h.last
            .sent_messages_text
            .iter()
            .all(|t| t.message.id.0 < photo_id),
        "the summary comes first"
    );
    assert!(
        document_ids.iter().all(|&id| id > photo_id),
        "the chart {photo_id}, then the files {document_ids:?}"
    );
    // No plan to ask about: the finished card is the only one with buttons.
    assert!(h
        .last
        .sent_messages
        .iter()
        .all(|m| m.reply_markup().is_none()));
    assert_eq!(h.card_id(&boris), card_id);
    assert!(h.card_text(&boris).contains("Аудит завершён"));
    assert_eq!(h.card_labels(&boris), vec![note_row(39)]);
}

// ---------------------------------------------------------------------------
// 3. Resume after a restart of the bot
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_audit_resumes_after_the_bot_restarts_on_the_same_database() {
    let sheet = sheet();
    let plan = plan();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(&mut h, &anna, &plan[..10]).await;

    h.restart().await;
    h.send_text(&anna, "/start").await;

    let text = h.last_sent_text();
    assert!(text.contains("отвечено 10 из 39"), "{text}");
    let resume = "▶️ Продолжить (10 из 39)";
    assert_eq!(h.card_labels(&anna), strs(&[&[resume], &[RESTART]]));

    let notice = h.tap(&anna, resume).await;

    assert_eq!(notice, ACK_CONTINUE);
    assert_eq!(h.sent_texts().len(), 1, "the card is sent anew");
    assert_card_shows(&h.card_text(&anna), &sheet, 10);
    let mut expected = strs(&[&[YES, NO], &[NA], &[BACK]]);
    expected.push(note_row(10));
    assert_eq!(h.card_labels(&anna), expected);

    let notice = h.tap(&anna, YES).await;

    assert_eq!(notice, "Записано: Да");
    assert_card_shows(&h.card_text(&anna), &sheet, 11);
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "in_progress");
    let rows = h.answers(audit.id).await;
    assert_eq!(rows.len(), 11);
    assert!(rows
        .iter()
        .any(|r| r.question_id == sheet.questions[10].id && r.answer == "yes"));
}

// ---------------------------------------------------------------------------
// 4. «Назад»
// ---------------------------------------------------------------------------

#[tokio::test]
async fn back_shows_the_previous_answer_and_a_changed_answer_drops_its_priority() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(&mut h, &anna, &[Reply::Yes, Reply::No(Prio::High)]).await;
    assert_card_shows(&h.card_text(&anna), &sheet, 2);

    let notice = h.tap(&anna, BACK).await;

    assert_eq!(notice, ACK_BACK);
    let card = h.card_text(&anna);
    assert_card_shows(&card, &sheet, 1);
    assert!(card.contains("Ваш ответ: ❌ Нет · 🔴 Высокий"), "{card}");

    let notice = h.tap(&anna, YES).await;

    assert_eq!(notice, "Записано: Да");
    assert_card_shows(&h.card_text(&anna), &sheet, 2);
    let audit = h.audit_of(&anna).await;
    let rows = h.answers(audit.id).await;
    let second = rows
        .iter()
        .find(|r| r.question_id == sheet.questions[1].id)
        .expect("question 2 answered");
    assert_eq!(second.answer, "yes");
    assert_eq!(second.priority, None);
    assert!(!second.priority_skipped);
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn back_while_choosing_a_priority_undoes_the_unrated_answer() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(&mut h, &anna, &[Reply::Yes, Reply::Yes]).await;
    h.tap(&anna, NO).await;
    let audit = h.audit_of(&anna).await;
    assert_eq!(
        h.answers(audit.id).await.len(),
        3,
        "the unrated «Нет» is saved"
    );

    let notice = h.tap(&anna, BACK).await;

    assert_eq!(notice, ACK_UNDO);
    let card = h.card_text(&anna);
    assert_card_shows(&card, &sheet, 2);
    assert!(!card.contains("Ваш ответ"), "{card}");
    let mut expected = strs(&[&[YES, NO], &[NA], &[BACK]]);
    expected.push(note_row(2));
    assert_eq!(h.card_labels(&anna), expected);
    let rows = h.answers(audit.id).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.question_id != sheet.questions[2].id));
    let audit = h.audit_of(&anna).await;
    assert_eq!(
        audit.current_question_id.as_deref(),
        Some(sheet.questions[2].id.as_str())
    );
}

// ---------------------------------------------------------------------------
// 5. Double taps
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_double_tap_records_one_answer_and_skips_no_question() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    let yes = h.data_of(&anna, YES);

    let first = h.press(&anna, &yes).await;
    let second = h.press(&anna, &yes).await;

    assert_eq!(first, "Записано: Да");
    assert_eq!(second, NOTICE_STALE);
    assert!(h.nothing_shown(), "the second tap changed the card");
    assert_card_shows(&h.card_text(&anna), &sheet, 1);
    let audit = h.audit_of(&anna).await;
    assert_eq!(h.answers(audit.id).await.len(), 1);
    assert_eq!(
        audit.current_question_id.as_deref(),
        Some(sheet.questions[1].id.as_str())
    );

    // The same for «Нет» and for its priority.
    let no = h.data_of(&anna, NO);
    assert_eq!(h.press(&anna, &no).await, "Записано: Нет");
    assert_eq!(h.press(&anna, &no).await, NOTICE_STALE);
    let high = h.data_of(&anna, HIGH);
    assert_eq!(h.press(&anna, &high).await, "Записано: Нет · Высокий");
    assert_eq!(h.press(&anna, &high).await, NOTICE_STALE);
    assert!(h.nothing_shown());

    assert_card_shows(&h.card_text(&anna), &sheet, 2);
    let audit = h.audit_of(&anna).await;
    let rows = h.answers(audit.id).await;
    assert_eq!(rows.len(), 2);
    let second = rows
        .iter()
        .find(|r| r.question_id == sheet.questions[1].id)
        .expect("the second question's answer");
    assert_eq!(second.priority.as_deref(), Some("high"));
    assert_eq!(
        audit.current_question_id.as_deref(),
        Some(sheet.questions[2].id.as_str())
    );
}

// ---------------------------------------------------------------------------
// 6. Old cards and other people's cards
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_press_with_data_from_an_earlier_revision_changes_nothing() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    let old_no = h.data_of(&anna, NO);
    h.answer(&anna, Reply::Yes).await;
    let before = h.snapshot().await;

    let notice = h.press(&anna, &old_no).await;

    assert_eq!(notice, NOTICE_STALE);
    assert!(h.nothing_shown());
    assert_eq!(h.snapshot().await, before);

    // An older card message, replaced by a fresh one, is stale too.
    let old_card = h.card_id(&anna);
    let old_yes = h.data_of(&anna, YES);
    h.send_text(&anna, "где я?").await;
    h.answer(&anna, Reply::Yes).await;
    let before = h.snapshot().await;

    let notice = h.press_on(&anna, old_card, Some(&old_yes)).await;

    assert_eq!(notice, NOTICE_STALE);
    assert!(h.nothing_shown());
    assert_eq!(h.snapshot().await, before);
}

#[tokio::test]
async fn a_press_by_another_user_on_someones_card_in_a_group_is_refused() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna().in_group(-500);
    let boris = boris().in_group(-500);
    h.start_audit(&anna).await;
    assert_eq!(h.card(&anna).chat.id.0, -500, "the card is in the group");
    let before = h.snapshot().await;

    let yes = h.data_of(&boris, YES);
    let notice = h.press(&boris, &yes).await;

    assert_eq!(notice, NOTICE_NOT_YOURS);
    assert!(h.nothing_shown());
    assert_eq!(h.snapshot().await, before);
    assert!(h.audits().await.iter().all(|a| a.user_id != boris.id()));
    // Anna's card still works.
    assert_eq!(h.tap(&anna, YES).await, "Записано: Да");
    assert_card_shows(&h.card_text(&anna), &sheet, 1);
}

// ---------------------------------------------------------------------------
// 7. Garbage
// ---------------------------------------------------------------------------

/// 64 printable ASCII bytes from a fixed seed.
fn random_ascii() -> String {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..64)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 94) as u8)
        })
        .collect()
}

#[tokio::test]
async fn garbage_callback_data_is_answered_and_changes_nothing() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::No(Prio::Medium)).await;
    let card = h.card_id(&anna);
    let before = h.snapshot().await;
    let random = random_ascii();
    assert_eq!(random.len(), 64);

    for data in [
        Some("zzz"),
        Some("s:1:2"),
        Some("s:999:0:y"),
        Some(&*random),
        None,
    ] {
        let notice = h.press_on(&anna, card, data).await;

        assert_eq!(notice, NOTICE_UNKNOWN, "{data:?}");
        assert!(h.nothing_shown(), "{data:?}");
        assert_eq!(h.snapshot().await, before, "{data:?}");
    }
}

// ---------------------------------------------------------------------------
// 8. Text and /continue in the middle of an audit
// ---------------------------------------------------------------------------

#[tokio::test]
async fn text_during_an_audit_sends_the_card_again_and_the_old_card_loses_its_buttons() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let old = h.card_id(&anna);
    let old_text = h.card_text(&anna);
    let old_buttons = h.card_buttons(&anna);

    h.send_text(&anna, "а что дальше?").await;

    assert_eq!(
        h.sent_texts(),
        vec![old_text.clone()],
        "the same card, sent anew"
    );
    assert_ne!(h.card_id(&anna), old);
    assert_eq!(h.card_buttons(&anna), old_buttons);
    assert_eq!(h.stripped(), vec![old]);
    assert!(buttons(h.message(old).reply_markup()).is_empty());

    let second = h.card_id(&anna);
    h.send_text(&anna, "/continue").await;

    assert_eq!(h.sent_texts(), vec![old_text]);
    assert_ne!(h.card_id(&anna), second);
    assert_eq!(h.stripped(), vec![second]);
    // The fresh card works.
    assert_eq!(h.tap(&anna, YES).await, "Записано: Да");
    assert_card_shows(&h.card_text(&anna), &sheet, 2);
}

#[tokio::test]
async fn text_without_an_audit_gets_the_hint_with_start() {
    let mut h = Harness::new().await;

    h.send_text(&boris(), "привет").await;

    let text = h.last_sent_text();
    assert!(text.contains("/start"), "{text}");
    assert_eq!(h.sent_texts().len(), 1);
    assert!(h.audits().await.is_empty());
}

// ---------------------------------------------------------------------------
// 9. /progress, /summary, /help
// ---------------------------------------------------------------------------

#[tokio::test]
async fn progress_counts_answers_per_section() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(&mut h, &anna, &plan()[..8]).await;

    h.send_text(&anna, "/progress").await;

    let text = h.last_sent_text();
    let mut needles = vec!["Прогресс: 8 из 39".to_string()];
    let counts = [(6, 6), (2, 7), (0, 6), (0, 7), (0, 6), (0, 7)];
    for (s, (answered, total)) in counts.iter().enumerate() {
        needles.push(format!(
            "{}. {} — {answered}/{total}",
            s + 1,
            esc(&sheet.section_titles[s])
        ));
    }
    assert_in_order(&text, &needles);
}

#[tokio::test]
async fn summary_in_the_middle_of_an_audit_is_an_interim_report() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(
        &mut h,
        &anna,
        &[Reply::Yes, Reply::No(Prio::High), Reply::Yes],
    )
    .await;

    h.send_text(&anna, "/summary").await;

    let text = h.sent_texts().join("\n");
    assert!(text.contains("Промежуточные"), "{text}");
    assert!(text.contains("Отвечено 3 из 39"), "{text}");
    assert!(text.contains("Общий балл: 67%"), "{text}");
    assert_eq!(h.audit_of(&anna).await.status, "in_progress");
}

#[tokio::test]
async fn summary_without_an_audit_says_there_is_none() {
    let mut h = Harness::new().await;

    h.send_text(&anna(), "/summary").await;

    assert_eq!(h.sent_texts(), vec![NO_AUDIT.to_string()]);
}

#[tokio::test]
async fn help_lists_the_commands() {
    let mut h = Harness::new().await;

    h.send_text(&anna(), "/help").await;

    let text = h.last_sent_text();
    for command in [
        "/start",
        "/continue",
        "/progress",
        "/summary",
        "/restart",
        "/help",
    ] {
        assert!(
            text.contains(&format!("{command} — ")),
            "{command} in:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// 10. /restart
// ---------------------------------------------------------------------------

#[tokio::test]
async fn restart_asks_first_and_cancelling_keeps_the_audit() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(&mut h, &anna, &plan()[..3]).await;
    let before = h.snapshot().await;

    h.send_text(&anna, "/restart").await;

    let text = h.last_sent_text();
    assert!(text.contains("заново?"), "{text}");
    assert!(text.contains("отвечено 3 из 39"), "{text}");
    assert_eq!(
        h.card_labels(&anna),
        strs(&[&[RESTART_CONFIRM], &[RESTART_CANCEL]])
    );
    assert_eq!(h.snapshot().await, before, "asking changes nothing");

    let notice = h.tap(&anna, RESTART_CANCEL).await;

    assert_eq!(notice, ACK_CONTINUE);
    assert_card_shows(&h.card_text(&anna), &sheet, 3);
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "in_progress");
    assert_eq!(h.answers(audit.id).await.len(), 3);
}

#[tokio::test]
async fn confirming_restart_starts_over_and_keeps_the_old_audit_as_abandoned() {
    let sheet = sheet();
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    answer_all(&mut h, &anna, &plan()[..3]).await;
    let old_card = h.card_id(&anna);
    h.send_text(&anna, "/restart").await;

    let notice = h.tap(&anna, RESTART_CONFIRM).await;

    assert_eq!(notice, ACK_STARTED);
    let card = h.card_text(&anna);
    assert_card_shows(&card, &sheet, 0);
    assert!(!card.contains("Ваш ответ"));
    assert!(
        h.stripped().contains(&old_card),
        "the old card keeps its buttons"
    );
    let audits = h.audits().await;
    assert_eq!(audits.len(), 2);
    assert_eq!(audits[0].status, "abandoned");
    assert_eq!(
        h.answers(audits[0].id).await.len(),
        3,
        "old answers are kept"
    );
    assert_eq!(audits[1].status, "in_progress");
    assert!(h.answers(audits[1].id).await.is_empty());
    assert_eq!(h.tap(&anna, YES).await, "Записано: Да");
    assert_eq!(h.answers(audits[1].id).await.len(), 1);
}

// ---------------------------------------------------------------------------
// 11. The priority step
// ---------------------------------------------------------------------------

#[tokio::test]
async fn after_no_a_priority_is_required_and_after_not_applicable_it_may_be_skipped() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;

    h.tap(&anna, NO).await;

    assert_eq!(h.card_labels(&anna), strs(&[&[LOW, MEDIUM, HIGH], &[BACK]]));
    assert!(h.card_text(&anna).contains("Насколько это важно"));

    h.tap(&anna, LOW).await;
    h.tap(&anna, NA).await;

    assert_eq!(
        h.card_labels(&anna),
        strs(&[&[LOW, MEDIUM, HIGH], &[BACK, SKIP]])
    );
    assert!(h.card_text(&anna).contains("«Пропустить»"));
}

// ---------------------------------------------------------------------------
// 12. Everything the bot sends is valid for Telegram
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_message_is_well_formed_html_within_telegram_limits() {
    let mut h = Harness::new().await;
    let anna = anna();
    let boris = boris();
    h.send_text(&anna, "/help").await;
    h.send_text(&boris, "/summary").await;
    h.send_text(&boris, "hi").await;
    h.start_audit(&anna).await;
    let plan = plan();
    answer_all(&mut h, &anna, &plan[..4]).await;
    h.tap(&anna, BACK).await;
    h.tap(&anna, NA).await;
    h.tap(&anna, BACK).await;
    h.send_text(&anna, "текст").await;
    for command in ["/continue", "/progress", "/summary", "/start", "/restart"] {
        h.send_text(&anna, command).await;
    }
    h.tap(&anna, RESTART_CANCEL).await;
    let card = h.card_id(&anna);
    h.press_on(&anna, card, Some("zzz")).await;
    answer_all(&mut h, &anna, &plan[3..]).await;
    h.send_text(&anna, "/summary").await;
    h.send_text(&anna, "/start").await;

    let texts = h
        .log
        .iter()
        .filter(|o| matches!(o, Output::Sent { .. } | Output::EditedText { .. }))
        .count();
    assert!(texts >= 60, "only {texts} texts checked");
    assert!(h
        .log
        .iter()
        .any(|o| matches!(o, Output::EditedMarkup { .. })));
    let summaries = h
        .log
        .iter()
        .filter(|o| matches!(o, Output::Sent { text, .. } if text.contains("Итоги аудита")))
        .count();
    assert!(
        summaries >= 2,
        "the final summary is among the checked texts"
    );
    for out in &h.log {
        let problems = output_problems(out);
        assert!(problems.is_empty(), "{problems:?} in {out:#?}");
    }
}

// ---------------------------------------------------------------------------
// Bugs found by these tests, now fixed
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_press_by_another_user_on_someones_continue_message_changes_nothing() {
    let mut h = Harness::new().await;
    let anna = anna().in_group(-600);
    let boris = boris().in_group(-600);
    h.start_audit(&boris).await;
    h.start_audit(&anna).await;
    h.send_text(&anna, "/start").await;
    let message = h.card_id(&anna);
    let resume = "▶️ Продолжить (0 из 39)";
    assert_eq!(h.card_labels(&anna), strs(&[&[resume], &[RESTART]]));
    let before = h.snapshot().await;

    let data = h.data_of(&boris, resume);
    h.press_on(&boris, message, Some(&data)).await;

    assert!(
        h.nothing_shown(),
        "sent {:?}, stripped {:?}",
        h.sent_texts(),
        h.stripped()
    );
    assert_eq!(h.snapshot().await, before);
}

#[tokio::test]
async fn the_summary_goes_to_the_chat_where_the_audit_was_finished() {
    let mut h = Harness::new().await;
    let private = anna();
    let in_group = private.in_group(-700);
    h.start_audit(&in_group).await;
    h.send_text(&private, "продолжу здесь").await;
    assert_eq!(h.card(&private).chat.id.0, private.chat_id());

    answer_all(&mut h, &private, &[Reply::Yes; 39]).await;

    assert_eq!(h.audit_of(&private).await.status, "finished");
    let chats: Vec<i64> = h.last.sent_messages.iter().map(|m| m.chat.id.0).collect();
    assert!(!chats.is_empty(), "no summary sent");
    assert!(
        chats.iter().all(|&c| c == private.chat_id()),
        "the summary went to chats {chats:?}, not the private chat {}",
        private.chat_id()
    );
    assert_eq!(h.sent_documents().len(), 2, "the report files");
}
