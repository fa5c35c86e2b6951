// HTML: the visible text only (no script, style or template), one block per heading, paragraph,
// list item, table row or preformatted section; character references decoded; the title from
// <title>, else the first heading.

#include "formats.h"
#include "htmlentities.h"
#include "pagebuilder.h"
#include "textdecoding.h"

#include <QRegularExpression>
#include <QSet>

namespace agency::knowledge::detail {
namespace {

const QSet<QString> &blockElements()
{
    static const QSet<QString> names = {
        QStringLiteral("address"),    QStringLiteral("article"),    QStringLiteral("aside"),
        QStringLiteral("blockquote"), QStringLiteral("body"),       QStringLiteral("caption"),
        QStringLiteral("dd"),         QStringLiteral("div"),        QStringLiteral("dl"),
        QStringLiteral("dt"),         QStringLiteral("figcaption"), QStringLiteral("figure"),
        QStringLiteral("footer"),     QStringLiteral("form"),       QStringLiteral("header"),
        QStringLiteral("hr"),         QStringLiteral("html"),       QStringLiteral("main"),
        QStringLiteral("nav"),        QStringLiteral("ol"),         QStringLiteral("p"),
        QStringLiteral("section"),    QStringLiteral("table"),      QStringLiteral("tbody"),
        QStringLiteral("thead"),      QStringLiteral("tfoot"),      QStringLiteral("ul"),
        QStringLiteral("details"),    QStringLiteral("summary"),    QStringLiteral("fieldset"),
        QStringLiteral("legend")};
    return names;
}

const QSet<QString> &hiddenElements()
{
    static const QSet<QString> names = {QStringLiteral("script"), QStringLiteral("style"),
                                        QStringLiteral("noscript"), QStringLiteral("template"),
                                        QStringLiteral("svg")};
    return names;
}

bool isNameChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char(':') || c == QLatin1Char('_');
}

class HtmlScanner
{
public:
    explicit HtmlScanner(const QString &html) : m_html(html) {}

    core::Result<ExtractedPage> scan(const ExtractContext &context)
    {
        qsizetype i = 0;
        while (i < m_html.size()) {
            if ((i & 0xFFFF) == 0 && context.cancelled())
                return context.cancelledError();
            const qsizetype lt = m_html.indexOf(QLatin1Char('<'), i);
            appendText(m_html.mid(i, (lt < 0 ? m_html.size() : lt) - i));
            if (lt < 0)
                break;
            i = tag(lt);
        }
        flush();
        return m_page.take(0);
    }

    QString title() const { return m_title.simplified(); }
    QString firstHeading() const { return m_firstHeading.simplified(); }

private:
    // Handles the markup at `lt` ('<'); returns the position after it.
    qsizetype tag(qsizetype lt)
    {
        const auto skipTo = [&](const QString &end, qsizetype from) {
            const qsizetype at = m_html.indexOf(end, from, Qt::CaseInsensitive);
            return at < 0 ? m_html.size() : at + end.size();
        };
        if (m_html.mid(lt, 4) == QLatin1String("<!--"))
            return skipTo(QStringLiteral("-->"), lt + 4);
        const QChar next = lt + 1 < m_html.size() ? m_html[lt + 1] : QChar();
        if (next == QLatin1Char('!') || next == QLatin1Char('?'))
            return skipTo(QStringLiteral(">"), lt);
        const bool closing = next == QLatin1Char('/');
        qsizetype p = lt + (closing ? 2 : 1);
        const qsizetype nameStart = p;
        while (p < m_html.size() && isNameChar(m_html[p]))
            ++p;
        if (p == nameStart) { // not a tag: a literal '<'
            appendText(QStringLiteral("<"));
            return lt + 1;
        }
        const QString name = m_html.mid(nameStart, p - nameStart).toLower();
        const qsizetype end = endOfTag(p);
        if (closing) {
            endElement(name);
            return end;
        }
        if (name == QLatin1String("title")) {
            const qsizetype close = m_html.indexOf(QLatin1String("</title"), end, Qt::CaseInsensitive);
            m_title = decodeHtmlEntities(m_html.mid(end, (close < 0 ? m_html.size() : close) - end));
            return close < 0 ? m_html.size() : skipTo(QStringLiteral(">"), close);
        }
        const bool selfClosing =
            m_html[end - 1] == QLatin1Char('>') && end >= 2 && m_html[end - 2] == QLatin1Char('/');
        if (hiddenElements().contains(name) && !selfClosing) // raw text: skip to the matching end tag
            return skipTo(QStringLiteral(">"), qMax(end, skipTo(QStringLiteral("</") + name, end)) - 1);
        startElement(name);
        return end;
    }

    // The position after the '>' that ends the tag whose attributes start at `p` (quotes respected).
    qsizetype endOfTag(qsizetype p) const
    {
        QChar quote;
        for (; p < m_html.size(); ++p) {
            const QChar c = m_html[p];
            if (!quote.isNull()) {
                if (c == quote)
                    quote = QChar();
            } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
                quote = c;
            } else if (c == QLatin1Char('>')) {
                return p + 1;
            }
        }
        return m_html.size();
    }

    void startElement(const QString &name)
    {
        if (name == QLatin1String("br")) {
            m_text += QLatin1Char('\n');
            m_pendingSpace = false;
        } else if (name == QLatin1String("td") || name == QLatin1String("th")) {
            if (currentKind() == BlockKind::TableRow) {
                if (!m_text.trimmed().isEmpty())
                    m_text += QStringLiteral(" | ");
                m_pendingSpace = false;
            } else {
                flush();
            }
        } else if (const auto kind = contextKind(name)) {
            flush();
            m_context.append({name, *kind, headingLevel(name)});
        } else if (blockElements().contains(name)) {
            flush();
        } else if (name == QLatin1String("img") || name == QLatin1String("input")) {
            m_pendingSpace = !m_text.isEmpty();
        }
    }

    void endElement(const QString &name)
    {
        if (contextKind(name)) {
            flush();
            for (qsizetype i = m_context.size() - 1; i >= 0; --i) {
                if (m_context[i].name == name) {
                    m_context.remove(i, m_context.size() - i);
                    break;
                }
            }
        } else if (blockElements().contains(name)) {
            flush();
        }
    }

    static std::optional<BlockKind> contextKind(const QString &name)
    {
        if (headingLevel(name) > 0)
            return BlockKind::Heading;
        if (name == QLatin1String("li"))
            return BlockKind::ListItem;
        if (name == QLatin1String("tr"))
            return BlockKind::TableRow;
        if (name == QLatin1String("pre"))
            return BlockKind::Code;
        return std::nullopt;
    }

    static int headingLevel(const QString &name)
    {
        if (name.size() == 2 && name[0] == QLatin1Char('h') && name[1] >= QLatin1Char('1') &&
            name[1] <= QLatin1Char('6'))
            return name[1].digitValue();
        return 0;
    }

    BlockKind currentKind() const
    {
        return m_context.isEmpty() ? BlockKind::Paragraph : m_context.last().kind;
    }

    bool inPre() const
    {
        return std::any_of(m_context.cbegin(), m_context.cend(),
                           [](const Context &c) { return c.kind == BlockKind::Code; });
    }

    void appendText(const QString &raw)
    {
        if (raw.isEmpty())
            return;
        const QString text = decodeHtmlEntities(raw);
        if (inPre()) {
            m_text += text;
            return;
        }
        for (const QChar c : text) {
            if (c.isSpace()) {
                m_pendingSpace = !m_text.isEmpty() && !m_text.endsWith(QLatin1Char('\n'));
                continue;
            }
            if (m_pendingSpace)
                m_text += QLatin1Char(' ');
            m_pendingSpace = false;
            m_text += c;
        }
    }

    void flush()
    {
        const BlockKind kind = currentKind();
        const int level = kind == BlockKind::Heading ? m_context.last().level : 0;
        if (kind == BlockKind::Heading && m_firstHeading.isEmpty())
            m_firstHeading = m_text;
        m_page.add(kind, m_text, level);
        m_text.clear();
        m_pendingSpace = false;
    }

    struct Context
    {
        QString name;
        BlockKind kind;
        int level;
    };

    const QString &m_html;
    PageBuilder m_page;
    QList<Context> m_context;
    QString m_text;
    bool m_pendingSpace = false;
    QString m_title;
    QString m_firstHeading;
};

QByteArray declaredCharset(const QByteArray &bytes)
{
    static const QRegularExpression charset(QStringLiteral("charset\\s*=\\s*[\"']?([A-Za-z0-9_.:-]+)"),
                                            QRegularExpression::CaseInsensitiveOption);
    const auto match = charset.match(QString::fromLatin1(bytes.left(4096)));
    return match.hasMatch() ? match.captured(1).toLatin1() : QByteArray();
}

} // namespace

core::Result<ExtractionSummary> extractHtml(const QByteArray &bytes, const ExtractContext &context)
{
    auto decoded = decodeText(bytes, context.subject(), declaredCharset(bytes));
    if (!decoded)
        return decoded.error();
    HtmlScanner scanner(decoded.value().text);
    auto page = scanner.scan(context);
    if (!page)
        return page.error();
    ExtractionSummary summary;
    summary.encoding = decoded.value().encoding;
    summary.title = scanner.title().isEmpty() ? scanner.firstHeading() : scanner.title();
    if (auto sent = emitSinglePage(std::move(page).value(), context); !sent)
        return sent.error();
    return summary;
}

} // namespace agency::knowledge::detail
