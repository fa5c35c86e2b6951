#pragma once

#include "types.h"

#include <QAbstractListModel>

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
    /// Adds `delta` to a tenant's shown conversation count (after a turn or a delete).
    void adjustCount(const QString &tenantId, qint64 delta);

Q_SIGNALS:
    void loaded();
    void failed(const QString &message);

private:
    void loadPage(const QString &after, QList<Tenant> collected, int generation);

    service::AgencyService &m_service;
    QList<Tenant> m_tenants;
    int m_generation = 0;
};

} // namespace agency::ui
