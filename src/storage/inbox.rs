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

    /// Answers q1 of a new audit «Нет», high priority, and moves it to q2.
    async fn answer_q1_no(storage: &Storage, audit_id: i64) {
        let change = Change {
            response: Some(("q1".into(), Some(NO))),
        };
        let position = Position {
            current_question_id: Some("q2"),
            status: Status::InProgress,
        };
        storage
            .save(audit_id, 0, &change, position)
            .await
            .expect("save");
    }

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

        answer_q1_no(&storage, audit.id).await;
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

    /// Takes made at once (on PostgreSQL one statement for several, see
    /// `storage::group`): each update is taken once, by one of its calls,
    /// and each take reads its own user's language and its own audit.
    async fn takes_made_at_once_each_read_their_own_user_and_audit(backend: TestBackend) {
        let (_db, storage) = with_anna(backend, "uk").await;
        let boris = UserInfo {
            id: 43,
            first_name: "Борис".into(),
            username: None,
        };
        storage.upsert_user(&boris, "en").await.expect("user");
        let annas = storage
            .create_audit(42, 42, "churn", 1, "q1", None)
            .await
            .expect("audit");
        answer_q1_no(&storage, annas.id).await;
        let boriss = storage
            .create_audit(43, 43, "churn", 1, "q1", None)
            .await
            .expect("audit");
        let expected = |user: i64| {
            let storage = storage.clone();
            let (language, audit) = if user == 42 {
                ("uk", annas.id)
            } else {
                ("en", boriss.id)
            };
            async move {
                Taken {
                    language: Some(language.into()),
                    audit: storage.audit_with_answers(audit).await.expect("read"),
                }
            }
        };
        let (anna_sees, boris_sees) = (expected(42).await, expected(43).await);
        assert_ne!(anna_sees.audit, boris_sees.audit);

        // Updates 1–12 pressed by Anna and Boris in turn, each asked for
        // twice, and two more: one with neither user nor audit, one on an
        // audit that does not exist.
        let calls: Vec<(i64, Option<i64>, Option<i64>)> = (1..=12)
            .chain(1..=12)
            .map(|id| {
                let (user, audit) = if id % 2 == 0 {
                    (42, annas.id)
                } else {
                    (43, boriss.id)
                };
                (id, Some(user), Some(audit))
            })
            .chain([(13, None, None), (14, Some(43), Some(boriss.id + 100))])
            .collect();
        let takes = calls
            .iter()
            .map(|&(id, user, audit)| storage.take_update(id, user, audit));
        let taken = futures_util::future::join_all(takes).await;

        for id in 1..=12 {
            let seen = if id % 2 == 0 { &anna_sees } else { &boris_sees };
            let of_id: Vec<_> = calls
                .iter()
                .zip(&taken)
                .filter(|((call, _, _), _)| *call == id)
                .map(|(_, t)| t.as_ref().expect("take"))
                .collect();
            assert_eq!(of_id.len(), 2);
            let firsts: Vec<_> = of_id.iter().filter_map(|t| t.as_ref()).collect();
            assert_eq!(
                firsts,
                [seen],
                "update {id}: taken once, with its own reads"
            );
        }
        let last: Vec<_> = taken[24..]
            .iter()
            .map(|t| t.as_ref().expect("take"))
            .collect();
        assert_eq!(
            last,
            [
                &Some(Taken {
                    language: None,
                    audit: None
                }),
                &Some(Taken {
                    language: Some("en".into()),
                    audit: None
                })
            ]
        );
        // All taken now.
        for id in 1..=14 {
            assert_eq!(
                storage.take_update(id, None, None).await.expect("again"),
                None
            );
        }
    }

    on_both_backends!(
        an_update_is_recorded_once_and_taken_once,
        a_take_reads_the_language_of_the_updates_user,
        a_take_reads_the_audit_a_press_is_on_with_its_answers,
        takes_made_at_once_each_read_their_own_user_and_audit
    );
}
