#pragma once

#include "formats.h"

#include <QBuffer>
#include <QStringList>

#include <quazip/quazip.h>

#include <memory>

namespace agency::knowledge::detail {

/// A ZIP archive (DOCX, ODT) read from memory with zip-bomb guards: an entry is refused from the
/// sizes its directory declares (uncompressed size over maxArchiveEntryBytes, or compression ratio
/// over maxCompressionRatio), and inflating stops as soon as the real output passes either.
class ZipArchive
{
public:
    /// Fails (InvalidArgument) when the bytes are not a readable ZIP archive.
    static core::Result<std::unique_ptr<ZipArchive>> open(const QByteArray &bytes,
                                                          const ExtractContext &context);
    ZipArchive(const ZipArchive &) = delete;
    ZipArchive &operator=(const ZipArchive &) = delete;

    bool contains(const QString &name) const;
    /// The uncompressed bytes of entry `name`; fails when it is missing, over a limit or corrupt.
    core::Result<QByteArray> read(const QString &name, const ExtractContext &context);

    /// Under this uncompressed size the ratio is not checked: small, repetitive XML parts
    /// legitimately compress far better than any ratio a bomb needs to hurt.
    static constexpr qint64 kRatioCheckFloor = 1 << 20;

private:
    explicit ZipArchive(const QByteArray &bytes);
    QBuffer m_buffer;
    QuaZip m_zip;
    QStringList m_names;
};

} // namespace agency::knowledge::detail
