-- Notes on answers, the action plan of an audit, and what the bot waits for
-- a user to type or press next (see migrations/sqlite for the why of each).

ALTER TABLE answers ADD COLUMN note TEXT;

CREATE TABLE plan_items (
    audit_id    BIGINT  NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL CHECK (position >= 1),
    source_kind TEXT    NOT NULL CHECK (source_kind IN ('zone', 'problem')),
    source_ref  TEXT    NOT NULL,
    zone        TEXT    NOT NULL,
    priority    TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    solution    TEXT    NOT NULL,
    owner       TEXT,
    deadline    TEXT,                          -- 'YYYY-MM-DD'
    done        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (audit_id, position),
    UNIQUE (audit_id, source_kind, source_ref)
);

CREATE TABLE pending_inputs (
    user_id           BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    audit_id          BIGINT  NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL
                      CONSTRAINT pending_inputs_kind_check
                      CHECK (kind IN ('note', 'owner', 'deadline', 'solution', 'more')),
    target            TEXT    NOT NULL,
    walk              BOOLEAN NOT NULL,
    prompt_chat_id    BIGINT,
    prompt_message_id BIGINT,
    created_at        BIGINT  NOT NULL,
    CHECK ((prompt_chat_id IS NULL) = (prompt_message_id IS NULL))
);
