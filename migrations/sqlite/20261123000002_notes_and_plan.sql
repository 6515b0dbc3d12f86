-- Notes on answers, the action plan of an audit, and what the bot waits for
-- a user to type or press next.

-- A note belongs to its answer row: a changed answer keeps it (save() updates
-- named columns on conflict), an answer removed by undo takes it along.
ALTER TABLE answers ADD COLUMN note TEXT;

-- The «Резюме и план действий»: one row per problem area, in the order the
-- owner sees it. Positions are dense from 1 and never reused within an audit.
CREATE TABLE plan_items (
    audit_id    INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 1),
    -- What the item was drawn from: a section id ('zone') or a question id
    -- ('problem'). Unique per audit, so a repeated Telegram update that adds
    -- the same items again adds nothing.
    source_kind TEXT    NOT NULL CHECK (source_kind IN ('zone', 'problem')),
    source_ref  TEXT    NOT NULL,
    zone        TEXT    NOT NULL,
    priority    TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    solution    TEXT    NOT NULL,
    owner       TEXT,
    deadline    TEXT,                          -- 'YYYY-MM-DD'
    done        INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    updated_at  INTEGER NOT NULL,              -- unix seconds
    PRIMARY KEY (audit_id, position),
    UNIQUE (audit_id, source_kind, source_ref)
);

-- What the bot waits for a user to type or press next; at most one per user,
-- so a text message has exactly one meaning. Kept here rather than in memory
-- so that a restart does not forget the question just asked.
CREATE TABLE pending_inputs (
    user_id           INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    audit_id          INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL
                      CHECK (kind IN ('note', 'owner', 'deadline', 'solution', 'more')),
    -- 'note': a question id; 'owner', 'deadline', 'solution': a plan position
    -- in decimal; 'more': ''.
    target            TEXT    NOT NULL,
    -- Walking through the whole plan (1) or editing one item (0).
    walk              INTEGER NOT NULL CHECK (walk IN (0, 1)),
    -- The message that asked, so its buttons can go when the answer comes.
    prompt_chat_id    INTEGER,
    prompt_message_id INTEGER,
    created_at        INTEGER NOT NULL,        -- unix seconds
    CHECK ((prompt_chat_id IS NULL) = (prompt_message_id IS NULL))
);
