-- Users, audits and answers. Answers are rows keyed by (audit, question id),
-- never a serialized blob, so reports and history can be queried.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,          -- Telegram user id
    first_name  TEXT    NOT NULL,
    username    TEXT,
    created_at  INTEGER NOT NULL,             -- unix seconds
    updated_at  INTEGER NOT NULL
);

CREATE TABLE audits (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id             INTEGER NOT NULL,
    checklist_id        TEXT    NOT NULL,
    checklist_version   INTEGER NOT NULL,
    status              TEXT    NOT NULL
                        CHECK (status IN ('in_progress', 'finished', 'abandoned')),
    -- The question the owner is on; NULL once the audit is closed.
    current_question_id TEXT,
    -- Bumped by every change; a press carries the revision it was made on,
    -- so a stale or doubled press cannot apply twice.
    revision            INTEGER NOT NULL DEFAULT 0,
    -- The live audit card, so a new card can take the buttons off the old.
    card_chat_id        INTEGER,
    card_message_id     INTEGER,
    started_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    finished_at         INTEGER
);

-- At most one audit in progress per user.
CREATE UNIQUE INDEX audits_one_in_progress_per_user
    ON audits (user_id) WHERE status = 'in_progress';
CREATE INDEX audits_by_user ON audits (user_id, id);

CREATE TABLE answers (
    audit_id         INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    question_id      TEXT    NOT NULL,
    answer           TEXT    NOT NULL CHECK (answer IN ('yes', 'no', 'na')),
    priority         TEXT    CHECK (priority IN ('low', 'medium', 'high')),
    priority_skipped INTEGER NOT NULL DEFAULT 0 CHECK (priority_skipped IN (0, 1)),
    answered_at      INTEGER NOT NULL,
    PRIMARY KEY (audit_id, question_id)
);
