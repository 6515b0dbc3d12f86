//! /delete_my_data: everything about the user goes, after a confirmation,
//! and nobody else's data is touched.

use crate::helpers::*;

const DELETE: &str = "🗑 Да, удалить всё";
const KEEP: &str = "Нет, оставить";

fn anna() -> Person {
    Person::new(501, "Анна")
}

fn boris() -> Person {
    Person::new(502, "Борис")
}

async fn rows(h: &mut Harness, table: &str, user: i64) -> i64 {
    let pool = h.db().await;
    let sql = match table {
        "users" => "SELECT COUNT(*) FROM users WHERE id = $1",
        "audits" => "SELECT COUNT(*) FROM audits WHERE user_id = $1",
        _ => "SELECT COUNT(*) FROM answers WHERE audit_id IN (SELECT id FROM audits WHERE user_id = $1)",
    };
    sqlx::query_scalar(sql)
        .bind(user)
        .fetch_one(&pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn delete_my_data_asks_first_then_deletes_every_audit_and_answer_of_the_user_only() {
    let mut h = Harness::new().await;
    let (anna, boris) = (anna(), boris());
    h.start_audit(&boris).await;
    h.answer(&boris, Reply::Yes).await;
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::No(Prio::High)).await;
    h.answer(&anna, Reply::Yes).await;
    h.send_text(&anna, "/restart").await;
    h.tap(&anna, RESTART_CONFIRM).await;
    h.answer(&anna, Reply::Yes).await;
    let anna_card = h.card_id(&anna);
    assert_eq!(rows(&mut h, "audits", anna.id()).await, 2);
    assert_eq!(rows(&mut h, "answers", anna.id()).await, 3);
    let boris_before = (
        rows(&mut h, "audits", boris.id()).await,
        rows(&mut h, "answers", boris.id()).await,
    );

    h.send_text(&anna, "/delete_my_data").await;
    assert!(h.last_sent_text().contains("Удалить все ваши данные?"));
    assert_eq!(
        rows(&mut h, "answers", anna.id()).await,
        3,
        "nothing deleted before the confirmation"
    );

    let notice = h.tap(&anna, DELETE).await;

    assert_eq!(notice, "Данные удалены");
    let done = h.last_edited_text();
    assert!(done.contains("удалено аудитов — 2, ответов — 3"), "{done}");
    assert!(
        h.stripped().contains(&anna_card),
        "the live card loses its buttons"
    );
    for table in ["users", "audits", "answers"] {
        assert_eq!(rows(&mut h, table, anna.id()).await, 0, "{table}");
    }
    let boris_after = (
        rows(&mut h, "audits", boris.id()).await,
        rows(&mut h, "answers", boris.id()).await,
    );
    assert_eq!(boris_after, boris_before);

    h.send_text(&anna, "/continue").await;
    assert_eq!(
        h.last_sent_text(),
        "Сейчас нет начатого аудита. Отправьте /start, чтобы начать."
    );
}

#[tokio::test]
async fn keeping_the_data_deletes_nothing() {
    let mut h = Harness::new().await;
    let anna = anna();
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    let before = h.snapshot().await;

    h.send_text(&anna, "/delete_my_data").await;
    let notice = h.tap(&anna, KEEP).await;

    assert_eq!(notice, "Ничего не удалено");
    assert_eq!(h.last_edited_text(), "Ничего не удалено.");
    assert_eq!(h.snapshot().await, before);
}

#[tokio::test]
async fn someone_else_cannot_confirm_the_deletion_of_your_data() {
    let mut h = Harness::new().await;
    let anna = anna().in_group(-900);
    let boris = boris().in_group(-900);
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.send_text(&anna, "/delete_my_data").await;
    let message = h.card_id(&anna);
    let data = h.data_of(&anna, DELETE);
    let before = h.snapshot().await;

    let notice = h.press_on(&boris, message, Some(&data)).await;

    assert_eq!(
        notice,
        "Это не ваш аудит. Свой можно начать командой /start"
    );
    assert_eq!(h.snapshot().await, before);
}
