#pragma once

#include "servicetypes.h"

#include <QAbstractListModel>
#include <QHash>

namespace agency::ui {

/// Every tenant with its conversation count, read page by page through AgencyService. The list
/// is small (tenants are customers), so it loads completely; reload() refreshes the counts.
class TenantModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Roles { TenantIdRole = Qt::UserRole + 1, NameRole, CountRole };

    explicit TenantModel(service::AgencyService &service, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void reload();
    /// Creates the tenant; `done` gets the error text (empty on success) after the list reloaded.
    void create(const QString &tenantId, const QString &name, std::function<void(QString)> done);
    int rowOf(const QString &tenantId) const;
    /// Reads a tenant's conversation count again (after a turn, a fork or a delete). The stored
    /// count is the truth: a local +1/-1 would drift when the first page already held a
    /// conversation that a turn had just created.
    void refreshCount(const QString &tenantId);

Q_SIGNALS:
    void loaded();
    void failed(const QString &message, core::ErrorCode code);

private:
    void loadPage(const QString &after, QList<Tenant> collected, int generation);

    service::AgencyService &m_service;
    QList<Tenant> m_tenants;
    int m_generation = 0;
    /// Per tenant, the newest count read issued and the newest applied: an older read that
    /// finishes last must not overwrite a newer count.
    QHash<QString, quint64> m_countIssued;
    QHash<QString, quint64> m_countApplied;
};

} // namespace agency::ui
