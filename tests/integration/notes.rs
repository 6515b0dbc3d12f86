//! Notes on answers: «📝 Заметка к вопросу N» on the card, the prompt, the
//! typed note (its rules, its storage, where it shows), cancelling,
//! deleting, stale and foreign presses, restarts — and /report, whose files
//! carry the notes.

use sqlx::Row;

use crate::helpers::*;

fn anna() -> Person {
    Person::new(801, "Анна")
}

fn boris() -> Person {
    Person::new(802, "Борис")
}

const CANCEL: &str = "✖️ Отмена";
const DELETE: &str = "🗑 Удалить заметку";
const STALE: &str =
    "Эта кнопка уже нажата или устарела — ничего не изменено. Актуальный вопрос: /continue";
const NOT_YOURS: &str = "Это не ваш аудит. Свой можно начать командой /start";
const NOTE_EMPTY: &str =
    "В сообщении нет текста. Напишите заметку или нажмите «✖️ Отмена» — ничего не сохранено.";
const REPORT_NONE: &str = "Пока нет завершённого аудита — отчёт появится, когда вы ответите на все вопросы. Начать: /start";
const CAPTION_PDF: &str = "📄 Отчёт об аудите: баллы, ответы, проблемы и план действий";
const CAPTION_CSV: &str = "📑 Все ответы и план таблицей (CSV, открывается в Excel)";

/// «📝 Заметка к вопросу N» (1-based N).
fn note_label(number: usize) -> String {
    format!("📝 Заметка к вопросу {number}")
}

/// «📝 Изменить заметку к вопросу N».
fn edit_label(number: usize) -> String {
    format!("📝 Изменить заметку к вопросу {number}")
}

fn saved(number: usize) -> String {
    format!("✅ Заметка к вопросу {number} сохранена.")
}

/// The line the card shows for a note.
fn card_note(note: &str) -> String {
    format!("📝 Заметка: <i>{}</i>", esc(note))
}

/// Every label of the live card, in one list.
fn all_labels(h: &Harness, who: &Person) -> Vec<String> {
    h.card_labels(who).into_iter().flatten().collect()
}

/// The labels of the live card that offer a note.
fn note_buttons(h: &Harness, who: &Person) -> Vec<String> {
    all_labels(h, who)
        .into_iter()
        .filter(|l| l.starts_with("📝"))
        .collect()
}

/// The callback data of the button labelled `label` on message `id`.
fn data_on(h: &Harness, id: i32, label: &str) -> String {
    buttons(h.message(id).reply_markup())
        .into_iter()
        .flatten()
        .find(|b| b.label == label)
        .map(|b| b.data)
        .unwrap_or_else(|| {
            panic!(
                "no button {label:?} on message {id}: {:?}",
                labels(&buttons(h.message(id).reply_markup()))
            )
        })
}

/// The labels of message `id` as the harness knows it now.
fn labels_on(h: &Harness, id: i32) -> Vec<Vec<String>> {
    labels(&buttons(h.message(id).reply_markup()))
}

fn question_id(index: usize) -> String {
    sheet().questions[index].id.clone()
}

/// The note stored on the answer to question `index` (0-based), or `None`
/// if the answer has none; panics if there is no answer row.
async fn note_of(h: &mut Harness, audit_id: i64, index: usize) -> Option<String> {
    let db = h.db().await;
    let row = sqlx::query("SELECT note FROM answers WHERE audit_id = $1 AND question_id = $2")
        .bind(audit_id)
        .bind(question_id(index))
        .fetch_optional(&db)
        .await
        .expect("read the note");
    let row = row.unwrap_or_else(|| panic!("no answer to question {}", index + 1));
    row.get("note")
}

/// Whether there is an answer row for question `index` (0-based).
async fn has_answer(h: &mut Harness, audit_id: i64, index: usize) -> bool {
    let db = h.db().await;
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM answers WHERE audit_id = $1 AND question_id = $2",
    )
    .bind(audit_id)
    .bind(question_id(index))
    .fetch_one(&db)
    .await
    .expect("count answers")
        == 1
}

/// Every stored note of the database, as (question id, note).
async fn all_notes(h: &mut Harness) -> Vec<(String, String)> {
    let db = h.db().await;
    sqlx::query(&format!(
        "SELECT question_id, note FROM answers WHERE note IS NOT NULL {}",
        crate::helpers::answers_in_order()
    ))
    .fetch_all(&db)
    .await
    .expect("read notes")
    .iter()
    .map(|r| (r.get("question_id"), r.get("note")))
    .collect()
}

/// What the bot waits for, per user: (user, kind, target).
async fn pending(h: &mut Harness) -> Vec<(i64, String, String)> {
    let db = h.db().await;
    sqlx::query("SELECT user_id, kind, target FROM pending_inputs ORDER BY user_id")
        .fetch_all(&db)
        .await
        .expect("read pending inputs")
        .iter()
        .map(|r| (r.get("user_id"), r.get("kind"), r.get("target")))
        .collect()
}

/// Presses the note button labelled `label` on the live card, checks the
/// prompt the bot sent, and returns the prompt's message id.
async fn open_prompt(h: &mut Harness, who: &Person, label: &str, number: usize) -> i32 {
    let notice = h.tap(who, label).await;
    assert_eq!(notice, "Напишите заметку сообщением");
    let sent = h.sent_texts();
    assert_eq!(sent.len(), 1, "one prompt: {sent:?}");
    let prompt = &sent[0];
    assert!(
        prompt.starts_with(&format!("📝 <b>Заметка к вопросу {number}</b>\n")),
        "{prompt}"
    );
    let question = &sheet().questions[number - 1];
    assert!(
        prompt.contains(&format!("<i>{}</i>", esc(&question.text))),
        "the prompt names the question: {prompt}"
    );
    assert!(
        prompt.contains("Напишите заметку одним сообщением — до 500 символов."),
        "{prompt}"
    );
    let id = h.card_id(who);
    assert_eq!(
        id, h.last.sent_messages_text[0].message.id.0,
        "the prompt is a new message"
    );
    id
}

/// Answers the whole audit: «Нет · <prio>» for the listed questions, «Да»
/// for the rest. Returns the id of the audit card as it was before the last
/// answer (the card the finished audit keeps).
async fn run_audit(h: &mut Harness, who: &Person, no: &[(usize, Prio)]) -> i32 {
    h.start_audit(who).await;
    let total = sheet().questions.len();
    let mut card = 0;
    for i in 0..total {
        let reply = match no.iter().find(|(q, _)| *q == i) {
            Some((_, p)) => Reply::No(*p),
            None => Reply::Yes,
        };
        card = h.card_id(who);
        h.answer(who, reply).await;
    }
    card
}

/// The CSV of the last dispatch's documents, parsed: header and rows.
fn parse_csv(content: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = content
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("the CSV begins with a BOM: {:?}", &content[..20]));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, rows)
}

// ---------------------------------------------------------------------------
// Writing a note
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_note_on_a_yes_answer_is_saved_and_shown_on_the_card() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    assert!(
        note_buttons(&h, &anna).is_empty(),
        "nothing answered, nothing to note: {:?}",
        h.card_labels(&anna)
    );

    h.answer(&anna, Reply::Yes).await;
    let labels = h.card_labels(&anna);
    assert_eq!(
        labels.last(),
        Some(&vec![note_label(1)]),
        "the last row offers a note on the question just answered: {labels:?}"
    );
    let card = h.card_id(&anna);

    let prompt = open_prompt(&mut h, &anna, &note_label(1), 1).await;
    assert!(!h.sent_texts()[0].contains("Сейчас:"), "no note yet");
    assert_eq!(labels_on(&h, prompt), vec![vec![CANCEL.to_string()]]);
    assert!(h.stripped().is_empty(), "the card keeps its buttons");
    let audit = h.audit_of(&anna).await;
    assert_eq!(
        pending(&mut h).await,
        vec![(anna.id(), "note".into(), question_id(0))]
    );

    let note = "Звонили клиентам: 3 из 10 недовольны сроками";
    h.send_text(&anna, note).await;

    let sent = h.sent_texts();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0], saved(1));
    assert_eq!(note_of(&mut h, audit.id, 0).await.as_deref(), Some(note));
    assert!(pending(&mut h).await.is_empty(), "the wait is over");
    let stripped = h.stripped();
    assert!(stripped.contains(&prompt), "the prompt loses its buttons");
    assert!(stripped.contains(&card), "the old card loses its buttons");
    // The card comes again, fresh, still on question 2; the button now
    // edits the note.
    let fresh = h.card_id(&anna);
    assert_ne!(fresh, card);
    assert_eq!(
        fresh, h.last.sent_messages_text[1].message.id.0,
        "the card is the second message"
    );
    assert!(h.card_text(&anna).contains("Вопрос 2/39"));
    assert!(!sent[1].contains("📝 Заметка:"), "question 2 has no note");
    assert_eq!(h.card_labels(&anna).last(), Some(&vec![edit_label(1)]));
    assert_eq!(
        h.answers(audit.id).await[0].answer,
        "yes",
        "answer unchanged"
    );

    // Back on question 1 the card shows the note.
    h.tap(&anna, BACK).await;
    let text = h.last_edited_text();
    assert!(text.contains("Вопрос 1/39"), "{text}");
    assert!(text.contains(&card_note(note)), "{text}");
    assert_eq!(note_buttons(&h, &anna), vec![edit_label(1)]);
}

#[tokio::test]
async fn a_note_on_a_no_high_answer_is_saved_and_shown_on_the_card() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.tap(&anna, NO).await;
    assert!(
        note_buttons(&h, &anna).is_empty(),
        "while the priority is asked there is no note button: {:?}",
        h.card_labels(&anna)
    );
    h.tap(&anna, HIGH).await;
    assert_eq!(note_buttons(&h, &anna), vec![note_label(2)]);
    let audit = h.audit_of(&anna).await;
    let answers_before = h.answers(audit.id).await;

    open_prompt(&mut h, &anna, &note_label(2), 2).await;
    let note = "Нет регламента — менеджеры отвечают кто как хочет";
    h.send_text(&anna, note).await;

    assert_eq!(h.sent_texts()[0], saved(2));
    assert_eq!(note_of(&mut h, audit.id, 1).await.as_deref(), Some(note));
    assert_eq!(note_of(&mut h, audit.id, 0).await, None);
    assert_eq!(
        h.answers(audit.id).await,
        answers_before,
        "the answer itself is unchanged"
    );
    assert!(h.card_text(&anna).contains("Вопрос 3/39"));
    assert_eq!(note_buttons(&h, &anna), vec![edit_label(2)]);

    h.tap(&anna, BACK).await;
    let text = h.last_edited_text();
    assert!(text.contains("Вопрос 2/39"), "{text}");
    assert!(
        text.contains("Ваш ответ: ❌ Нет · 🔴 Высокий\n") && text.contains(&card_note(note)),
        "{text}"
    );
}

#[tokio::test]
async fn a_note_of_500_characters_is_saved_and_one_of_501_refused_with_nothing_stored() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let audit = h.audit_of(&anna).await;
    let prompt = open_prompt(&mut h, &anna, &note_label(1), 1).await;
    let before = h.snapshot().await;

    // Multi-byte letters: the limit counts characters, not bytes.
    let too_long = "ж".repeat(501);
    h.send_text(&anna, &too_long).await;

    assert_eq!(
        h.sent_texts(),
        vec![
            "Заметка длиннее 500 символов (в ней 501). Сократите и отправьте ещё раз — ничего не сохранено."
                .to_string()
        ]
    );
    assert!(h.stripped().is_empty(), "the prompt keeps its buttons");
    assert_eq!(h.snapshot().await, before, "nothing stored");
    assert_eq!(
        pending(&mut h).await.len(),
        1,
        "the bot still waits for the note"
    );

    let longest = format!("{}ё", "ж".repeat(499));
    h.send_text(&anna, &longest).await;

    assert_eq!(h.sent_texts()[0], saved(1));
    assert!(h.stripped().contains(&prompt));
    assert_eq!(
        note_of(&mut h, audit.id, 0).await.as_deref(),
        Some(longest.as_str())
    );
}

#[tokio::test]
async fn an_empty_or_blank_note_is_refused_and_the_bot_keeps_waiting() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    open_prompt(&mut h, &anna, &note_label(1), 1).await;
    let before = h.snapshot().await;

    for blank in [" ", " \n\t \n ", "\u{a0}\u{2003}\u{3000}", "\u{7}\u{1b}"] {
        h.send_text(&anna, blank).await;
        assert_eq!(h.sent_texts(), vec![NOTE_EMPTY.to_string()], "{blank:?}");
        assert!(h.stripped().is_empty(), "{blank:?}: the prompt stays");
    }
    assert_eq!(h.snapshot().await, before, "nothing stored");

    h.send_text(&anna, "  и всё-таки заметка  ").await;
    assert_eq!(h.sent_texts()[0], saved(1));
    let audit = h.audit_of(&anna).await;
    assert_eq!(
        note_of(&mut h, audit.id, 0).await.as_deref(),
        Some("и всё-таки заметка"),
        "trimmed"
    );
}

#[tokio::test]
async fn an_html_like_note_is_stored_verbatim_and_shown_escaped() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::No(Prio::Medium)).await;
    let audit = h.audit_of(&anna).await;
    open_prompt(&mut h, &anna, &note_label(1), 1).await;

    let note = "<b>x</b> & <script>";
    h.send_text(&anna, note).await;

    assert_eq!(note_of(&mut h, audit.id, 0).await.as_deref(), Some(note));
    h.tap(&anna, BACK).await;
    // The harness checked the HTML; what Telegram shows is the text itself.
    let shown = plain(&h.card_text(&anna));
    assert!(shown.contains("📝 Заметка: <b>x</b> & <script>"), "{shown}");
    assert!(
        h.last_edited_text()
            .contains("📝 Заметка: <i>&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;</i>"),
        "{}",
        h.last_edited_text()
    );

    // The prompt to change it quotes it, escaped too.
    h.tap(&anna, &edit_label(1)).await;
    let prompt = h.last_sent_text();
    assert!(
        prompt.contains("Сейчас: <i>&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;</i>"),
        "{prompt}"
    );
    let shown = plain(&prompt);
    assert!(shown.contains("Сейчас: <b>x</b> & <script>"), "{shown}");
}

#[tokio::test]
async fn a_multi_line_note_is_saved_as_one_line() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let audit = h.audit_of(&anna).await;
    open_prompt(&mut h, &anna, &note_label(1), 1).await;

    h.send_text(&anna, "Первая строка\n\n  вторая   строка\t\tтретья\r\n")
        .await;

    assert_eq!(h.sent_texts()[0], saved(1));
    assert_eq!(
        note_of(&mut h, audit.id, 0).await.as_deref(),
        Some("Первая строка вторая строка третья")
    );
}

// ---------------------------------------------------------------------------
// Cancelling, deleting, editing
// ---------------------------------------------------------------------------

/// Starts an audit, answers question 1 «Да» and saves `note` on it.
async fn with_note(h: &mut Harness, who: &Person, note: &str) -> i64 {
    h.start_audit(who).await;
    h.answer(who, Reply::Yes).await;
    open_prompt(h, who, &note_label(1), 1).await;
    h.send_text(who, note).await;
    assert_eq!(h.sent_texts()[0], saved(1));
    h.audit_of(who).await.id
}

#[tokio::test]
async fn cancel_leaves_the_note_unchanged_and_the_next_text_is_not_a_note() {
    let mut h = Harness::new().await;
    let anna = anna();
    let audit = with_note(&mut h, &anna, "Старая заметка").await;

    let prompt = open_prompt(&mut h, &anna, &edit_label(1), 1).await;
    assert!(
        h.last_sent_text().contains("Сейчас: <i>Старая заметка</i>"),
        "{}",
        h.last_sent_text()
    );
    assert_eq!(
        labels_on(&h, prompt),
        vec![vec![DELETE.to_string(), CANCEL.to_string()]]
    );
    let cancel = data_on(&h, prompt, CANCEL);
    let before = h.snapshot().await;

    let notice = h.press_on(&anna, prompt, Some(&cancel)).await;

    assert_eq!(notice, "Заметка не изменена");
    assert_eq!(
        h.edited_texts(),
        vec![(prompt, "Заметка не изменена.".into())]
    );
    assert!(
        labels_on(&h, prompt).is_empty(),
        "the prompt has no buttons"
    );
    assert_eq!(h.snapshot().await, before);
    assert!(pending(&mut h).await.is_empty());

    // The next text is an ordinary message: the card comes again.
    h.send_text(&anna, "Новая заметка?").await;
    let sent = h.sent_texts();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("Вопрос 2/39"), "{}", sent[0]);
    assert_eq!(
        note_of(&mut h, audit, 0).await.as_deref(),
        Some("Старая заметка")
    );

    // A second press on the cancelled prompt's button changes nothing.
    let notice = h.press_on(&anna, prompt, Some(&cancel)).await;
    assert_eq!(notice, STALE);
    assert!(h.nothing_shown());
}

#[tokio::test]
async fn cancel_without_a_note_stores_none() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let before = h.snapshot().await;
    open_prompt(&mut h, &anna, &note_label(1), 1).await;

    assert_eq!(h.tap(&anna, CANCEL).await, "Заметка не изменена");

    assert_eq!(h.snapshot().await, before);
    assert!(pending(&mut h).await.is_empty());
}

#[tokio::test]
async fn delete_clears_the_note() {
    let mut h = Harness::new().await;
    let anna = anna();
    let audit = with_note(&mut h, &anna, "Удалить меня").await;
    let card = h.card_id(&anna);
    let prompt = open_prompt(&mut h, &anna, &edit_label(1), 1).await;

    let notice = h.tap(&anna, DELETE).await;

    assert_eq!(notice, "Заметка удалена");
    assert_eq!(
        h.edited_texts(),
        vec![(prompt, "🗑 Заметка к вопросу 1 удалена.".into())]
    );
    assert!(labels_on(&h, prompt).is_empty());
    assert_eq!(note_of(&mut h, audit, 0).await, None);
    assert!(has_answer(&mut h, audit, 0).await, "the answer stays");
    assert!(pending(&mut h).await.is_empty());
    // The card comes back, offering a new note.
    assert_ne!(h.card_id(&anna), card);
    assert!(h.stripped().contains(&card));
    assert_eq!(note_buttons(&h, &anna), vec![note_label(1)]);
    h.tap(&anna, BACK).await;
    assert!(!h.last_edited_text().contains("📝 Заметка:"));
}

#[tokio::test]
async fn editing_a_note_replaces_it() {
    let mut h = Harness::new().await;
    let anna = anna();
    let audit = with_note(&mut h, &anna, "Первая версия").await;

    open_prompt(&mut h, &anna, &edit_label(1), 1).await;
    h.send_text(&anna, "Вторая версия").await;

    assert_eq!(h.sent_texts()[0], saved(1));
    assert_eq!(
        note_of(&mut h, audit, 0).await.as_deref(),
        Some("Вторая версия")
    );
    assert_eq!(
        all_notes(&mut h).await,
        vec![(question_id(0), "Вторая версия".into())]
    );
    h.tap(&anna, BACK).await;
    let text = h.last_edited_text();
    assert!(text.contains(&card_note("Вторая версия")), "{text}");
    assert!(!text.contains("Первая версия"), "{text}");
}

// ---------------------------------------------------------------------------
// Refused presses
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_stale_note_button_is_refused_and_changes_nothing() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let card = h.card_id(&anna);
    let old = h.data_of(&anna, &note_label(1));
    h.answer(&anna, Reply::Yes).await;
    assert_eq!(h.card_id(&anna), card, "the card was edited in place");
    assert_ne!(h.data_of(&anna, &note_label(2)), old);
    let before = h.snapshot().await;

    let notice = h.press_on(&anna, card, Some(&old)).await;

    assert_eq!(notice, STALE);
    assert!(h.nothing_shown());
    assert_eq!(h.snapshot().await, before);
    assert!(
        pending(&mut h).await.is_empty(),
        "the bot waits for nothing"
    );
    // So the next text is not a note.
    h.send_text(&anna, "заметка?").await;
    assert!(h.last_sent_text().contains("Вопрос 3/39"));
    assert!(all_notes(&mut h).await.is_empty());
}

#[tokio::test]
async fn someone_else_cannot_press_annas_note_button() {
    let mut h = Harness::new().await;
    let anna = anna().in_group(-901);
    let boris = boris().in_group(-901);
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let card = h.card_id(&anna);
    let data = h.data_of(&anna, &note_label(1));
    let before = h.snapshot().await;

    let notice = h.press_on(&boris, card, Some(&data)).await;

    assert_eq!(notice, NOT_YOURS);
    assert!(h.nothing_shown());
    assert_eq!(h.snapshot().await, before);
    assert!(pending(&mut h).await.is_empty());
}

/// In a group the card offers the note too, and the prompt goes to the
/// group: the note written there is the note. A text in the private chat,
/// written later about something else, is not.
#[tokio::test]
async fn a_note_asked_for_in_a_group_is_taken_from_the_group_not_from_a_private_chat() {
    let mut h = Harness::new().await;
    let in_group = anna().in_group(-905);
    let in_private = anna();
    h.start_audit(&in_group).await;
    h.answer(&in_group, Reply::Yes).await;
    open_prompt(&mut h, &in_group, &note_label(1), 1).await;
    assert_eq!(h.last.sent_messages_text[0].message.chat.id.0, -905);

    h.send_text(&in_group, "Заметка в группе").await;
    let answered_in_group = !h.silent();
    h.send_text(&in_private, "привет").await;

    assert_eq!(
        all_notes(&mut h).await,
        vec![(question_id(0), "Заметка в группе".to_string())],
        "the note written in the group (the bot answered it: {answered_in_group}) \
         vs a later private «привет»"
    );
}

/// A prompt whose wait another prompt took over («📝» pressed again on
/// another question) no longer waits: its buttons change nothing — above
/// all, its «🗑 Удалить заметку» must not delete the note of the other
/// question.
#[tokio::test]
async fn the_buttons_of_a_superseded_prompt_change_nothing() {
    let mut h = Harness::new().await;
    let anna = anna();
    let audit = with_note(&mut h, &anna, "Заметка А").await;
    h.answer(&anna, Reply::Yes).await;
    open_prompt(&mut h, &anna, &note_label(2), 2).await;
    h.send_text(&anna, "Заметка Б").await;
    assert_eq!(h.sent_texts()[0], saved(2));
    let card = h.card_id(&anna);
    assert!(h.card_text(&anna).contains("Вопрос 3/39"));

    // A prompt for question 2 …
    let old = open_prompt(&mut h, &anna, &edit_label(2), 2).await;
    assert!(h.last_sent_text().contains("Сейчас: <i>Заметка Б</i>"));
    // Its buttons, as a client that has not redrawn the message would still
    // send them.
    let delete = data_on(&h, old, DELETE);
    let cancel = data_on(&h, old, CANCEL);
    // … then, back on question 1 on the card, a prompt for question 1.
    for _ in 0..2 {
        let back = data_on(&h, card, BACK);
        h.press_on(&anna, card, Some(&back)).await;
    }
    assert!(h.card_text(&anna).contains("Вопрос 1/39"));
    let data = data_on(&h, card, &edit_label(1));
    h.press_on(&anna, card, Some(&data)).await;
    let new = h.card_id(&anna);
    assert_ne!(new, old);
    assert!(
        h.stripped().contains(&old),
        "the superseded prompt loses its buttons"
    );
    assert!(h.last_sent_text().contains("Сейчас: <i>Заметка А</i>"));
    assert_eq!(
        pending(&mut h).await,
        vec![(anna.id(), "note".into(), question_id(0))]
    );
    let before = h.snapshot().await;

    // «🗑 Удалить заметку» on the old prompt, the one about question 2.
    let notice = h.press_on(&anna, old, Some(&delete)).await;

    assert_eq!(
        (
            note_of(&mut h, audit, 0).await.as_deref(),
            note_of(&mut h, audit, 1).await.as_deref(),
        ),
        (Some("Заметка А"), Some("Заметка Б")),
        "the old prompt's delete button deleted a note; the bot said {:?}",
        h.sent_texts()
            .into_iter()
            .chain(h.edited_texts().into_iter().map(|e| e.1))
            .collect::<Vec<_>>()
    );
    assert_eq!(notice, STALE);
    assert_eq!(h.snapshot().await, before);

    // «✖️ Отмена» on the old prompt does not end the new prompt's wait.
    assert_eq!(h.press_on(&anna, old, Some(&cancel)).await, STALE);
    assert_eq!(
        pending(&mut h).await,
        vec![(anna.id(), "note".into(), question_id(0))]
    );
    h.send_text(&anna, "Заметка А2").await;
    assert_eq!(h.sent_texts()[0], saved(1));
    assert_eq!(
        note_of(&mut h, audit, 0).await.as_deref(),
        Some("Заметка А2")
    );
    assert_eq!(
        note_of(&mut h, audit, 1).await.as_deref(),
        Some("Заметка Б")
    );
}

// ---------------------------------------------------------------------------
// Notes and changed answers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_note_survives_a_changed_answer_but_goes_when_the_answer_is_undone() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::No(Prio::High)).await;
    let audit = h.audit_of(&anna).await.id;
    open_prompt(&mut h, &anna, &note_label(1), 1).await;
    h.send_text(&anna, "Заметка к «Нет»").await;

    // Нет → Да via «Назад»: the note stays with the answer.
    h.tap(&anna, BACK).await;
    assert!(h.last_edited_text().contains(&card_note("Заметка к «Нет»")));
    h.tap(&anna, YES).await;
    assert_eq!(h.answers(audit).await[0].answer, "yes");
    assert_eq!(
        note_of(&mut h, audit, 0).await.as_deref(),
        Some("Заметка к «Нет»")
    );
    h.tap(&anna, BACK).await;
    let text = h.last_edited_text();
    assert!(
        text.contains("Ваш ответ: ✅ Да") && text.contains(&card_note("Заметка к «Нет»")),
        "{text}"
    );

    // «Нет» again, then «Назад» while the priority is asked: the answer is
    // undone, and its note with it.
    h.tap(&anna, NO).await;
    assert_eq!(
        note_of(&mut h, audit, 0).await.as_deref(),
        Some("Заметка к «Нет»"),
        "still answered (waiting for the priority)"
    );
    assert_eq!(h.tap(&anna, BACK).await, "Ответ отменён — выберите заново");
    assert!(!has_answer(&mut h, audit, 0).await);
    assert!(all_notes(&mut h).await.is_empty());
    assert!(!h.last_edited_text().contains("📝 Заметка:"));
    assert!(note_buttons(&h, &anna).is_empty(), "nothing answered now");

    // Answered again, the question has no note.
    h.answer(&anna, Reply::No(Prio::Low)).await;
    assert_eq!(note_of(&mut h, audit, 0).await, None);
    assert_eq!(note_buttons(&h, &anna), vec![note_label(1)]);
}

#[tokio::test]
async fn a_note_for_an_answer_undone_meanwhile_is_not_saved() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let audit = h.audit_of(&anna).await.id;
    let card = h.card_id(&anna);
    let prompt = open_prompt(&mut h, &anna, &note_label(1), 1).await;

    // Back on the card, to question 1; «Нет», then «Назад» undoes it.
    let back = data_on(&h, card, BACK);
    h.press_on(&anna, card, Some(&back)).await;
    h.tap(&anna, NO).await;
    assert_eq!(h.card_id(&anna), card);
    h.tap(&anna, BACK).await;
    assert!(!has_answer(&mut h, audit, 0).await);
    let before = h.snapshot().await;

    h.send_text(&anna, "Заметка к ответу, которого нет").await;

    assert_eq!(
        h.sent_texts(),
        vec!["Ответа на вопрос 1 больше нет — заметка не сохранена.".to_string()]
    );
    assert!(
        h.stripped().contains(&prompt),
        "the prompt loses its buttons"
    );
    assert_eq!(h.snapshot().await, before, "nothing stored");
    assert!(pending(&mut h).await.is_empty(), "the bot waits no more");

    // The next text is an ordinary message again: the card comes anew.
    let state = h.audit_state().await;
    h.send_text(&anna, "ещё раз").await;
    assert!(h.last_sent_text().contains("Вопрос 1/39"));
    assert_eq!(h.audit_state().await, state);
    assert!(all_notes(&mut h).await.is_empty());
}

// ---------------------------------------------------------------------------
// Restarts and commands while waiting
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_restart_between_the_press_and_the_text_still_saves_the_note() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.answer(&anna, Reply::No(Prio::Medium)).await;
    let audit = h.audit_of(&anna).await.id;
    open_prompt(&mut h, &anna, &note_label(2), 2).await;

    h.restart().await;
    h.send_text(&anna, "Записала до перезапуска").await;

    let sent = h.sent_texts();
    assert_eq!(sent[0], saved(2), "{sent:?}");
    assert_eq!(
        note_of(&mut h, audit, 1).await.as_deref(),
        Some("Записала до перезапуска")
    );
    assert_eq!(note_of(&mut h, audit, 0).await, None);
    assert!(pending(&mut h).await.is_empty());
    assert!(h.card_text(&anna).contains("Вопрос 3/39"));
    assert_eq!(note_buttons(&h, &anna), vec![edit_label(2)]);
}

#[tokio::test]
async fn start_continue_and_restart_cancel_the_wait() {
    for command in ["/continue", "/start", "/restart"] {
        let mut h = Harness::new().await;
        let anna = anna();
        h.start_audit(&anna).await;
        h.answer(&anna, Reply::Yes).await;
        open_prompt(&mut h, &anna, &note_label(1), 1).await;
        let before = h.audit_state().await;

        h.send_text(&anna, command).await;
        assert!(pending(&mut h).await.is_empty(), "{command}");

        h.send_text(&anna, "это не заметка").await;
        let sent = h.sent_texts();
        assert_eq!(sent.len(), 1, "{command}: {sent:?}");
        assert!(
            sent[0].contains("Вопрос 2/39"),
            "{command}: the card again: {}",
            sent[0]
        );
        assert!(all_notes(&mut h).await.is_empty(), "{command}");
        assert_eq!(h.audit_state().await, before, "{command}");
    }
}

// ---------------------------------------------------------------------------
// The finished audit: its card, the summary, /report
// ---------------------------------------------------------------------------

#[tokio::test]
async fn notes_appear_in_the_final_summary_under_their_problems() {
    let mut h = Harness::new().await;
    let anna = anna();
    let questions = sheet().questions;
    h.start_audit(&anna).await;
    // Q1 «Нет · Высокий», Q2 «Нет · Средний», Q3 «Да», each with a note.
    for (i, (reply, note)) in [
        (Reply::No(Prio::High), "Про первый <вопрос>"),
        (Reply::No(Prio::Medium), "Про второй & всё"),
        (Reply::Yes, "Про третий"),
    ]
    .into_iter()
    .enumerate()
    {
        h.answer(&anna, reply).await;
        let number = i + 1;
        open_prompt(&mut h, &anna, &note_label(number), number).await;
        h.send_text(&anna, note).await;
        assert_eq!(h.sent_texts()[0], saved(number));
    }
    for _ in 3..questions.len() {
        h.answer(&anna, Reply::Yes).await;
    }

    let summary = h.sent_texts().join("\n");
    assert!(summary.contains("Проблемы по приоритету"), "{summary}");
    let problems = summary
        .split("Проблемы по приоритету")
        .nth(1)
        .expect("the problems");
    assert_in_order(
        problems,
        &[
            "🔴 <b>Высокий</b>".into(),
            format!("• <b>{}</b>", esc(&questions[0].text)),
            "📝 <i>Про первый &lt;вопрос&gt;</i>".into(),
            format!("→ {}", esc(&questions[0].action)),
            "🟡 <b>Средний</b>".into(),
            format!("• <b>{}</b>", esc(&questions[1].text)),
            "📝 <i>Про второй &amp; всё</i>".into(),
            format!("→ {}", esc(&questions[1].action)),
        ],
    );
    assert!(
        !summary.contains("Про третий"),
        "a «Да» is no problem: its note is not in the summary"
    );
}

#[tokio::test]
async fn the_finished_audits_card_offers_a_note_on_the_last_question_and_report_has_it() {
    let mut h = Harness::new().await;
    let anna = anna();
    let total = sheet().questions.len();
    let card = run_audit(&mut h, &anna, &[(0, Prio::High), (total - 1, Prio::High)]).await;
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "finished");
    assert_ne!(h.card_id(&anna), card, "the plan walk asks next");
    let finished = h.message(card).text().unwrap_or_default().to_string();
    assert!(finished.contains("Аудит завершён"), "{finished}");
    assert_eq!(labels_on(&h, card), vec![vec![note_label(total)]]);
    // The plan walk asks first; once it is over the finished card's note
    // button works.
    h.tap(&anna, "⏹ Закончить план").await;

    let data = data_on(&h, card, &note_label(total));
    let notice = h.press_on(&anna, card, Some(&data)).await;
    assert_eq!(notice, "Напишите заметку сообщением");
    let prompt_text = h.last_sent_text();
    assert!(
        prompt_text.starts_with(&format!("📝 <b>Заметка к вопросу {total}</b>")),
        "{prompt_text}"
    );
    let prompt = h.card_id(&anna);
    let note = "После аудита: обзвонить ушедших";
    h.send_text(&anna, note).await;

    assert_eq!(
        h.sent_texts(),
        vec![saved(total)],
        "no card is sent for a finished audit"
    );
    assert!(h.stripped().contains(&prompt));
    assert_eq!(
        note_of(&mut h, audit.id, total - 1).await.as_deref(),
        Some(note)
    );
    assert_eq!(h.audit_of(&anna).await.status, "finished");

    h.send_text(&anna, "/report").await;
    let docs = h.sent_documents();
    assert_eq!(docs.len(), 2);
    let (_, rows) = parse_csv(&docs[1].2);
    let last_id = question_id(total - 1);
    let row = rows
        .iter()
        .find(|r| r[0] == "Ответ" && r[2] == last_id)
        .expect("the row of the last question");
    assert_eq!(row[4], "Нет");
    assert_eq!(row[6], note, "{row:?}");
    let noted: Vec<&Vec<String>> = rows.iter().filter(|r| !r[6].is_empty()).collect();
    assert_eq!(noted.len(), 1, "only that question has a note: {noted:?}");
}

#[tokio::test]
async fn report_without_a_finished_audit_says_so_and_sends_no_files() {
    let mut h = Harness::new().await;
    let anna = anna();

    h.send_text(&anna, "/report").await;
    assert_eq!(h.sent_texts(), vec![REPORT_NONE.to_string()]);
    assert!(h.sent_documents().is_empty());

    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.answer(&anna, Reply::No(Prio::High)).await;
    h.send_text(&anna, "/report").await;
    assert_eq!(h.sent_texts(), vec![REPORT_NONE.to_string()]);
    assert!(h.sent_documents().is_empty());
}

#[tokio::test]
async fn report_after_finishing_sends_the_pdf_and_the_csv() {
    let mut h = Harness::new().await;
    let anna = anna();
    let questions = sheet().questions;
    run_audit(&mut h, &anna, &[]).await;
    let audit = h.audit_of(&anna).await;
    let db = h.db().await;
    let finished_at: i64 = sqlx::query_scalar("SELECT finished_at FROM audits WHERE id = $1")
        .bind(audit.id)
        .fetch_one(&db)
        .await
        .expect("finished_at");
    let date = chrono::DateTime::from_timestamp(finished_at, 0)
        .expect("a time")
        .format("%d.%m.%Y")
        .to_string();

    h.send_text(&anna, "/report").await;

    let docs = h.sent_documents();
    assert_eq!(docs.len(), 2, "{:?}", h.sent_texts());
    assert!(h.sent_texts().is_empty(), "{:?}", h.sent_texts());
    assert_eq!(docs[0].0, format!("Отчёт об аудите {date}.pdf"));
    assert_eq!(docs[0].1, CAPTION_PDF);
    assert_eq!(docs[1].0, format!("Отчёт об аудите {date}.csv"));
    assert_eq!(docs[1].1, CAPTION_CSV);

    let csv = &docs[1].2;
    assert!(csv.starts_with('\u{feff}'), "UTF-8 with a BOM");
    let (header, rows) = parse_csv(csv);
    assert_eq!(
        header,
        [
            "Тип строки",
            "Раздел",
            "ID вопроса",
            "Вопрос",
            "Ответ",
            "Приоритет",
            "Заметка",
            "Рекомендуемое действие",
            "Проблемная зона",
            "Предлагаемое решение",
            "Ответственный",
            "Срок",
            "Выполнено",
        ]
    );
    let answers: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "Ответ").collect();
    assert_eq!(answers.len(), 39);
    assert_eq!(answers.len(), questions.len());
    for (row, question) in answers.iter().zip(&questions) {
        assert_eq!(row.len(), 13, "{row:?}");
        assert_eq!(row[2], question.id);
        assert_eq!(row[3], question.text);
        assert_eq!(row[4], "Да");
        assert_eq!(row[6], "", "no notes");
    }
    assert_eq!(rows.len(), 39, "no plan for a clean audit: {rows:?}");
}

/// After the last answer the plan walk asks «Кто отвечает?»; a note on the
/// finished card meanwhile must not end the walk: /plan goes on with it.
#[tokio::test]
async fn a_note_on_the_finished_card_waits_until_the_plan_walk_is_done() {
    let mut h = Harness::new().await;
    let anna = anna();
    let total = sheet().questions.len();
    let card = run_audit(&mut h, &anna, &[(0, Prio::High)]).await;
    assert!(
        h.card_text(&anna).contains("Кто отвечает?"),
        "{}",
        h.card_text(&anna)
    );
    let walking = vec![(anna.id(), "owner".into(), "1".into())];
    assert_eq!(pending(&mut h).await, walking);
    let before = h.snapshot().await;

    // During the walk a note would take the user's one open question away
    // from the plan: it is refused, and the walk goes on where it was.
    let data = data_on(&h, card, &note_label(total));
    let notice = h.press_on(&anna, card, Some(&data)).await;
    assert_eq!(
        notice,
        "Сначала закончите план действий (или «⏹ Закончить план») — потом можно добавить заметку"
    );
    assert!(h.nothing_shown());
    assert_eq!(h.snapshot().await, before);
    assert_eq!(pending(&mut h).await, walking);
    let notice = h.tap(&anna, "👤 Я").await;
    assert_eq!(notice, "Ответственный: Анна");

    // Once the walk is over, the same button on the finished card works.
    h.tap(&anna, "⏹ Закончить план").await;
    assert!(pending(&mut h).await.is_empty());
    h.press_on(&anna, card, Some(&data)).await;
    h.send_text(&anna, "Заметка после аудита").await;
    assert_eq!(h.sent_texts()[0], saved(total));
}
