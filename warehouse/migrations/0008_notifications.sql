-- Alerts through Apprise (flows/notify.py): one row per delivery attempt, so a person can see
-- what was sent where, what failed and why. ``target`` is the redacted URL (never a token).
CREATE TABLE IF NOT EXISTS notification_attempts (
    attempt_id    VARCHAR PRIMARY KEY,
    run_id        VARCHAR,            -- the run whose changes were sent; NULL for `notify --test`
    target        VARCHAR NOT NULL,
    scope         VARCHAR NOT NULL,   -- 'all' or the comma-separated labs the target is for
    attempt       INTEGER NOT NULL,   -- 1, 2, ... (retries of one delivery)
    ok            BOOLEAN NOT NULL,
    error         VARCHAR,
    n_changes     INTEGER NOT NULL,
    change_ids    VARCHAR[],
    is_test       BOOLEAN NOT NULL DEFAULT false,
    attempted_at  TIMESTAMP NOT NULL
);
