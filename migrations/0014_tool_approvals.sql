-- Approval before writes (docs/flows-and-tools.md#approvals): a call of a tool that acts on
-- another system waits here for a person's decision. A row keeps exactly what would be sent
-- (the validated arguments), who decided what and when, and the tool's result once it ran.
-- Rows belong to their tenant (and conversation, when the call came from a turn) and go with it.
CREATE TABLE tool_approvals (
    approval_id     uuid NOT NULL,
    tenant_id       text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    -- NULL for a call made directly (`aiagency tools call`), outside any conversation.
    conversation_id uuid,
    flow_type       text NOT NULL DEFAULT '',
    -- The paused turn and its assistant message: the turn continues once every call of that
    -- message is decided.
    turn_id         uuid,
    message_id      bigint,
    tool_name       text NOT NULL CHECK (length(tool_name) BETWEEN 1 AND 64),
    arguments       jsonb NOT NULL CHECK (jsonb_typeof(arguments) = 'object'),
    tool_call_id    text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    decided_by      text NOT NULL DEFAULT '' CHECK (length(decided_by) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    decided_at      timestamptz,
    result          jsonb,
    PRIMARY KEY (tenant_id, approval_id),
    FOREIGN KEY (conversation_id, tenant_id, flow_type)
        REFERENCES conversations (conversation_id, tenant_id, flow_type) ON DELETE CASCADE,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);

-- A tenant's list (newest first, by status) and a conversation's pending calls.
CREATE INDEX idx_tool_approvals_tenant ON tool_approvals (tenant_id, status, created_at);
CREATE INDEX idx_tool_approvals_conversation ON tool_approvals (tenant_id, conversation_id, status);
