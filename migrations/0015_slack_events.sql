-- Slack events received by POST /slack/events (docs/slack.md). Slack delivers an event again when
-- it saw no timely acknowledgement (same event_id, X-Slack-Retry-Num); the primary key makes the
-- second delivery a no-op, so a mention is answered once. The row also records how the work ended.
CREATE TABLE slack_events (
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id         text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 100),
    event_type       text NOT NULL DEFAULT '',
    channel          text NOT NULL DEFAULT '',
    thread_ts        text NOT NULL DEFAULT '',
    -- queued → answered | failed | ignored
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'answered', 'failed', 'ignored')),
    conversation_id  uuid,
    error            text NOT NULL DEFAULT '',
    retries_seen     integer NOT NULL DEFAULT 0,
    received_at      timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    PRIMARY KEY (tenant_id, event_id)
);

-- A workspace's events are routed by the tenant setting slack_team_id.
CREATE INDEX tenants_slack_team ON tenants ((settings ->> 'slack_team_id'));
