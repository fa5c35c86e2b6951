-- An acknowledged Slack mention must be answered even when the process that acknowledged it stops
-- first (Slack does not resend an acknowledged event). The row keeps what the answer needs (who
-- mentioned the app, and what they wrote) and a claim: a process answering a mention holds it
-- until claimed_until; a queued mention whose claim ran out is taken over by any process.
ALTER TABLE slack_events
    ADD COLUMN mention_user  text NOT NULL DEFAULT '',
    ADD COLUMN mention_text  text NOT NULL DEFAULT '',
    ADD COLUMN claimed_until timestamptz;

CREATE INDEX slack_events_unanswered ON slack_events (claimed_until) WHERE status = 'queued';
