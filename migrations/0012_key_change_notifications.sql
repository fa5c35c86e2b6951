-- A server may keep recently authenticated keys in memory (docs/design.md#security). It listens on
-- channel agency_keys and forgets them all on any change that can end a key's use: revoked,
-- expiry or role changed, deleted (also by its tenant's deletion). Marking a key used does not
-- notify. Key changes are rare, so a notification per row costs nothing that matters.
CREATE FUNCTION agency_notify_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('agency_keys', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_notify_delete
    AFTER DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION agency_notify_key_change();

CREATE TRIGGER api_keys_notify_update
    AFTER UPDATE ON api_keys
    FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.global_admin IS DISTINCT FROM NEW.global_admin
          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
          OR OLD.key_hash IS DISTINCT FROM NEW.key_hash)
    EXECUTE FUNCTION agency_notify_key_change();
