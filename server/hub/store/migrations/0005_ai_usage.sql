-- AI usage: one row per request to a language, embedding, image or speech model, so the
-- person can see what was used and what it cost. Never the content: no prompt, no answer.
-- `purpose` names the feature (summarise_pr, explain_failure, draft_issue, describe_diff,
-- embed, generate_image, dictate); `cost` is US dollars from the prices the user set for
-- the model (NULL: no price known); `ok` is 0 for a request that failed or was cancelled
-- after it began (its tokens, as far as reported, still count).
CREATE TABLE ai_usage (
    id            INTEGER PRIMARY KEY,
    at            REAL NOT NULL,
    connector     TEXT NOT NULL,
    account       TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost          REAL CHECK (cost IS NULL OR cost >= 0),
    ok            INTEGER NOT NULL DEFAULT 1 CHECK (ok IN (0, 1))
);

CREATE INDEX ai_usage_at ON ai_usage (at);
