impl Store {
    /// Every answer of every audit, by audit and question id (the primary
    /// key's order: no sort).
    pub fn answer_rows(&self) -> BoxStream<'_, Result<AnswerExportRow>> {
        sqlx::query(
            "SELECT a.id AS audit_id, a.user_id, u.first_name, u.username, u.language,
                    a.checklist_id, a.checklist_version, a.source, a.status, a.started_at,
                    a.finished_at, r.question_id, r.answer, r.priority, r.note
             FROM answers r JOIN audits a ON a.id = r.audit_id JOIN users u ON u.id = a.user_id
             ORDER BY r.audit_id, r.question_id",
        )
        .fetch(&self.pool)
        .map(|row| {
            let r = row?;
            Ok(AnswerExportRow {
                audit_id: r.try_get("audit_id")?,
                user_id: r.try_get("user_id")?,
                first_name: r.try_get("first_name")?,
                username: r.try_get("username")?,
                language: r.try_get("language")?,
                checklist_id: r.try_get("checklist_id")?,
                checklist_version: r.try_get("checklist_version")?,
                source: r.try_get("source")?,
                status: r.try_get("status")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
                question_id: r.try_get("question_id")?,
                answer: r.try_get("answer")?,
                priority: r.try_get("priority")?,
                note: r.try_get("note")?,
            })
        })
        .boxed()
    }

    /// Every plan item of every audit, in order.
    pub fn plan_rows(&self) -> BoxStream<'_, Result<PlanExportRow>> {
        sqlx::query(
            "SELECT audit_id, zone, priority, solution, owner, deadline, done FROM plan_items
             ORDER BY audit_id, position",
        )
        .fetch(&self.pool)
        .map(|row| {
            let r = row?;
            Ok(PlanExportRow {
                audit_id: r.try_get("audit_id")?,
                zone: r.try_get("zone")?,
                priority: r.try_get("priority")?,
                solution: r.try_get("solution")?,
                owner: r.try_get("owner")?,
                deadline: r.try_get("deadline")?,
                done: r.try_get("done")?,
            })
        })
        .boxed()
    }
}
