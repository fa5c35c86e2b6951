-- The soak's consistency check (tests/soak/soak.sh): one line "conversation_id kind[,kind]" for
-- every conversation with a problem, in messages' (created_at, id) order:
--  ordered      (created_at, id) order is not insertion (id) order
--  unanswered   an assistant tool call without its result right after it
--  orphan       a tool result that answers no call of the assistant message before its group
--  duplicate    one client message stored twice
--  interleaved  a turn's messages not contiguous, or a turn not starting with its user message
WITH m AS (
  SELECT m.*, row_number() OVER w AS pos, row_number() OVER (PARTITION BY conversation_id ORDER BY id) AS idpos,
         lag(turn_id) OVER w AS prev_turn, lag(role) OVER w AS prev_role
  FROM messages m WINDOW w AS (PARTITION BY conversation_id ORDER BY created_at, id)
),
calls AS (
  SELECT m.conversation_id, m.pos, c->>'id' AS call_id FROM m, jsonb_array_elements(m.tool_calls) c
  WHERE m.role = 'assistant' AND m.tool_calls IS NOT NULL
),
-- each tool message's call: the nearest assistant message before it, with only tool messages between
owner AS (
  SELECT t.conversation_id, t.pos, t.tool_call_id,
         (SELECT max(a.pos) FROM m a WHERE a.conversation_id = t.conversation_id AND a.pos < t.pos AND a.role <> 'tool') AS apos
  FROM m t WHERE t.role = 'tool'
),
problems AS (
  SELECT conversation_id, 'ordered' FROM m WHERE pos <> idpos
  UNION ALL
  SELECT o.conversation_id, 'orphan' FROM owner o
   WHERE NOT EXISTS (SELECT 1 FROM calls c WHERE c.conversation_id = o.conversation_id AND c.pos = o.apos AND c.call_id = o.tool_call_id)
  UNION ALL
  SELECT c.conversation_id, 'unanswered' FROM calls c
   WHERE NOT EXISTS (SELECT 1 FROM owner o WHERE o.conversation_id = c.conversation_id AND o.apos = c.pos AND o.tool_call_id = c.call_id)
  UNION ALL
  SELECT conversation_id, 'duplicate' FROM m WHERE role = 'user' GROUP BY conversation_id, content HAVING count(*) > 1
  UNION ALL
  SELECT conversation_id, 'interleaved' FROM (
    SELECT conversation_id, turn_id, count(*) FILTER (WHERE turn_id IS DISTINCT FROM prev_turn) AS starts
    FROM m WHERE turn_id IS NOT NULL GROUP BY conversation_id, turn_id) s WHERE starts > 1
  UNION ALL
  SELECT conversation_id, 'interleaved' FROM m
   WHERE turn_id IS NOT NULL AND turn_id IS DISTINCT FROM prev_turn AND role <> 'user'
)
SELECT conversation_id || ' ' || string_agg(DISTINCT "?column?", ',') FROM problems GROUP BY conversation_id;
