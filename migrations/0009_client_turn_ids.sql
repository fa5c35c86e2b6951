-- Turn ids may come from clients (the console, an Idempotency-Key header, `aiagency chat
-- --turn-id`), so a turn sent twice is recognised instead of stored twice (docs/design.md#turn).
-- A turn stores exactly one user message: at most one per turn id within a tenant, and the
-- lookup of a resent turn goes through this index. Scoped by tenant, so one tenant's ids never
-- reach another's turns.
CREATE UNIQUE INDEX idx_messages_turn_user ON messages (tenant_id, turn_id)
    WHERE role = 'user' AND turn_id IS NOT NULL;
