-- One row per finish notice to an admin chat (ADMIN_CHAT_IDS), written in
-- the same transaction as the last answer, so a notice is neither lost nor
-- sent twice across restarts: pending → sending (claimed by one sender) →
-- sent, or failed (the chat refused it; logged). A row left in 'sending' by
-- a process that died is not sent again.
CREATE TABLE admin_notices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id   INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    sent_at    INTEGER,
    UNIQUE (audit_id, chat_id)
);
CREATE INDEX admin_notices_pending ON admin_notices (id) WHERE state = 'pending';
