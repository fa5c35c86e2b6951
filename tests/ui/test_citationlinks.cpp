// Citation markers in a rendered assistant message (ui/documents/citationlinks): only "[n]" that
// one of the message's stored citations carries becomes a link, never inside code, and a hit
// test on either half of the marker finds its number.
#include "core/citationjson.h"
#include "ui/documents/citationlinks.h"
#include "ui/messagedocument.h"

#include <QApplication>
#include <QPalette>
#include <QTest>
#include <QTextBlock>

using namespace agency;

namespace {

ui::ThreadItem answer(const QString &markdown, const QList<int> &cited)
{
    ui::ThreadItem item;
    item.role = core::Role::Assistant;
    item.content = markdown;
    QList<core::Citation> citations;
    for (int n : cited) {
        core::Citation c;
        c.number = n;
        c.documentId = QUuid::createUuid();
        c.title = QStringLiteral("Doc %1").arg(n);
        c.start = 0;
        c.end = 10;
        citations.append(c);
    }
    item.metadata.insert(QStringLiteral("citations"), core::citationsToJson(citations));
    return item;
}

/// Each linked stretch of the document as "text→href".
QStringList links(const QTextDocument &doc)
{
    QStringList found;
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            if (it.fragment().charFormat().isAnchor())
                found.append(it.fragment().text() + QStringLiteral("→") +
                             it.fragment().charFormat().anchorHref());
        }
    }
    return found;
}

} // namespace

class TestCitationLinks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void onlyStoredCitationsBecomeLinks()
    {
        const auto doc = ui::buildMessageDocument(
            answer(QStringLiteral("The budget is 480000 euros [1], see also [2] and [12].\n\n"
                                  "```\narray[1] = 0;\n```\n\nAgain [1]."),
                   {1, 12}),
            QPalette(), QFont());
        QCOMPARE(links(*doc), (QStringList{QStringLiteral("[1]→cite:1"), QStringLiteral("[12]→cite:12"),
                                           QStringLiteral("[1]→cite:1")}));
    }

    void messagesWithoutCitationsHaveNoLinks()
    {
        const auto doc = ui::buildMessageDocument(answer(QStringLiteral("A list item [1] and [2]."), {}),
                                                  QPalette(), QFont());
        QVERIFY(links(*doc).isEmpty());
        ui::ThreadItem user = answer(QStringLiteral("What does [1] say?"), {1});
        user.role = core::Role::User;
        QVERIFY(links(*ui::buildMessageDocument(user, QPalette(), QFont())).isEmpty());
    }

    void hitTestFindsTheNumberOnEitherSide()
    {
        const auto doc = ui::buildMessageDocument(answer(QStringLiteral("Quoted text [3] here."), {3}),
                                                  QPalette(), QFont());
        const int at = int(doc->toPlainText().indexOf(QStringLiteral("[3]")));
        QVERIFY(at > 0);
        QCOMPARE(ui::citationAt(*doc, at), 3);     // before "["
        QCOMPARE(ui::citationAt(*doc, at + 2), 3); // before "]"
        QCOMPARE(ui::citationAt(*doc, at + 3), 3); // just after "]" (right half of it)
        QCOMPARE(ui::citationAt(*doc, at - 2), 0);
        QCOMPARE(ui::citationAt(*doc, at + 5), 0);
    }

    void linkColourIsReadableOnADarkBase()
    {
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x1f, 0x20, 0x23));
        QVERIFY(ui::readableLinkColor(dark).lightness() > 150);
    }
};

QTEST_MAIN(TestCitationLinks)
#include "test_citationlinks.moc"
