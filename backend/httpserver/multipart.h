#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace agency::httpserver {

/// One part of a multipart/form-data body (RFC 7578).
struct FormPart
{
    QString name;           ///< Content-Disposition name
    QString fileName;       ///< Content-Disposition filename (or filename*), empty when none
    bool isFile = false;    ///< a filename parameter was present
    QByteArray contentType; ///< the part's Content-Type, "text/plain" when it names none
    QByteArray body;
};

/// The boundary of a `multipart/form-data; boundary=…` Content-Type (quoted or not, 1 to 70
/// characters). BadRequest when the type is multipart/form-data without a usable boundary;
/// nullopt (no error) when the type is something else entirely, so a caller can answer 415.
core::Result<std::optional<QByteArray>> formDataBoundary(const QByteArray &contentType);

/// Parses a multipart/form-data body, strictly: delimiter lines and part headers end in CRLF,
/// every part has `Content-Disposition: form-data; name="…"`, the body ends with the closing
/// delimiter. At most `maxParts` parts. Every failure is BadRequest saying what is wrong.
core::Result<QList<FormPart>> parseFormData(const QByteArray &body, const QByteArray &boundary,
                                            int maxParts = 16);

} // namespace agency::httpserver
