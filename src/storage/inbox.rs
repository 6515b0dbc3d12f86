//! The inbox of updates: recorded once, taken once (see migration 7). The
//! SQL is in `sql/inbox.rs`.

#[cfg(test)]
mod tests {
    use crate::domain::audit::{Answer, Change, Priority, Response, Status};
    use crate::storage::testdb::{on_both_backends, TestBackend, TestDb};
    use crate::storage::{Position, Storage, Taken, UserInfo};

    async fn an_update_is_recorded_once_and_taken_once(backend: TestBackend) {
        let db = TestDb::new(backend).await;
        let storage = db.storage().await;
        assert!(storage.record_update(7, "{}").await.expect("record"));
        assert!(!storage.record_update(7, "{}").await.expect("again"));
        assert_eq!(
            storage.untaken_updates().await.expect("untaken"),
            [(7, "{}".to_string())]
        );
        assert_eq!(
            storage.take_update(7, None, None).await.expect("take"),
            Some(Taken {
                language: None,
                audit: None
            })
        );
        assert_eq!(
            storage
                .take_update(7, None, None)
                .await
                .expect("take again"),
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
            .take_update(8, None, None)
            .await
            .expect("polled")
            .is_some());
        assert_eq!(
            storage
                .take_update(8, None, None)
                .await
                .expect("polled again"),
            None
        );
        assert!(!storage.record_update(8, "{}").await.expect("late post"));
        assert_eq!(storage.prune_inbox(i64::MAX).await.expect("prune"), 2);
    }

    /// A store with user 42 in `language`.
    async fn with_anna(backend: TestBackend, language: &str) -> (TestDb, Storage) {
        let db = TestDb::new(backend).await;
        let storage = db.storage().await;
        let anna = UserInfo {
            id: 42,
            first_name: "Анна".into(),
            username: None,
        };
        storage.upsert_user(&anna, language).await.expect("user");
        (db, storage)
    }

    async fn a_take_reads_the_language_of_the_updates_user(backend: TestBackend) {
        let (_db, storage) = with_anna(backend, "uk").await;

        let known = storage.take_update(1, Some(42), None).await.expect("take");
        let stranger = storage.take_update(2, Some(43), None).await.expect("take");
        let again = storage.take_update(1, Some(42), None).await.expect("again");
        storage.set_language(42, "en").await.expect("language");
        let changed = storage.take_update(3, Some(42), None).await.expect("take");

        assert_eq!(
            known,
            Some(Taken {
                language: Some("uk".into()),
                audit: None
            })
        );
        assert_eq!(
            stranger,
            Some(Taken {
                language: None,
                audit: None
            })
        );
        assert_eq!(again, None, "taken before: not for this process");
        assert_eq!(
            changed,
            Some(Taken {
                language: Some("en".into()),
                audit: None
            })
        );
    }

    const NO: Response = Response {
        answer: Answer::No,
        priority: Some(Priority::High),
        priority_skipped: false,
    };

    async fn a_take_reads_the_audit_a_press_is_on_with_its_answers(backend: TestBackend) {
        let (_db, storage) = with_anna(backend, "ru").await;
        let audit = storage
            .create_audit(42, 42, "churn", 1, "q1", None)
            .await
            .expect("audit");
        let fresh = storage
            .take_update(1, Some(42), Some(audit.id))
            .await
            .expect("take")
            .expect("taken");
        assert_eq!(fresh.language.as_deref(), Some("ru"));
        assert_eq!(
            fresh.audit,
            storage.audit_with_answers(audit.id).await.expect("read")
        );
        let (record, (answers, notes)) = fresh.audit.expect("the audit");
        assert_eq!((record.id, answers.len(), notes.len()), (audit.id, 0, 0));

        let change = Change {
            response: Some(("q1".into(), Some(NO))),
        };
        let position = Position {
            current_question_id: Some("q2"),
            status: Status::InProgress,
        };
        storage
            .save(audit.id, 0, &change, position)
            .await
            .expect("save");
        storage
            .set_note(audit.id, "q1", Some("why"))
            .await
            .expect("note");
        let answered = storage
            .take_update(2, Some(42), Some(audit.id))
            .await
            .expect("take")
            .expect("taken");
        assert_eq!(
            answered.audit,
            storage.audit_with_answers(audit.id).await.expect("read")
        );
        let (record, (answers, notes)) = answered.audit.expect("the audit");
        assert_eq!(record.revision, 1);
        assert_eq!(answers, [("q1".to_string(), NO)]);
        assert_eq!(notes.get("q1").map(String::as_str), Some("why"));

        let missing = storage
            .take_update(3, None, Some(audit.id + 1))
            .await
            .expect("take");
        assert_eq!(missing.map(|t| t.audit), Some(None), "no such audit");
        assert_eq!(
            storage
                .take_update(2, Some(42), Some(audit.id))
                .await
                .expect("again"),
            None
        );
    }

    on_both_backends!(
        an_update_is_recorded_once_and_taken_once,
        a_take_reads_the_language_of_the_updates_user,
        a_take_reads_the_audit_a_press_is_on_with_its_answers
    );
}
