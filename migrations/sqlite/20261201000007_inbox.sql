-- Every update the bot took, by Telegram's update_id, so that an update
-- delivered twice (a webhook retried by Telegram, a poll repeated after a
-- crash, two instances) is handled once. In webhook mode the update is
-- recorded here before Telegram is answered 200; `taken_at` is set by the
-- one process that handles it. A recorded update not yet taken when a
-- process stops is handled at the next start.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    -- The update as Telegram posted it (webhook mode) until it is taken;
    -- NULL when polled, and once taken (what users write is not kept).
    body        TEXT,
    received_at INTEGER NOT NULL,
    taken_at    INTEGER
);
CREATE INDEX inbox_untaken ON inbox (update_id) WHERE taken_at IS NULL;
