-- Conversations broken on purpose, one per problem check.sql looks for, and one sound one
-- (tests/soak/soak.sh runs this and check.sql in a transaction it rolls back): a soak whose
-- check would miss one of these fails, so "0 inconsistent" always means something.
--   ...01 ordered, 02 unanswered, 03 orphan, 04 duplicate, 05 interleaved, 06 sound
INSERT INTO tenants (tenant_id) VALUES ('soak-selfcheck');
INSERT INTO conversations (conversation_id, tenant_id, flow_type)
SELECT ('00000000-0000-4000-8000-00000000000' || i)::uuid, 'soak-selfcheck', 'weather'
FROM generate_series(1, 6) AS i;
-- Rows are inserted in the order listed (so ids follow it); `at` is the created_at second;
-- `turn` 0 means a message stored outside a turn; turn ids are distinct per conversation, as
-- a tenant's turn ids are (one user message per turn id, migration 0009).
INSERT INTO messages (conversation_id, tenant_id, flow_type, role, content, tool_calls, tool_call_id,
                      turn_id, created_at)
SELECT ('00000000-0000-4000-8000-00000000000' || conv)::uuid, 'soak-selfcheck', 'weather', role, content,
       calls::jsonb, call_id,
       CASE WHEN turn > 0 THEN ('00000000-0000-4000-9000-0000000000' || conv || turn)::uuid END,
       timestamptz '2000-01-01 00:00:00+00' + at * interval '1 second'
FROM (VALUES
    -- ordered: the second row has the earlier timestamp
    (1, 2, 'user', 'first', NULL, NULL, 0),
    (1, 1, 'user', 'second', NULL, NULL, 0),
    -- unanswered: call b has no result
    (2, 1, 'user', 'q', NULL, NULL, 1),
    (2, 2, 'assistant', '', '[{"id": "a"}, {"id": "b"}]', NULL, 1),
    (2, 3, 'tool', 'ra', NULL, 'a', 1),
    (2, 4, 'assistant', 'answer', NULL, NULL, 1),
    -- orphan: a result for call z, which nobody made
    (3, 1, 'user', 'q', NULL, NULL, 1),
    (3, 2, 'assistant', '', '[{"id": "a"}]', NULL, 1),
    (3, 3, 'tool', 'ra', NULL, 'a', 1),
    (3, 4, 'tool', 'rz', NULL, 'z', 1),
    (3, 5, 'assistant', 'answer', NULL, NULL, 1),
    -- duplicate: one client message stored by two turns
    (4, 1, 'user', 'hello', NULL, NULL, 1),
    (4, 2, 'assistant', 'hi', NULL, NULL, 1),
    (4, 3, 'user', 'hello', NULL, NULL, 2),
    (4, 4, 'assistant', 'hi again', NULL, NULL, 2),
    -- interleaved: turn 2's user message between turn 1's messages
    (5, 1, 'user', 'one', NULL, NULL, 1),
    (5, 2, 'user', 'two', NULL, NULL, 2),
    (5, 3, 'assistant', 'answer one', NULL, NULL, 1),
    (5, 4, 'assistant', 'answer two', NULL, NULL, 2),
    -- sound: a tool round, then a second turn
    (6, 1, 'user', 'one', NULL, NULL, 1),
    (6, 2, 'assistant', '', '[{"id": "a"}, {"id": "b"}]', NULL, 1),
    (6, 3, 'tool', 'ra', NULL, 'a', 1),
    (6, 4, 'tool', 'rb', NULL, 'b', 1),
    (6, 5, 'assistant', 'answer one', NULL, NULL, 1),
    (6, 6, 'user', 'two', NULL, NULL, 2),
    (6, 7, 'assistant', 'answer two', NULL, NULL, 2)
) AS v (conv, at, role, content, calls, call_id, turn);
