-- Cost in money and the exact-match response cache (docs/costs.md).

-- What each provider call cost in US dollars, from the price table in force when it was recorded
-- (a later price change does not rewrite history). NULL: the model had no price.
ALTER TABLE llm_usage ADD COLUMN cost_usd numeric(20, 9) CHECK (cost_usd >= 0);

-- Answers of flows that opt in ("cache": true), by tenant, flow and a SHA-256 of everything the
-- provider would be sent (provider, model, history, tools, parameters). Rows belong to their
-- tenant and go with it; a lookup is always tenant-scoped, so a hit never crosses tenants.
CREATE TABLE response_cache (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    flow_type    text NOT NULL,
    request_key  text NOT NULL CHECK (length(request_key) = 64),
    provider     text NOT NULL,
    model        text NOT NULL DEFAULT '',
    answer       jsonb NOT NULL,
    hits         bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, flow_type, request_key)
);

CREATE INDEX idx_response_cache_created ON response_cache (created_at);
