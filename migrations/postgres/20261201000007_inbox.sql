-- Every update the bot took, by Telegram's update_id (see migrations/sqlite).
CREATE TABLE inbox (
    update_id   BIGINT  PRIMARY KEY,
    body        TEXT,
    received_at BIGINT  NOT NULL,
    taken_at    BIGINT
);
CREATE INDEX inbox_untaken ON inbox (update_id) WHERE taken_at IS NULL;
