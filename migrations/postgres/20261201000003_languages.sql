-- Languages: each user's, and which plan solutions are the owner's own words.
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE plan_items ADD COLUMN solution_own BOOLEAN NOT NULL DEFAULT TRUE;
