-- Runs: non-interactive flow runs queued in the database and executed by worker pools (docs/design.md#runs).
-- Any number of processes share the queue: a worker claims a run with FOR UPDATE SKIP LOCKED and
-- holds a lease it renews by heartbeat; a run whose lease expired (its process died) is put back in
-- the queue, or failed after too many attempts.

CREATE TABLE runs (
    id                   bigserial PRIMARY KEY,
    run_id               uuid NOT NULL UNIQUE,
    tenant_id            text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    flow_type            text NOT NULL CHECK (flow_type ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    input                text NOT NULL CHECK (length(input) > 0),
    -- As requested at creation (empty: the flow's, else the default); replaced by the provider and
    -- model that actually answered when the run completes.
    provider             text NOT NULL DEFAULT '',
    model                text NOT NULL DEFAULT '',
    status               text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    output               text,
    -- {"code": snake_case ErrorCode name, "message": "...", "details": {...}} for failed/cancelled runs
    error                jsonb CHECK (error IS NULL OR jsonb_typeof(error) = 'object'),
    -- {"prompt_tokens", "completion_tokens", "total_tokens"} summed over the run's provider calls
    usage                jsonb CHECK (usage IS NULL OR jsonb_typeof(usage) = 'object'),
    -- The conversation the run's turn stored (kept even when the turn failed part-way). A deleted
    -- conversation leaves the run and its output in place.
    conversation_id      uuid REFERENCES conversations (conversation_id) ON DELETE SET NULL,
    attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Set by a cancel of a running run: the owning worker cancels the turn and finishes the run.
    cancel_requested_at  timestamptz,
    worker_id            text,
    heartbeat_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    started_at           timestamptz,
    finished_at          timestamptz,
    -- A running run always has an owner and a lease; a finished one always has an end.
    CHECK (status <> 'running' OR (worker_id IS NOT NULL AND heartbeat_at IS NOT NULL)),
    CHECK (status NOT IN ('completed', 'failed', 'cancelled') OR finished_at IS NOT NULL)
);

-- Claiming: the oldest queued run first. Partial, so it holds only the (short) queue.
CREATE INDEX idx_runs_queue ON runs (status, created_at, id) WHERE status = 'queued';
-- Stale-lease recovery scans only running runs.
CREATE INDEX idx_runs_running ON runs (heartbeat_at) WHERE status = 'running';
-- A tenant's runs, newest first (keyset on created_at, id).
CREATE INDEX idx_runs_tenant_created ON runs (tenant_id, created_at, id);
-- ON DELETE SET NULL on conversations needs this to stay cheap.
CREATE INDEX idx_runs_conversation ON runs (conversation_id) WHERE conversation_id IS NOT NULL;
