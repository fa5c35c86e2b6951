#pragma once

#include "document.h"

#include <QJsonArray>
#include <QJsonObject>

namespace agency::core {

/// A citation as stored in an assistant message's metadata ("citations") and shown by every front
/// end: {number, document_id, chunk_id, title, page, start, end}.
QJsonObject citationToJson(const Citation &citation);
QJsonArray citationsToJson(const QList<Citation> &citations);
/// Entries that are not citation objects are skipped.
QList<Citation> citationsFromJson(const QJsonArray &array);
/// The citations kept with a stored message (its metadata's "citations"); empty when none.
QList<Citation> citationsOfMetadata(const QJsonObject &metadata);

} // namespace agency::core
