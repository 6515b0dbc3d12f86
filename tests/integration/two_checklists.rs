//! A second file in questions/ is a second checklist, with no code change.

use crate::helpers::*;

const SECOND: &str = r#"
id = "second_audit"
version = 1
language = "ru"
title = "Второй аудит"
intro = "Короткий второй аудит."
minutes = 1
instructions = []

[answers]
yes = "да"
no = "нет"
not_applicable = "н/п"

[priorities]
low = "низкий"
medium = "средний"
high = "высокий"

[[sections]]
id = "only"
title = "Единственный раздел"

[[sections.questions]]
id = "only.one"
text = "Есть ли у нас второй чек-лист?"
hint = "Подсказка второго чек-листа"
action = "Сделать второе"
"#;

#[tokio::test]
async fn a_second_checklist_file_is_offered_and_runs_to_its_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        questions_dir().join("churn_audit.ru.toml"),
        dir.path().join("churn_audit.ru.toml"),
    )
    .expect("copy");
    std::fs::write(dir.path().join("second.ru.toml"), SECOND).expect("write");
    let mut h = Harness::with_questions(dir.path()).await;
    let anna = Person::new(701, "Анна");

    h.send_text(&anna, "/start").await;

    let choice = h.last_sent_text();
    assert!(
        choice.starts_with("👋 Здравствуйте, Анна! Выберите аудит:"),
        "{choice}"
    );
    assert!(
        choice.contains(&format!(
            "1. <b>{}</b> — 39 вопросов, около 15 минут",
            sheet().title
        )),
        "{choice}"
    );
    assert!(
        choice.contains("2. <b>Второй аудит</b> — 1 вопрос, около 1 минуты"),
        "{choice}"
    );
    let titles: Vec<String> = h.card_labels(&anna).into_iter().flatten().collect();
    assert_eq!(
        titles,
        [
            "▶️ 1. Аудит оттока клиентов".to_string(),
            "▶️ 2. Второй аудит".to_string()
        ]
    );
    h.tap(&anna, "▶️ 2. Второй аудит").await;
    // Chosen from several, the audit opens with its own greeting.
    let greeting = h.sent_texts().join("\n");
    assert!(greeting.contains("Короткий второй аудит."), "{greeting}");
    let card = h.card_text(&anna);
    assert!(
        card.contains("Вопрос 1/1") && card.contains("Есть ли у нас второй чек-лист?"),
        "{card}"
    );

    h.answer(&anna, Reply::No(Prio::High)).await;

    let summary = h.sent_texts().join("\n");
    assert!(summary.contains("Итоги аудита «Второй аудит»"), "{summary}");
    assert!(summary.contains("Сделать второе"), "{summary}");
    let audit = h.audit_of(&anna).await;
    assert_eq!(audit.status, "finished");
}
