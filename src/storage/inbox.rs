//! The inbox of updates: recorded once, taken once (see migration 7). The
//! SQL is in `sql/inbox.rs`.

#[cfg(test)]
mod tests {
    use crate::storage::testdb::{on_both_backends, TestBackend, TestDb};
    use crate::storage::Storage;

    async fn an_update_is_recorded_once_and_taken_once(backend: TestBackend) {
        let db = TestDb::new(backend).await;
        let storage = Storage::connect(&db.url).await.expect("open");
        assert!(storage.record_update(7, "{}").await.expect("record"));
        assert!(!storage.record_update(7, "{}").await.expect("again"));
        assert_eq!(
            storage.untaken_updates().await.expect("untaken"),
            [(7, "{}".to_string())]
        );
        assert!(storage.take_update(7).await.expect("take"));
        assert!(!storage.take_update(7).await.expect("take again"));
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM inbox WHERE update_id = 7")
            .fetch_one(&db.raw().await)
            .await
            .expect("the row");
        assert_eq!(body, None, "what the user wrote is not kept");
        assert!(storage.untaken_updates().await.expect("untaken").is_empty());
        // Polled: met first at take.
        assert!(storage.take_update(8).await.expect("take polled"));
        assert!(!storage.take_update(8).await.expect("polled again"));
        assert!(!storage.record_update(8, "{}").await.expect("late post"));
        assert_eq!(storage.prune_inbox(i64::MAX).await.expect("prune"), 2);
    }

    on_both_backends!(an_update_is_recorded_once_and_taken_once);
}
