#pragma once

#include <QString>

namespace agency::ui {

/// `passage` as HTML with every word of `query` (case-insensitive, whole words) in bold on a
/// highlight; everything else escaped. Shown under a document search hit.
QString passageHtml(const QString &passage, const QString &query);

} // namespace agency::ui
