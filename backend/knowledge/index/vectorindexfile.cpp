#include "vectorindexfile.h"

#include <cstring>

namespace agency::knowledge {

namespace {

constexpr quint64 kMaxDimension = 65'536;
constexpr quint64 kChunk = 64 << 20; // QIODevice reads and writes at most this much at once

} // namespace

core::Error corruptFile(const QString &path, const QString &why)
{
    return core::makeError(core::ErrorCode::Internal,
                           QStringLiteral("the vector index %1 is damaged: %2").arg(path, why));
}

void StreamChecksum::add(const void *data, size_t bytes)
{
    const auto *p = static_cast<const unsigned char *>(data);
    m_length += bytes;
    while (bytes > 0 && m_tailBytes != 0) { // finish a word started by the previous call
        m_tail |= static_cast<quint64>(*p++) << (8 * m_tailBytes);
        --bytes;
        if (++m_tailBytes == 8) {
            m_hash = (m_hash ^ m_tail) * 0x100000001B3ULL;
            m_hash ^= m_hash >> 29;
            m_tail = 0;
            m_tailBytes = 0;
        }
    }
    for (; bytes >= 8; bytes -= 8, p += 8) {
        quint64 word;
        std::memcpy(&word, p, 8);
        m_hash = (m_hash ^ word) * 0x100000001B3ULL;
        m_hash ^= m_hash >> 29;
    }
    for (; bytes > 0; --bytes)
        m_tail |= static_cast<quint64>(*p++) << (8 * m_tailBytes++);
}

quint64 StreamChecksum::value() const
{
    quint64 h = (m_hash ^ m_tail ^ (m_length << 3)) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

core::Result<VectorFileHeader> readVectorFileHeader(QFile &file)
{
    VectorFileHeader h;
    const VectorFileHeader expected;
    if (file.read(reinterpret_cast<char *>(&h), sizeof h) != static_cast<qint64>(sizeof h))
        return corruptFile(file.fileName(), QStringLiteral("shorter than its header"));
    if (std::memcmp(h.magic, expected.magic, sizeof h.magic) != 0)
        return corruptFile(file.fileName(), QStringLiteral("not a vector index file"));
    if (h.version != VectorFileHeader::kVersion)
        return corruptFile(
            file.fileName(),
            QStringLiteral("format version %1, expected %2").arg(h.version).arg(VectorFileHeader::kVersion));
    if (h.dimension == 0 || h.dimension > kMaxDimension || h.count < 0 || h.stored < h.count ||
        (h.mode != VectorFileHeader::Exact && h.mode != VectorFileHeader::Graph))
        return corruptFile(file.fileName(), QStringLiteral("impossible sizes in the header"));
    if (static_cast<quint64>(file.size()) != sizeof h + h.payloadBytes)
        return corruptFile(file.fileName(), QStringLiteral("%1 bytes, the header announces %2")
                                                .arg(file.size())
                                                .arg(sizeof h + h.payloadBytes));
    const quint64 vectorBytes = static_cast<quint64>(h.stored) * h.dimension * sizeof(float);
    if (h.mode == VectorFileHeader::Exact) {
        if (h.payloadBytes != static_cast<quint64>(h.stored) * sizeof(qint64) + vectorBytes ||
            h.count != h.stored)
            return corruptFile(file.fileName(), QStringLiteral("the payload does not match its header"));
    } else if (h.hnswM < 2 || h.hnswM > 1024 || h.efConstruction == 0 || h.payloadBytes < vectorBytes ||
               h.maxLevel < -1 || h.maxLevel > 64) {
        return corruptFile(file.fileName(), QStringLiteral("impossible graph parameters"));
    }
    return h;
}

bool VectorFileWriter::open()
{
    return m_file.open(QIODevice::WriteOnly);
}

core::Error VectorFileWriter::error() const
{
    return core::makeError(
        core::ErrorCode::Internal,
        QStringLiteral("cannot write the vector index %1: %2").arg(m_file.fileName(), m_file.errorString()));
}

void VectorFileWriter::begin(const VectorFileHeader &header)
{
    m_header = header;
    if (m_file.write(reinterpret_cast<const char *>(&m_header), sizeof m_header) != sizeof m_header)
        m_failed = true;
}

void VectorFileWriter::write(const void *data, size_t bytes)
{
    m_checksum.add(data, bytes);
    m_header.payloadBytes += bytes;
    const char *p = static_cast<const char *>(data);
    while (bytes > 0 && !m_failed) {
        const qint64 n = static_cast<qint64>(std::min<quint64>(bytes, kChunk));
        if (m_file.write(p, n) != n)
            m_failed = true;
        p += n;
        bytes -= static_cast<size_t>(n);
    }
}

core::Result<void> VectorFileWriter::commit()
{
    m_header.checksum = m_checksum.value();
    if (!m_failed && m_file.seek(0) &&
        m_file.write(reinterpret_cast<const char *>(&m_header), sizeof m_header) == sizeof m_header &&
        m_file.commit())
        return {};
    const core::Error failure = error();
    m_file.cancelWriting();
    return failure;
}

bool VectorFileReader::read(void *data, size_t bytes)
{
    if (m_read + bytes > m_header.payloadBytes) {
        m_error = corruptFile(m_file.fileName(), QStringLiteral("the payload is shorter than its contents"));
        return false;
    }
    char *p = static_cast<char *>(data);
    size_t left = bytes;
    while (left > 0) {
        const qint64 want = static_cast<qint64>(std::min<quint64>(left, kChunk));
        if (m_file.read(p, want) != want) {
            m_error = corruptFile(m_file.fileName(), QStringLiteral("cannot read: ") + m_file.errorString());
            return false;
        }
        p += want;
        left -= static_cast<size_t>(want);
    }
    m_checksum.add(data, bytes);
    m_read += bytes;
    return true;
}

core::Result<void> VectorFileReader::finish()
{
    if (m_read != m_header.payloadBytes)
        return corruptFile(m_file.fileName(), QStringLiteral("bytes left over after the contents"));
    if (m_checksum.value() != m_header.checksum)
        return corruptFile(m_file.fileName(), QStringLiteral("checksum mismatch"));
    return {};
}

} // namespace agency::knowledge
