-- Documents views refresh when a tenant's documents change, whichever process changed them
-- (docs/design.md#console): added, deleted, a new status, a new title or error, and progress in
-- steps of a tenth. The payload is 'documents/' and the tenant id (tenant ids never hold '/'), on
-- the channel of migrations/0008_change_notifications.sql. A 400-page PDF being indexed thus
-- notifies about a dozen times, not once per page; PostgreSQL folds equal notifications of one
-- transaction, so re-indexing a collection notifies once.
CREATE FUNCTION agency_notify_document_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('agency_changes', 'documents/' || OLD.tenant_id);
    ELSE
        PERFORM pg_notify('agency_changes', 'documents/' || NEW.tenant_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER documents_notify_insert_delete
    AFTER INSERT OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION agency_notify_document_change();

CREATE TRIGGER documents_notify_update
    AFTER UPDATE ON documents
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.title IS DISTINCT FROM NEW.title
          OR OLD.error IS DISTINCT FROM NEW.error
          OR OLD.collection IS DISTINCT FROM NEW.collection
          OR OLD.chunk_count IS DISTINCT FROM NEW.chunk_count
          OR OLD.embedding_model IS DISTINCT FROM NEW.embedding_model
          OR floor(OLD.progress * 10) IS DISTINCT FROM floor(NEW.progress * 10))
    EXECUTE FUNCTION agency_notify_document_change();
