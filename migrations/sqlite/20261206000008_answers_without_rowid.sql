-- Answers as a WITHOUT ROWID table, stored in the order of their primary key
-- (audit, question id): a press's answer writes one b-tree page instead of
-- two (the rows and the key's index), and an audit's answers are read from
-- neighbouring rows. SQLite cannot change this in place: the table is made
-- again with its rows, as it was with its note column.
CREATE TABLE answers_new (
    audit_id         INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    question_id      TEXT    NOT NULL,
    answer           TEXT    NOT NULL CHECK (answer IN ('yes', 'no', 'na')),
    priority         TEXT    CHECK (priority IN ('low', 'medium', 'high')),
    priority_skipped INTEGER NOT NULL DEFAULT 0 CHECK (priority_skipped IN (0, 1)),
    answered_at      INTEGER NOT NULL,
    note             TEXT,
    PRIMARY KEY (audit_id, question_id)
) WITHOUT ROWID;
INSERT INTO answers_new (audit_id, question_id, answer, priority, priority_skipped,
    answered_at, note)
SELECT audit_id, question_id, answer, priority, priority_skipped, answered_at, note
FROM answers;
DROP TABLE answers;
ALTER TABLE answers_new RENAME TO answers;
