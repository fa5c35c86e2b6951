-- One turn at a time per conversation, across processes (docs/design.md#turn): a turn takes a lease on its
-- conversation when it opens (the same statement that stores the user message), renews it while it
-- runs and releases it with its final answer. A lease is a row value with an expiry, never a lock
-- held across a provider call, so a crashed process blocks its conversation only until it expires.
ALTER TABLE conversations
    ADD COLUMN turn_holder uuid,
    ADD COLUMN turn_expires_at timestamptz;

-- The turn that wrote each message (NULL for messages stored outside a turn). A retried write
-- finds its own rows by it (a write whose acknowledgement was lost is stored once), and a
-- conversation's turns can be checked never to interleave.
ALTER TABLE messages ADD COLUMN turn_id uuid;

-- Tool-call ids are unique within a conversation: the engine looks the ids a provider returns up
-- here before using them. Only tool results carry tool_call_id, so the index stays small.
CREATE INDEX idx_messages_tool_call ON messages (conversation_id, tool_call_id)
    WHERE tool_call_id IS NOT NULL;
