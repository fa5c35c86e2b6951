#pragma once

#include <QString>

namespace agency::knowledge::detail {

/// Replaces character references (&amp; &#233; &#x1F600; and the common named ones) by their
/// characters; an unknown or malformed reference is kept as written.
QString decodeHtmlEntities(const QString &text);

} // namespace agency::knowledge::detail
