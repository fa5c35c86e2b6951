-- Console views refresh when the data they show changes, whichever process changed it
-- (docs/design.md#console). A NOTIFY on channel agency_changes carries the tenant id. A
-- conversation notifies when it is created, deleted or renamed and when a turn ends (the lease is
-- given back, or messages are added outside a turn): one notification per turn, not per write.
CREATE FUNCTION agency_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('agency_changes', OLD.tenant_id);
    ELSE
        PERFORM pg_notify('agency_changes', NEW.tenant_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_notify_change
    AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION agency_notify_change();

CREATE TRIGGER conversations_notify_insert_delete
    AFTER INSERT OR DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION agency_notify_change();

CREATE TRIGGER conversations_notify_update
    AFTER UPDATE ON conversations
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title
          OR (OLD.turn_holder IS NOT NULL AND NEW.turn_holder IS NULL)
          OR (NEW.turn_holder IS NULL AND OLD.message_count IS DISTINCT FROM NEW.message_count))
    EXECUTE FUNCTION agency_notify_change();
