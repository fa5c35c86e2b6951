-- A tenant's credentials for outside systems (a GitHub token, a Slack bot token or signing
-- secret), encrypted with AES-256-GCM under the deployment's secrets key, which is never stored
-- here (docs/design.md#security). The tenant id and the name are the cipher's associated data, so
-- a row copied to another tenant or name does not decrypt.
CREATE TABLE tenant_secrets (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
    -- The GCM output with its 16-byte tag appended.
    ciphertext   bytea NOT NULL CHECK (octet_length(ciphertext) >= 16),
    nonce        bytea NOT NULL CHECK (octet_length(nonce) = 12),
    -- Which key encrypted the row (a fingerprint, not the key) and the format of the row, so a
    -- wrong or rotated key is named instead of failing as a corrupt value.
    key_id       text NOT NULL,
    key_version  integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);
