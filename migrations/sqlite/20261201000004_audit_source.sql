-- Where an audit came from: the source of the tracked link that started it
-- (t.me/<bot>?start=<checklist id>-<source>), NULL when there was none.
ALTER TABLE audits ADD COLUMN source TEXT;
