#include "ziparchive.h"

#include <quazip/quazipfile.h>
#include <quazip/quazipfileinfo.h>

namespace agency::knowledge::detail {
namespace {

constexpr qint64 kReadBlock = 64 * 1024;

core::Error bomb(const ExtractContext &context, const QString &entry, const QString &why)
{
    return context.invalid(QStringLiteral("looks like a zip bomb: its part %1 %2").arg(entry, why));
}

QString mebibytes(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

} // namespace

ZipArchive::ZipArchive(const QByteArray &bytes) : m_zip(&m_buffer)
{
    m_buffer.setData(bytes);
}

core::Result<std::unique_ptr<ZipArchive>> ZipArchive::open(const QByteArray &bytes,
                                                           const ExtractContext &context)
{
    std::unique_ptr<ZipArchive> archive(new ZipArchive(bytes));
    if (!archive->m_zip.open(QuaZip::mdUnzip))
        return context.invalid(QStringLiteral("is a corrupt or truncated ZIP archive"));
    archive->m_names = archive->m_zip.getFileNameList();
    if (archive->m_zip.getZipError() != UNZ_OK)
        return context.invalid(QStringLiteral("is a corrupt or truncated ZIP archive"));
    return archive;
}

bool ZipArchive::contains(const QString &name) const
{
    return m_names.contains(name);
}

core::Result<QByteArray> ZipArchive::read(const QString &name, const ExtractContext &context)
{
    if (!m_zip.setCurrentFile(name))
        return context.invalid(QStringLiteral("is missing its part %1").arg(name));
    QuaZipFileInfo64 info;
    if (!m_zip.getCurrentFileInfo(&info))
        return context.invalid(
            QStringLiteral("is a corrupt ZIP archive: the entry of %1 cannot be read").arg(name));
    const qint64 maxBytes = context.limits.maxArchiveEntryBytes;
    const double maxRatio = context.limits.maxCompressionRatio;
    const qint64 compressed = qMax<qint64>(qint64(info.compressedSize), 1);
    const auto overRatio = [&](qint64 size) {
        return size > kRatioCheckFloor && double(size) / double(compressed) > maxRatio;
    };
    const auto sizeError = [&](qint64 size) {
        return bomb(
            context, name,
            QStringLiteral("inflates to %1, over the limit of %2").arg(mebibytes(size), mebibytes(maxBytes)));
    };
    const auto ratioError = [&](qint64 size) {
        return bomb(context, name,
                    QStringLiteral("is compressed %1 to 1, over the limit of %2 to 1")
                        .arg(qRound64(double(size) / double(compressed)))
                        .arg(maxRatio));
    };
    // The directory's word first: nothing is inflated for a part that declares itself a bomb.
    const auto declared =
        qint64(qMin<quint64>(info.uncompressedSize, quint64(std::numeric_limits<qint64>::max())));
    if (declared > maxBytes)
        return sizeError(declared);
    if (overRatio(declared))
        return ratioError(declared);

    QuaZipFile file(&m_zip);
    if (!file.open(QIODevice::ReadOnly))
        return context.invalid(
            QStringLiteral("is a corrupt ZIP archive: its part %1 cannot be opened").arg(name));
    QByteArray out;
    out.reserve(qMin(declared, maxBytes));
    QByteArray block(kReadBlock, Qt::Uninitialized);
    for (;;) {
        if (context.cancelled())
            return context.cancelledError();
        const qint64 n = file.read(block.data(), kReadBlock);
        if (n < 0)
            return context.invalid(
                QStringLiteral("is a corrupt ZIP archive: its part %1 cannot be inflated").arg(name));
        if (n == 0)
            break;
        out.append(block.constData(), n);
        // The directory may lie: the real output is held to the same limits while it is produced.
        if (out.size() > maxBytes)
            return sizeError(out.size());
        if (overRatio(out.size()))
            return ratioError(out.size());
    }
    file.close();
    if (file.getZipError() != UNZ_OK)
        return context.invalid(
            QStringLiteral("is a corrupt ZIP archive: its part %1 fails its checksum or size check")
                .arg(name));
    return out;
}

} // namespace agency::knowledge::detail
