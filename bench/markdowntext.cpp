#include "markdowntext.h"

#include "datasetgenerator.h"

#include <QRandomGenerator>

namespace agency::bench {

namespace {

/// Appends whole Markdown structures (one section at a time) until `tokens` pieces exist.
class Writer
{
public:
    Writer(int tokens, quint32 seed) : m_limit(tokens), m_rng(seed) {}

    QStringList run()
    {
        for (int section = 1; m_pieces.size() < m_limit; ++section) {
            line(QStringLiteral("## Option %1: ").arg(section) + word() + QLatin1Char(' ') + word());
            newline();
            paragraph(40 + static_cast<int>(m_rng.bounded(50)));
            for (int i = 0; i < 4; ++i) {
                piece(QStringLiteral("- **") + word() + QStringLiteral("**: "));
                words(6 + static_cast<int>(m_rng.bounded(10)));
                newline();
            }
            newline();
            if (section % 3 == 0)
                codeBlock();
            if (section % 5 == 0)
                table();
        }
        m_pieces.resize(m_limit);
        return m_pieces;
    }

private:
    QString word()
    {
        const double u = m_rng.generateDouble();
        return DatasetShape::word(static_cast<int>(4000 * u * u * u));
    }
    void piece(const QString &text) { m_pieces.append(text); }
    void newline() { m_pieces.append(QStringLiteral("\n")); }
    void line(const QString &text)
    {
        piece(text);
        newline();
    }
    void words(int count)
    {
        for (int i = 0; i < count; ++i)
            piece(word() + QLatin1Char(' '));
    }
    void paragraph(int count)
    {
        words(count);
        newline();
        newline();
    }
    void codeBlock()
    {
        line(QStringLiteral("```cpp"));
        for (int i = 0; i < 8; ++i) {
            piece(QStringLiteral("    auto "));
            piece(word());
            piece(QStringLiteral(" = "));
            piece(word() + QStringLiteral("(") + QString::number(m_rng.bounded(100)) + QStringLiteral(");"));
            newline();
        }
        line(QStringLiteral("```"));
        newline();
    }
    void table()
    {
        line(QStringLiteral("| item | cost | note |"));
        line(QStringLiteral("|---|---:|---|"));
        for (int i = 0; i < 4; ++i) {
            piece(QStringLiteral("| ") + word());
            piece(QStringLiteral(" | ") + QString::number(m_rng.bounded(10000)));
            piece(QStringLiteral(" | ") + word() + QLatin1Char(' ') + word() + QStringLiteral(" |"));
            newline();
        }
        newline();
    }

    int m_limit;
    QRandomGenerator m_rng;
    QStringList m_pieces;
};

} // namespace

QStringList markdownTokens(int tokens, quint32 seed)
{
    return Writer(std::max(0, tokens), seed).run();
}

} // namespace agency::bench
