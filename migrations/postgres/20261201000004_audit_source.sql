-- Where an audit came from: the source of the tracked link that started it.
ALTER TABLE audits ADD COLUMN source TEXT;
