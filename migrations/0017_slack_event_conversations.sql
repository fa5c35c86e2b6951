-- A Slack mention's answer that waited for a person's approval goes on later, outside the
-- responder's own turn; its thread is found again from the conversation the mention started.
CREATE INDEX slack_events_conversation ON slack_events (tenant_id, conversation_id)
    WHERE conversation_id IS NOT NULL;
