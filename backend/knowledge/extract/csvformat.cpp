// CSV: one TableRow block per record, written "name: value; name: value" with the header row's
// names, so a chunk read alone still says what each value is. The delimiter (comma, semicolon or
// tab) is the one that splits the first lines most consistently.

#include "formats.h"
#include "pagebuilder.h"
#include "textdecoding.h"

namespace agency::knowledge::detail {
namespace {

class CsvReader
{
public:
    CsvReader(const QString &text, QChar delimiter) : m_text(text), m_delimiter(delimiter) {}

    bool atEnd() const { return m_pos >= m_text.size(); }

    // One record (RFC 4180: quoted fields may hold delimiters, quotes doubled, and newlines).
    QStringList next()
    {
        QStringList fields;
        QString field;
        bool quoted = false;
        while (m_pos < m_text.size()) {
            const QChar c = m_text[m_pos++];
            if (quoted) {
                if (c != QLatin1Char('"')) {
                    field += c;
                } else if (m_pos < m_text.size() && m_text[m_pos] == QLatin1Char('"')) {
                    field += c;
                    ++m_pos;
                } else {
                    quoted = false;
                }
            } else if (c == QLatin1Char('"') && field.trimmed().isEmpty()) {
                quoted = true;
                field.clear();
            } else if (c == m_delimiter) {
                fields.append(field.trimmed());
                field.clear();
            } else if (c == QLatin1Char('\n')) {
                break;
            } else {
                field += c;
            }
        }
        fields.append(field.trimmed());
        return fields;
    }

private:
    const QString &m_text;
    const QChar m_delimiter;
    qsizetype m_pos = 0;
};

QChar detectDelimiter(const QString &text)
{
    const QList<QChar> candidates = {QLatin1Char(','), QLatin1Char(';'), QLatin1Char('\t')};
    QChar best = candidates.first();
    qsizetype bestScore = -1;
    for (const QChar candidate : candidates) {
        CsvReader reader(text, candidate);
        QList<qsizetype> widths;
        for (int line = 0; line < 20 && !reader.atEnd(); ++line)
            widths.append(reader.next().size());
        if (widths.isEmpty() || widths.first() < 2)
            continue;
        // Lines as wide as the first count; a delimiter that splits nothing scores nothing.
        const qsizetype consistent = std::count(widths.cbegin(), widths.cend(), widths.first());
        const qsizetype score = consistent * 1000 + widths.first();
        if (score > bestScore) {
            bestScore = score;
            best = candidate;
        }
    }
    return best;
}

QString describeRow(const QStringList &header, const QStringList &row)
{
    QStringList parts;
    for (qsizetype i = 0; i < row.size(); ++i) {
        if (row[i].isEmpty())
            continue;
        const QString name =
            i < header.size() && !header[i].isEmpty() ? header[i] : QStringLiteral("column %1").arg(i + 1);
        parts.append(name + QStringLiteral(": ") + collapseWhitespace(row[i]));
    }
    return parts.join(QStringLiteral("; "));
}

} // namespace

core::Result<ExtractionSummary> extractCsv(const QByteArray &bytes, const ExtractContext &context)
{
    auto decoded = decodeText(bytes, context.subject());
    if (!decoded)
        return decoded.error();
    const QString &text = decoded.value().text;
    CsvReader reader(text, detectDelimiter(text));
    PageBuilder page;
    QStringList header;
    bool first = true;
    while (!reader.atEnd()) {
        if (context.cancelled())
            return context.cancelledError();
        const QStringList row = reader.next();
        if (std::all_of(row.cbegin(), row.cend(), [](const QString &field) { return field.isEmpty(); }))
            continue;
        if (first) {
            header = row;
            first = false;
            continue;
        }
        page.add(BlockKind::TableRow, describeRow(header, row));
        if (page.size() > context.limits.maxExtractedChars)
            return tooMuchText(context);
    }
    // A lone row has no header to name its values: it is the content.
    if (page.isEmpty() && !header.isEmpty())
        page.add(BlockKind::TableRow, header.join(QStringLiteral("; ")));
    ExtractionSummary summary;
    summary.encoding = decoded.value().encoding;
    if (auto sent = emitSinglePage(page.take(0), context); !sent)
        return sent.error();
    return summary;
}

} // namespace agency::knowledge::detail
