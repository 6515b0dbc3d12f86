//! /history and the change since the previous audit.

use crate::helpers::*;

fn anna() -> Person {
    Person::new(601, "Анна")
}

/// Answers the whole audit: «Нет · Высокий» for the questions in `no`,
/// «Да» for the rest; returns the texts of the messages sent at the end.
async fn run_audit(h: &mut Harness, who: &Person, no: &[usize]) -> Vec<String> {
    h.start_audit(who).await;
    let total = sheet().questions.len();
    for i in 0..total {
        let reply = if no.contains(&i) {
            Reply::No(Prio::High)
        } else {
            Reply::Yes
        };
        h.answer(who, reply).await;
    }
    h.sent_texts()
}

#[tokio::test]
async fn a_second_audit_shows_what_changed_since_the_first() {
    let mut h = Harness::new().await;
    let anna = anna();
    let questions = sheet().questions;
    let first = run_audit(&mut h, &anna, &[0, 7]).await.join("\n");
    assert!(
        !first.contains("Изменения с аудита"),
        "a first audit has nothing to compare with"
    );

    let second = run_audit(&mut h, &anna, &[7, 20]).await.join("\n");

    assert!(second.contains("Изменения с аудита"), "{second}");
    let changes = second
        .split("Изменения с аудита")
        .nth(1)
        .unwrap_or_default();
    // Question 1 went Нет → Да; question 21 is new; question 8 stayed a problem.
    let fixed = changes.split("Новые проблемы").next().unwrap_or_default();
    assert!(fixed.contains(&esc(&questions[0].text)), "{changes}");
    assert!(!fixed.contains(&esc(&questions[7].text)), "{changes}");
    let new = changes.split("Новые проблемы").nth(1).unwrap_or_default();
    assert!(new.contains(&esc(&questions[20].text)), "{changes}");
    assert!(!new.contains(&esc(&questions[7].text)), "{changes}");
    // Section 1 (6 questions): 5/6 = 83% then, 6/6 = 100% now.
    assert!(
        changes.contains("Качество продукта/услуги: 83% → 100%"),
        "{changes}"
    );
}

#[tokio::test]
async fn history_lists_every_audit_with_its_score_and_status() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.send_text(&anna, "/history").await;
    assert_eq!(h.last_sent_text(), "У вас ещё нет аудитов. Начать: /start");

    run_audit(&mut h, &anna, &[0]).await;
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.send_text(&anna, "/history").await;

    let text = h.last_sent_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1].contains("в процессе, 1 из 39") && lines[1].contains("100%"),
        "{text}"
    );
    assert!(
        lines[2].contains("завершён") && lines[2].contains("97%"),
        "{text}"
    );
}
