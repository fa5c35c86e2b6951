#include "tenantmodel.h"
#include "core/async/whenfinished.h"

#include "errortext.h"

namespace agency::ui {

TenantModel::TenantModel(service::AgencyService &service, QObject *parent)
    : QAbstractListModel(parent), m_service(service)
{
}

int TenantModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_tenants.size());
}

QVariant TenantModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Tenant &t = m_tenants.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return QStringLiteral("%1  (%2)")
            .arg(t.name.isEmpty() ? t.tenantId : t.name)
            .arg(t.conversationCount);
    case Qt::ToolTipRole:
        return QStringLiteral("%1 — %2 conversations").arg(t.tenantId).arg(t.conversationCount);
    case TenantIdRole:
        return t.tenantId;
    case NameRole:
        return t.name;
    case CountRole:
        return t.conversationCount;
    default:
        return {};
    }
}

void TenantModel::reload()
{
    loadPage({}, {}, ++m_generation);
}

void TenantModel::loadPage(const QString &after, QList<Tenant> collected, int generation)
{
    core::whenFinished(this, m_service.listTenants(100, after),
                       [this, collected, generation](const core::Result<Page<Tenant>> &page) mutable {
                           if (generation != m_generation)
                               return; // a newer reload superseded this one
                           if (!page) {
                               Q_EMIT failed(browsingError(page.error()), page.error().code);
                               return;
                           }
                           collected += page->items;
                           if (!page->nextCursor.isEmpty())
                               return loadPage(page->nextCursor, collected, generation);
                           beginResetModel();
                           m_tenants = collected;
                           endResetModel();
                           Q_EMIT loaded();
                       });
}

void TenantModel::create(const QString &tenantId, const QString &name, std::function<void(QString)> done)
{
    core::whenFinished(this, m_service.createTenant(tenantId, name),
                       [this, done](const core::Result<Tenant> &created) {
                           if (!created)
                               return done(readableError(created.error()));
                           auto connection = std::make_shared<QMetaObject::Connection>();
                           *connection = connect(this, &TenantModel::loaded, this, [connection, done] {
                               disconnect(*connection);
                               done({});
                           });
                           reload();
                       });
}

int TenantModel::rowOf(const QString &tenantId) const
{
    for (int i = 0; i < m_tenants.size(); ++i) {
        if (m_tenants.at(i).tenantId == tenantId)
            return i;
    }
    return -1;
}

void TenantModel::refreshCount(const QString &tenantId)
{
    const quint64 issued = ++m_countIssued[tenantId];
    core::whenFinished(this, m_service.getTenant(tenantId),
                       [this, tenantId, issued](const core::Result<Tenant> &tenant) {
                           if (!tenant || issued <= m_countApplied.value(tenantId))
                               return;
                           m_countApplied.insert(tenantId, issued);
                           const int row = rowOf(tenantId);
                           if (row < 0 || m_tenants.at(row).conversationCount == tenant->conversationCount)
                               return;
                           m_tenants[row].conversationCount = tenant->conversationCount;
                           Q_EMIT dataChanged(index(row), index(row));
                       });
}

} // namespace agency::ui
