#pragma once

#include <QList>
#include <QString>

namespace agency::core {

/// A page of a keyset-paginated list. `nextCursor` is opaque and empty on the last page.
template <typename T> struct Page
{
    QList<T> items;
    QString nextCursor;
};

} // namespace agency::core
