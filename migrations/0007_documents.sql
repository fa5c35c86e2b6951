-- Knowledge: a tenant's documents, their extracted text and chunks, and the chunks' embeddings
-- (docs/design.md#knowledge). PostgreSQL is the source of truth; the vector index files under
-- the data directory are caches rebuilt from chunk_embeddings. Every table is keyed by tenant
-- and cascades from tenants, like conversations.

CREATE TABLE collections (
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

-- A document row is also its ingestion job: status is the stage, and worker_id/heartbeat_at/
-- attempts are the lease of the worker indexing it (the claim/heartbeat/recovery protocol of the
-- runs queue, migrations/0004_runs.sql).
CREATE TABLE documents (
    id               bigserial PRIMARY KEY,
    document_id      uuid NOT NULL UNIQUE,
    tenant_id        text NOT NULL,
    collection       text NOT NULL,
    title            text NOT NULL DEFAULT '',
    file_name        text NOT NULL DEFAULT '',
    mime_type        text NOT NULL DEFAULT '',
    size_bytes       bigint NOT NULL CHECK (size_bytes > 0),
    content_sha256   text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'extracting', 'embedding', 'ready', 'failed')),
    progress         real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    error            text NOT NULL DEFAULT '',
    page_count       integer NOT NULL DEFAULT 0,
    chunk_count      integer NOT NULL DEFAULT 0,
    -- The model the searchable embeddings of this document are of ('' until first ready); during a
    -- re-index with another model it stays the old one until the new embeddings are complete.
    embedding_model  text NOT NULL DEFAULT '',
    -- The model the current (or last) indexing embeds with.
    target_model     text NOT NULL DEFAULT '',
    -- Every page is stored (document_pages) and chunked: a resumed job goes straight to embedding.
    extracted        boolean NOT NULL DEFAULT false,
    worker_id        text,
    heartbeat_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, collection) REFERENCES collections (tenant_id, name) ON DELETE CASCADE,
    UNIQUE (tenant_id, collection, content_sha256),
    UNIQUE (document_id, tenant_id),
    CHECK (status NOT IN ('extracting', 'embedding') OR (worker_id IS NOT NULL AND heartbeat_at IS NOT NULL))
);

CREATE INDEX idx_documents_tenant_created ON documents (tenant_id, created_at, id);
CREATE INDEX idx_documents_queue ON documents (created_at, id) WHERE status = 'queued';
CREATE INDEX idx_documents_working ON documents (heartbeat_at) WHERE status IN ('extracting', 'embedding');

-- The original bytes, apart so that listing documents never reads them.
CREATE TABLE document_bytes (
    document_id  uuid NOT NULL,
    tenant_id    text NOT NULL,
    content      bytea NOT NULL,
    PRIMARY KEY (document_id),
    FOREIGN KEY (document_id, tenant_id) REFERENCES documents (document_id, tenant_id) ON DELETE CASCADE
);

-- The extracted text, page by page: the document's text is the pages' texts in page_index order
-- joined by "\n\n", and `start` is the page's offset in it. A page row and its chunks are written
-- in one transaction, so a page present here is completely chunked (the resume marker).
CREATE TABLE document_pages (
    document_id  uuid NOT NULL,
    tenant_id    text NOT NULL,
    page_index   integer NOT NULL CHECK (page_index >= 0),
    page_number  integer NOT NULL,
    start        bigint NOT NULL CHECK (start >= 0),
    text         text NOT NULL,
    PRIMARY KEY (document_id, page_index),
    FOREIGN KEY (document_id, tenant_id) REFERENCES documents (document_id, tenant_id) ON DELETE CASCADE
);

CREATE TABLE chunks (
    id              bigserial PRIMARY KEY,
    document_id     uuid NOT NULL,
    tenant_id       text NOT NULL,
    collection      text NOT NULL,
    page_index      integer NOT NULL,
    page            integer NOT NULL,
    start           bigint NOT NULL CHECK (start >= 0),
    "end"           bigint NOT NULL CHECK ("end" >= start),
    token_estimate  integer NOT NULL DEFAULT 0,
    text            text NOT NULL,
    -- 'english' stems words, so "contracts" finds "contract"; searches use the same configuration.
    tsv             tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
    UNIQUE (document_id, page_index, start),
    FOREIGN KEY (document_id, tenant_id) REFERENCES documents (document_id, tenant_id) ON DELETE CASCADE
);

CREATE INDEX idx_chunks_search ON chunks USING gin (tenant_id, tsv);
CREATE INDEX idx_chunks_document ON chunks (document_id, id);

-- One row per chunk and embedding model: during a model change a chunk holds both, and searches
-- keep using the old one until the whole collection has the new one.
CREATE TABLE chunk_embeddings (
    chunk_id    bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    model       text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    tenant_id   text NOT NULL,
    collection  text NOT NULL,
    dimension   integer NOT NULL CHECK (dimension > 0),
    -- dimension float32 values, little-endian
    vector      bytea NOT NULL CHECK (length(vector) = 4 * dimension),
    PRIMARY KEY (chunk_id, model)
);

-- Index rebuilds read one (tenant, collection, model) in chunk order.
CREATE INDEX idx_chunk_embeddings_scope ON chunk_embeddings (tenant_id, collection, model, chunk_id);
