-- API keys and the audit log (docs/design.md#security). A key is stored only as the SHA-256 of its secret:
-- secrets are 256 random bits, so a fast hash is as strong as a slow one here, and lookups stay
-- one index probe per request.

CREATE TABLE api_keys (
    id            bigserial PRIMARY KEY,
    key_id        uuid NOT NULL UNIQUE,
    key_hash      text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    -- NULL for a global admin key; a tenant key dies with its tenant.
    tenant_id     text REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('member', 'admin')),
    global_admin  boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    CHECK (global_admin = (tenant_id IS NULL)),
    CHECK (NOT global_admin OR role = 'admin')
);
CREATE INDEX idx_api_keys_tenant ON api_keys (tenant_id, created_at, id);

-- Who read or deleted which tenant's data across tenants. Never a key or message text. No foreign
-- keys: the record outlives the key, the tenant and the conversation it names.
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_key_id  uuid,
    actor_name    text NOT NULL DEFAULT '',
    action        text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    tenant_id     text NOT NULL,
    resource      text NOT NULL DEFAULT '' CHECK (length(resource) <= 300),
    request_id    text NOT NULL DEFAULT '' CHECK (length(request_id) <= 200)
);
CREATE INDEX idx_audit_log_tenant ON audit_log (tenant_id, at, id);
CREATE INDEX idx_audit_log_at ON audit_log (at, id);
