#include "documentlistmodel.h"

#include <QColor>
#include <QLocale>

#include <algorithm>

namespace agency::ui {

namespace {
const QColor kFailedColor(0xe0, 0x4f, 0x4f); // readable on light and dark bases
}

QString documentStatusText(const DocumentEntry &entry)
{
    const core::Document &d = entry.document;
    if (entry.upload == DocumentEntry::Upload::Sending)
        return QStringLiteral("Uploading…");
    if (entry.upload == DocumentEntry::Upload::Refused)
        return QStringLiteral("Not added: %1").arg(d.error);
    switch (d.status) {
    case core::DocumentStatus::Queued:
        return QStringLiteral("Queued");
    case core::DocumentStatus::Extracting:
        return QStringLiteral("Extracting text");
    case core::DocumentStatus::Embedding:
        return QStringLiteral("Embedding");
    case core::DocumentStatus::Failed:
        return QStringLiteral("Failed: %1")
            .arg(d.error.isEmpty() ? QStringLiteral("no reason given") : d.error);
    case core::DocumentStatus::Ready:
        break;
    }
    QString text = QStringLiteral("Ready");
    if (d.pageCount > 1)
        text += QStringLiteral(" · %1 pages").arg(d.pageCount);
    text += d.chunkCount == 1 ? QStringLiteral(" · 1 passage")
                              : QStringLiteral(" · %1 passages").arg(d.chunkCount);
    return text;
}

int DocumentListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DocumentListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DocumentListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TitleColumn:
        return QStringLiteral("Document");
    case CollectionColumn:
        return QStringLiteral("Collection");
    case StatusColumn:
        return QStringLiteral("Status");
    case ProgressColumn:
        return QStringLiteral("Progress");
    default:
        return {};
    }
}

QVariant DocumentListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const DocumentEntry &e = m_rows.at(index.row());
    const core::Document &d = e.document;
    const bool failed = e.upload == DocumentEntry::Upload::Refused ||
                        (e.upload == DocumentEntry::Upload::None && d.status == core::DocumentStatus::Failed);
    switch (role) {
    case DocumentIdRole:
        return d.documentId;
    case ProgressRole:
        return e.isFinal() ? 1.0 : d.progress;
    case FailedRole:
        return failed;
    case Qt::ForegroundRole:
        if (failed && index.column() == StatusColumn)
            return kFailedColor;
        return {};
    case Qt::ToolTipRole:
        if (index.column() == StatusColumn)
            return documentStatusText(e);
        return QStringLiteral("%1\n%2 · %3 bytes")
            .arg(d.title, d.fileName.isEmpty() ? d.title : d.fileName, QLocale().toString(d.sizeBytes));
    case Qt::DisplayRole:
        switch (index.column()) {
        case TitleColumn:
            return d.title;
        case CollectionColumn:
            return d.collection;
        case StatusColumn:
            return documentStatusText(e);
        case ProgressColumn:
            return e.isFinal() ? 100 : int(d.progress * 100);
        default:
            return {};
        }
    default:
        return {};
    }
}

bool DocumentListModel::shows(const DocumentEntry &e) const
{
    return m_filter.isEmpty() || e.document.collection == m_filter;
}

void DocumentListModel::rebuild()
{
    QList<DocumentEntry> rows;
    for (const DocumentEntry &u : std::as_const(m_uploads)) {
        if (shows(u))
            rows.append(u);
    }
    for (const core::Document &d : std::as_const(m_documents)) {
        DocumentEntry e;
        e.document = d;
        if (shows(e))
            rows.append(e);
    }
    auto sameRows = [&] {
        if (rows.size() != m_rows.size())
            return false;
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const DocumentEntry &a = rows.at(i), &b = m_rows.at(i);
            if (a.upload != b.upload || a.uploadKey != b.uploadKey ||
                a.document.documentId != b.document.documentId)
                return false;
        }
        return true;
    };
    if (sameRows()) {
        m_rows = rows;
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

void DocumentListModel::setDocuments(const QList<core::Document> &documents)
{
    m_documents = documents;
    // The overall bar measures this batch: what was pending since everything was last final.
    if (!anyPending())
        m_batch.clear();
    for (const core::Document &d : documents) {
        if (!d.isFinal())
            m_batch.insert(d.documentId);
    }
    rebuild();
}

void DocumentListModel::setCollectionFilter(const QString &collection)
{
    m_filter = collection;
    rebuild();
}

QStringList DocumentListModel::collections() const
{
    QStringList names;
    for (const core::Document &d : m_documents) {
        if (!names.contains(d.collection))
            names.append(d.collection);
    }
    std::sort(names.begin(), names.end(),
              [](const QString &a, const QString &b) { return QString::localeAwareCompare(a, b) < 0; });
    return names;
}

quint64 DocumentListModel::addUpload(const QString &fileName, const QString &collection)
{
    DocumentEntry e;
    e.upload = DocumentEntry::Upload::Sending;
    e.uploadKey = ++m_nextKey;
    e.document.title = fileName;
    e.document.fileName = fileName;
    e.document.collection = collection.isEmpty() ? QStringLiteral("default") : collection;
    m_uploads.prepend(e);
    rebuild();
    return e.uploadKey;
}

void DocumentListModel::uploadFinished(quint64 key, const core::Document *added, const QString &error)
{
    for (qsizetype i = 0; i < m_uploads.size(); ++i) {
        if (m_uploads.at(i).uploadKey != key)
            continue;
        if (added) {
            m_uploads.removeAt(i);
            // Shown at once; the next refresh brings it in the service's order.
            if (rowOfDocument(added->documentId) < 0)
                m_documents.prepend(*added);
            if (!added->isFinal())
                m_batch.insert(added->documentId);
        } else {
            m_uploads[i].upload = DocumentEntry::Upload::Refused;
            m_uploads[i].document.status = core::DocumentStatus::Failed;
            m_uploads[i].document.error = error;
        }
        break;
    }
    rebuild();
}

void DocumentListModel::removeRefused(const QList<int> &rows)
{
    QList<quint64> keys;
    for (int row : rows) {
        if (row >= 0 && row < m_rows.size() && m_rows.at(row).upload == DocumentEntry::Upload::Refused)
            keys.append(m_rows.at(row).uploadKey);
    }
    m_uploads.removeIf([&keys](const DocumentEntry &e) { return keys.contains(e.uploadKey); });
    rebuild();
}

int DocumentListModel::rowOfDocument(const QUuid &documentId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).upload == DocumentEntry::Upload::None &&
            m_rows.at(i).document.documentId == documentId)
            return int(i);
    }
    return -1;
}

bool DocumentListModel::anyPending() const
{
    return std::any_of(m_uploads.begin(), m_uploads.end(),
                       [](const DocumentEntry &e) { return !e.isFinal(); }) ||
           std::any_of(m_documents.begin(), m_documents.end(),
                       [](const core::Document &d) { return !d.isFinal(); });
}

double DocumentListModel::overallProgress() const
{
    if (m_batch.isEmpty() && !anyPending())
        return 1.0;
    double sum = 0;
    int count = 0;
    for (const DocumentEntry &u : m_uploads) {
        if (u.upload == DocumentEntry::Upload::Sending)
            ++count; // counts as 0 until stored
    }
    for (const core::Document &d : m_documents) {
        if (!m_batch.contains(d.documentId))
            continue;
        sum += d.isFinal() ? 1.0 : d.progress;
        ++count;
    }
    return count == 0 ? 1.0 : sum / count;
}

int DocumentListModel::countWith(core::DocumentStatus status) const
{
    return int(std::count_if(m_rows.begin(), m_rows.end(), [status](const DocumentEntry &e) {
        // A refused file counts as failed; one being sent as queued.
        return e.document.status == status;
    }));
}

} // namespace agency::ui
