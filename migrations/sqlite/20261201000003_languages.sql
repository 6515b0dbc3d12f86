-- Languages: each user's, and which plan solutions are the owner's own words.

-- The user's language ('ru', 'uk', 'en'): guessed from Telegram's
-- language_code when the bot first meets them, then changed by /language.
-- NULL for users met before languages existed; set when they next write.
ALTER TABLE users ADD COLUMN language TEXT;

-- 0: the proposed solution, drafted from the checklist's recommended actions
-- and shown in the reader's language; 1: written by the owner, shown as
-- written. Rows from before this migration keep their text as it is.
ALTER TABLE plan_items ADD COLUMN solution_own INTEGER NOT NULL DEFAULT 1
    CHECK (solution_own IN (0, 1));
