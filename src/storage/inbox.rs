//! The inbox of updates: recorded once, taken once (see migration 7). The
//! SQL is in `sql/inbox.rs`.

#[cfg(test)]
mod tests {
    use crate::storage::testdb::{on_both_backends, TestBackend, TestDb};
    use crate::storage::{Storage, Taken, UserInfo};

    async fn an_update_is_recorded_once_and_taken_once(backend: TestBackend) {
        let db = TestDb::new(backend).await;
        let storage = Storage::connect(&db.url).await.expect("open");
        assert!(storage.record_update(7, "{}").await.expect("record"));
        assert!(!storage.record_update(7, "{}").await.expect("again"));
        assert_eq!(
            storage.untaken_updates().await.expect("untaken"),
            [(7, "{}".to_string())]
        );
        assert_eq!(
            storage.take_update(7, None).await.expect("take"),
            Some(Taken { language: None })
        );
        assert_eq!(
            storage.take_update(7, None).await.expect("take again"),
            None
        );
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM inbox WHERE update_id = 7")
            .fetch_one(&db.raw().await)
            .await
            .expect("the row");
        assert_eq!(body, None, "what the user wrote is not kept");
        assert!(storage.untaken_updates().await.expect("untaken").is_empty());
        // Polled: met first at take.
        assert!(storage
            .take_update(8, None)
            .await
            .expect("polled")
            .is_some());
        assert_eq!(
            storage.take_update(8, None).await.expect("polled again"),
            None
        );
        assert!(!storage.record_update(8, "{}").await.expect("late post"));
        assert_eq!(storage.prune_inbox(i64::MAX).await.expect("prune"), 2);
    }

    async fn a_take_reads_the_language_of_the_updates_user(backend: TestBackend) {
        let db = TestDb::new(backend).await;
        let storage = Storage::connect(&db.url).await.expect("open");
        let anna = UserInfo {
            id: 42,
            first_name: "Анна".into(),
            username: None,
        };
        storage.upsert_user(&anna, "uk").await.expect("user");

        let known = storage.take_update(1, Some(42)).await.expect("take");
        let stranger = storage.take_update(2, Some(43)).await.expect("take");
        let again = storage.take_update(1, Some(42)).await.expect("again");
        storage.set_language(42, "en").await.expect("language");
        let changed = storage.take_update(3, Some(42)).await.expect("take");

        assert_eq!(
            known,
            Some(Taken {
                language: Some("uk".into())
            })
        );
        assert_eq!(stranger, Some(Taken { language: None }));
        assert_eq!(again, None, "taken before: not for this process");
        assert_eq!(
            changed,
            Some(Taken {
                language: Some("en".into())
            })
        );
    }

    on_both_backends!(
        an_update_is_recorded_once_and_taken_once,
        a_take_reads_the_language_of_the_updates_user
    );
}
