-- The server remembers which tenants have documents (whether a turn offers search_documents)
-- while it hears every change of documents. It listens on a channel of its own, so it does not
-- also receive the notification of every turn that agency_changes carries.
CREATE OR REPLACE FUNCTION agency_notify_document_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tenant text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
BEGIN
    PERFORM pg_notify('agency_changes', 'documents/' || tenant);
    PERFORM pg_notify('agency_documents', tenant);
    RETURN NULL;
END
$$;
