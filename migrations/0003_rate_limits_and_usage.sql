-- Rate limiting and usage accounting (docs/design.md#rate-limiting).

-- Token buckets shared by every process on this database (RATE_LIMIT_BACKEND=postgres). One row
-- per (tenant, provider) holds both windows, so a reservation checks and takes from both in one
-- atomic UPDATE. Levels are in token·milliseconds (tokens × window length) so refill is exact
-- integer arithmetic; a level may go negative (debt) after a settlement charges more than was
-- reserved. Rows are ephemeral state: no foreign key, a missing row is a full bucket.
CREATE TABLE rate_limit_buckets (
    tenant_id        text NOT NULL,
    provider         text NOT NULL,
    minute_capacity  bigint NOT NULL CHECK (minute_capacity >= 0),
    minute_level     bigint NOT NULL,
    hour_capacity    bigint NOT NULL CHECK (hour_capacity >= 0),
    hour_level       bigint NOT NULL,
    updated_ms       bigint NOT NULL, -- the program clock's epoch milliseconds at the last change
    PRIMARY KEY (tenant_id, provider)
);

-- One row per provider call.
CREATE TABLE llm_usage (
    id                 bigserial PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    -- Usage outlives a deleted conversation (it was still spent).
    conversation_id    uuid REFERENCES conversations (conversation_id) ON DELETE SET NULL,
    provider           text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    model              text NOT NULL DEFAULT '',
    prompt_tokens      bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens  bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    total_tokens       bigint NOT NULL DEFAULT 0 CHECK (total_tokens >= 0),
    latency_ms         bigint NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
    outcome            text NOT NULL DEFAULT 'ok', -- 'ok' or an error code name
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_llm_usage_tenant_created ON llm_usage (tenant_id, created_at);
-- ON DELETE SET NULL on conversations needs this to stay cheap.
CREATE INDEX idx_llm_usage_conversation ON llm_usage (conversation_id) WHERE conversation_id IS NOT NULL;
