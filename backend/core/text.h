#pragma once

#include <QString>

namespace agency::core {

/// `text` cut to at most `maxUnits` UTF-16 code units (QString::size(), the unit every length
/// limit of the product uses), ending in "…" when something was cut. The cut falls on a grapheme
/// boundary (QTextBoundaryFinder), so it never splits a surrogate pair, an emoji sequence, a flag
/// or a letter from its combining accents. Trailing white space before the "…" is dropped.
QString truncateGraphemes(const QString &text, qsizetype maxUnits);

/// What an id field must hold, for errors about it: a UUID, and not the nil UUID (all zeros),
/// which QUuid reads as "no id" and which no record ever has.
QString uuidRule();

} // namespace agency::core
