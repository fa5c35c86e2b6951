#pragma once

#include "ui/servicetypes.h"

#include <QJsonObject>

class QColor;
class QPalette;
class QTextDocument;
class QWidget;

namespace agency::ui {

class DocumentViewer;

/// Href scheme of a citation link in a rendered message: "cite:<number>".
inline constexpr char kCitationScheme[] = "cite:";

/// Turns every "[n]" of `doc` whose n is one of `citations` into a link "cite:n" (code blocks and
/// numbers no citation has are left as they are).
void linkCitations(QTextDocument &doc, const QList<core::Citation> &citations, const QPalette &palette);

/// The citation number under `position` (a layout hit test) when it is a citation link, else 0.
int citationAt(const QTextDocument &doc, int position);

/// A link colour readable on `palette`'s base (the dark scheme keeps Qt's default dark blue).
QColor readableLinkColor(const QPalette &palette);

/// Opens citation `number` of a message (its stored `metadata`) in a document viewer; null when
/// the message has no such citation.
DocumentViewer *openCitation(service::AgencyService &service, const QString &tenantId,
                             const QJsonObject &metadata, int number, QWidget *parent);

} // namespace agency::ui
