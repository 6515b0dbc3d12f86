-- Reminders, each user's reminder settings, and what blocks a plan item.

-- One row per reminder the bot means to send, kept until it is sent or
-- cancelled, so that a restart forgets none and none is sent twice.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL CHECK (kind IN ('unfinished', 'deadline', 'reaudit')),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    audit_id   INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    -- The plan item of a 'deadline' reminder; 0 for the other kinds.
    position   INTEGER NOT NULL DEFAULT 0,
    -- Which reminder of its series: the delay's index for 'unfinished'
    -- (24h, 72h), 0 on the deadline day and 1 three days later.
    step       INTEGER NOT NULL CHECK (step >= 0),
    -- What the series was planned from: the audit's revision after the last
    -- press ('unfinished'), the deadline 'YYYY-MM-DD' ('deadline'), ''
    -- ('reaudit'). Progress or a new deadline plans a new series; the same
    -- one planned again adds nothing.
    anchor     TEXT    NOT NULL,
    due_at     INTEGER NOT NULL,               -- unix seconds
    -- scheduled → sending (claimed by one scheduler) → sent; or cancelled.
    -- A row left in 'sending' by a process that died is never sent again.
    state      TEXT    NOT NULL DEFAULT 'scheduled'
               CHECK (state IN ('scheduled', 'sending', 'sent', 'cancelled')),
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    sent_at    INTEGER,
    UNIQUE (audit_id, kind, position, step, anchor)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE state = 'scheduled';
CREATE INDEX reminders_by_user ON reminders (user_id, kind);

-- Each kind of reminder on (1) or off (0), per user, by /settings.
ALTER TABLE users ADD COLUMN remind_unfinished INTEGER NOT NULL DEFAULT 1
    CHECK (remind_unfinished IN (0, 1));
ALTER TABLE users ADD COLUMN remind_deadline INTEGER NOT NULL DEFAULT 1
    CHECK (remind_deadline IN (0, 1));
ALTER TABLE users ADD COLUMN remind_reaudit INTEGER NOT NULL DEFAULT 1
    CHECK (remind_reaudit IN (0, 1));

-- What blocks a plan item, as the owner wrote it after «🧱 Застряло».
ALTER TABLE plan_items ADD COLUMN blocker TEXT;

-- A new kind of pending input, 'blocker' (target: a plan position). SQLite
-- cannot change a CHECK, so the table is made again with its rows.
CREATE TABLE pending_inputs_new (
    user_id           INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    audit_id          INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL
                      CHECK (kind IN ('note', 'owner', 'deadline', 'solution', 'more', 'blocker')),
    target            TEXT    NOT NULL,
    walk              INTEGER NOT NULL CHECK (walk IN (0, 1)),
    prompt_chat_id    INTEGER,
    prompt_message_id INTEGER,
    created_at        INTEGER NOT NULL,
    CHECK ((prompt_chat_id IS NULL) = (prompt_message_id IS NULL))
);
INSERT INTO pending_inputs_new SELECT user_id, audit_id, kind, target, walk, prompt_chat_id,
    prompt_message_id, created_at FROM pending_inputs;
DROP TABLE pending_inputs;
ALTER TABLE pending_inputs_new RENAME TO pending_inputs;
