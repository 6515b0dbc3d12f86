//! The action plan after the last answer: owners, deadlines, the plan
//! message and the report files.

use crate::helpers::*;

fn anna() -> Person {
    Person::new(701, "Анна")
}

/// Answers the whole audit: «Нет · <prio>» for the listed questions, «Да»
/// for the rest.
async fn run_audit(h: &mut Harness, who: &Person, no: &[(usize, Prio)]) {
    h.start_audit(who).await;
    let total = sheet().questions.len();
    for i in 0..total {
        let reply = match no.iter().find(|(q, _)| *q == i) {
            Some((_, p)) => Reply::No(*p),
            None => Reply::Yes,
        };
        h.answer(who, reply).await;
    }
}

#[tokio::test]
async fn smoke_the_plan_walk_ends_with_the_plan_and_files() {
    let mut h = Harness::new().await;
    let anna = anna();
    run_audit(
        &mut h,
        &anna,
        &[(0, Prio::High), (7, Prio::Medium), (20, Prio::Low)],
    )
    .await;
    println!("{}", h.card_text(&anna));
    println!("{:?}", h.card_labels(&anna));
    h.tap(&anna, "👤 Я").await;
    println!("{}", h.card_text(&anna));
    println!("{:?}", h.card_labels(&anna));
    h.send_text(&anna, "31.02.2027").await;
    println!("{:?}", h.sent_texts());
    h.send_text(&anna, "01.01.2020").await;
    println!("{:?}", h.sent_texts());
    h.send_text(&anna, "завтра").await;
    println!("{:?}", h.sent_texts());
    h.send_text(&anna, "15.01.2027").await;
    println!("{}", h.card_text(&anna));
    println!("{:?}", h.card_labels(&anna));
    h.send_text(&anna, "Пётр, администратор").await;
    let labels = h.card_labels(&anna);
    println!("{labels:?}");
    let first = labels[0][0].clone();
    println!("{}", h.tap(&anna, &first).await);
    println!("{}", h.card_text(&anna));
    h.tap(&anna, "Пропустить").await;
    h.tap(&anna, "Без срока").await;
    println!("{}", h.card_text(&anna));
    println!("{:?}", h.card_labels(&anna));
    let labels = h.card_labels(&anna);
    h.tap(&anna, &labels[1][0].clone()).await;
    println!("{:?}", h.sent_texts());
    println!(
        "{:?}",
        h.sent_documents()
            .iter()
            .map(|d| (&d.0, &d.1, d.2.len()))
            .collect::<Vec<_>>()
    );
    h.send_text(&anna, "/plan").await;
    println!("{:?}", h.sent_texts());
    println!("{:?}", h.card_labels(&anna));
}
