-- Tenants, conversations and messages: the seed's single-table-with-flow_type design, with
-- foreign keys, timestamptz, uuid ids, a role check and full-text search (docs/design.md#persistence).

-- Composite GIN (tenant_id, tsvector) so a search stays within one tenant's rows. Trusted since PG 13.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE tenants (
    id                 bigserial PRIMARY KEY,
    tenant_id          text NOT NULL UNIQUE
                       CHECK (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name               text NOT NULL DEFAULT '',
    settings           jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    -- Maintained in the same transaction as conversation inserts and deletes, so listing
    -- tenants never counts a million rows.
    conversation_count bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conversations (
    id               bigserial PRIMARY KEY,
    conversation_id  uuid NOT NULL UNIQUE,
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    flow_type        text NOT NULL CHECK (flow_type ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    title            text NOT NULL DEFAULT '',
    flow_metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
    message_count    integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Target of the messages' composite key: a message can only name its conversation's tenant.
    UNIQUE (conversation_id, tenant_id, flow_type)
);

-- The seed's indexes
CREATE INDEX idx_conversations_tenant_flow ON conversations (tenant_id, flow_type, created_at);
CREATE INDEX idx_conversations_flow_type ON conversations (flow_type);
-- "Most recently active first" browsing, with and without a flow filter (keyset on updated_at, id)
CREATE INDEX idx_conversations_tenant_activity ON conversations (tenant_id, updated_at, id);
CREATE INDEX idx_conversations_tenant_flow_activity
    ON conversations (tenant_id, flow_type, updated_at, id);

CREATE TABLE messages (
    id                bigserial PRIMARY KEY,
    conversation_id   uuid NOT NULL,
    tenant_id         text NOT NULL,
    flow_type         text NOT NULL,
    role              text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content           text NOT NULL DEFAULT '',
    tool_calls        jsonb CHECK (tool_calls IS NULL OR jsonb_typeof(tool_calls) = 'array'),
    tool_call_id      text,
    message_metadata  jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    search_vector     tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED,
    FOREIGN KEY (conversation_id, tenant_id, flow_type)
        REFERENCES conversations (conversation_id, tenant_id, flow_type) ON DELETE CASCADE
);

-- The seed's indexes, with id as the tie-breaker for equal timestamps
CREATE INDEX idx_messages_conversation ON messages (conversation_id, created_at, id);
CREATE INDEX idx_messages_tenant_flow ON messages (tenant_id, flow_type, created_at);
-- Full-text search within a tenant
CREATE INDEX idx_messages_search ON messages USING gin (tenant_id, search_vector);
