#pragma once

// The vector index file (VectorIndex::save/load): a fixed header, then the payload, whose length
// and checksum the header records, so a truncated, foreign or damaged file is refused, never
// half-loaded. Written through QSaveFile: a temporary file renamed over the old one.
//
//   header  magic "AGVECIDX", version, dimension, mode, live count, max chunk id, stored count,
//           HNSW parameters (M, efConstruction, top level, entry point), payload bytes, checksum
//   exact   stored chunk ids (int64), then stored × dimension floats
//   graph   hnswlib's level-0 block (links, vector, label per node), then per node its upper
//           levels: a uint32 count and that many link lists
// Native byte order: the file is a local cache, rebuilt from the database on another machine.

#include "core/result.h"

#include <QFile>
#include <QSaveFile>

namespace agency::knowledge {

struct VectorFileHeader
{
    enum Mode : quint32 { Exact = 0, Graph = 1 };
    static constexpr quint32 kVersion = 1;

    char magic[8] = {'A', 'G', 'V', 'E', 'C', 'I', 'D', 'X'};
    quint32 version = kVersion;
    quint32 dimension = 0;
    quint32 mode = Exact;
    quint32 hnswM = 0;
    qint64 count = 0; ///< live vectors (size())
    qint64 maxChunkId = 0;
    qint64 stored = 0; ///< rows (exact) or graph nodes, removed ones included
    quint32 efConstruction = 0;
    qint32 maxLevel = -1;
    quint32 entryPoint = 0;
    quint32 reserved = 0;
    quint64 payloadBytes = 0;
    quint64 checksum = 0;
};

/// Internal, "the vector index <path> is damaged: <why>".
core::Error corruptFile(const QString &path, const QString &why);

/// Reads and checks the header (magic, version, sizes, payload length against the file's).
core::Result<VectorFileHeader> readVectorFileHeader(QFile &file);

/// A 64-bit checksum over a stream of bytes, eight at a time.
class StreamChecksum
{
public:
    void add(const void *data, size_t bytes);
    quint64 value() const;

private:
    quint64 m_hash = 0x9E3779B97F4A7C15ULL;
    quint64 m_tail = 0;
    int m_tailBytes = 0;
    quint64 m_length = 0;
};

class VectorFileWriter
{
public:
    explicit VectorFileWriter(const QString &path) : m_file(path) {}
    bool open();
    core::Error error() const;
    /// Writes a placeholder header; commit() rewrites it with the payload's length and checksum.
    void begin(const VectorFileHeader &header);
    void write(const void *data, size_t bytes);
    core::Result<void> commit();

private:
    QSaveFile m_file;
    VectorFileHeader m_header;
    StreamChecksum m_checksum;
    bool m_failed = false;
};

/// Reads the payload after readVectorFileHeader(), checking its checksum at finish().
class VectorFileReader
{
public:
    VectorFileReader(QFile &file, const VectorFileHeader &header) : m_file(file), m_header(header) {}
    bool read(void *data, size_t bytes);
    core::Error error() const { return m_error; }
    core::Result<void> finish();

private:
    QFile &m_file;
    VectorFileHeader m_header;
    StreamChecksum m_checksum;
    quint64 m_read = 0;
    core::Error m_error;
};

} // namespace agency::knowledge
