#pragma once

#include "ui/servicetypes.h"

#include <QAbstractTableModel>
#include <QSet>

namespace agency::ui {

/// One row of the Documents view: a stored document, or a file being uploaded or refused (no
/// document id; `document.error` says why it was refused).
struct DocumentEntry
{
    core::Document document;
    enum class Upload { None, Sending, Refused };
    Upload upload = Upload::None;
    quint64 uploadKey = 0;
    bool isFinal() const
    {
        return upload == Upload::Refused || (upload == Upload::None && document.isFinal());
    }
};

/// The tenant's documents (one collection, or all) with their status and progress, plus the files
/// this window is uploading or could not add. Refreshed in place: rows change without a reset as
/// long as the same documents are listed in the same order, so the selection survives polling.
class DocumentListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TitleColumn, CollectionColumn, StatusColumn, ProgressColumn, ColumnCount };
    enum Roles { DocumentIdRole = Qt::UserRole + 1, ProgressRole, FailedRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Every document of the tenant, as listed; rows show those of the collection filter.
    void setDocuments(const QList<core::Document> &documents);
    /// Empty: all collections.
    void setCollectionFilter(const QString &collection);
    QString collectionFilter() const { return m_filter; }
    /// The collections the tenant's documents are in, sorted.
    QStringList collections() const;

    /// A file being sent; returns its key for uploadFinished().
    quint64 addUpload(const QString &fileName, const QString &collection);
    /// The upload `key` ended: added (its row then shows the stored document) or refused with `error`.
    void uploadFinished(quint64 key, const core::Document *added, const QString &error);
    /// Forgets the refused uploads in `rows`.
    void removeRefused(const QList<int> &rows);

    const DocumentEntry &entry(int row) const { return m_rows.at(row); }
    int rowOfDocument(const QUuid &documentId) const;
    /// Whether anything shown or sent is not final yet (the view keeps polling while so).
    bool anyPending() const;
    /// Progress of the current batch (what was pending since everything was last final, and the
    /// files being sent), 0..1; 1 when nothing is pending.
    double overallProgress() const;
    /// Rows with `status` (refused files count as failed, files being sent as queued).
    int countWith(core::DocumentStatus status) const;

private:
    void rebuild();
    bool shows(const DocumentEntry &e) const;

    QList<core::Document> m_documents;
    QList<DocumentEntry> m_uploads; ///< sending or refused, newest first
    QList<DocumentEntry> m_rows;
    QSet<QUuid> m_batch;
    QString m_filter;
    quint64 m_nextKey = 0;
};

/// "Ready · 12 pages · 48 passages", "Failed: the PDF has no text layer", "Embedding"…
QString documentStatusText(const DocumentEntry &entry);

} // namespace agency::ui
