#include "documentviewer.h"

#include "core/async/whenfinished.h"
#include "ui/errortext.h"

#include <QBuffer>
#include <QGuiApplication>
#include <QLabel>
#include <QPainter>
#include <QPdfDocument>
#include <QPdfSelection>
#include <QPixmap>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextEdit>
#include <QTimer>
#include <QVBoxLayout>

#include <optional>
#include <utility>

namespace agency::ui {

namespace {
/// Width a PDF page is rendered at (device-independent pixels): readable, and fits 1024 px.
constexpr int kPageWidth = 760;

/// `text` without whitespace, and for each of its characters the index it had in `text`.
QString withoutSpaces(const QString &text, QList<int> *positions)
{
    QString out;
    for (int i = 0; i < text.size(); ++i) {
        if (text.at(i).isSpace())
            continue;
        out.append(text.at(i));
        if (positions)
            positions->append(i);
    }
    return out;
}

/// Where `passage` is in the page's own text layer, as [start, end) of QPdfDocument::getAllText:
/// the extracted text was cleaned (whitespace, hyphens at line ends), so the two are matched with
/// whitespace ignored. Empty when it cannot be found.
std::optional<std::pair<int, int>> passageOnPage(const QString &pageText, const QString &passage)
{
    QList<int> positions;
    const QString page = withoutSpaces(pageText, &positions);
    const QString wanted = withoutSpaces(passage, nullptr);
    const qsizetype at = wanted.isEmpty() ? -1 : page.indexOf(wanted);
    if (at < 0)
        return std::nullopt;
    return std::make_pair(positions.at(at), positions.at(at + wanted.size() - 1) + 1);
}

/// Why the document cannot be shown; the viewer does not read it again by itself.
QString unreadable(const core::Error &error)
{
    return browsingError(error, QStringLiteral("Open it again once it is back."));
}

} // namespace

DocumentViewer::DocumentViewer(service::AgencyService &service, const QString &tenantId,
                               const core::Citation &passage, QWidget *parent)
    : QDialog(parent), m_service(service), m_tenantId(tenantId), m_passage(passage)
{
    setWindowTitle(passage.title.isEmpty() ? QStringLiteral("Document") : passage.title);
    setObjectName(QStringLiteral("documentViewer"));
    auto *layout = new QVBoxLayout(this);
    m_header = new QLabel(QStringLiteral("Loading…"), this);
    m_header->setObjectName(QStringLiteral("viewerHeader"));
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_header);
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_pageArea = new QScrollArea(m_splitter);
    m_pageArea->setObjectName(QStringLiteral("pageArea"));
    m_pageArea->setAlignment(Qt::AlignHCenter);
    m_page = new QLabel(m_pageArea);
    m_page->setObjectName(QStringLiteral("pageImage"));
    m_pageArea->setWidget(m_page);
    m_pageArea->setWidgetResizable(false);
    m_pageArea->hide();
    m_text = new QTextEdit(m_splitter);
    m_text->setObjectName(QStringLiteral("passageText"));
    m_text->setReadOnly(true);
    m_splitter->addWidget(m_pageArea);
    m_splitter->addWidget(m_text);
    m_splitter->setChildrenCollapsible(false);
    layout->addWidget(m_splitter, 1);

    QSize size(kPageWidth + 60, 760);
    if (const QScreen *screen = parent ? parent->screen() : QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableGeometry().size() - QSize(40, 60));
    resize(size);

    const QString id = passage.documentId.toString(QUuid::WithoutBraces);
    core::whenFinished(this, m_service.getDocument(m_tenantId, id),
                       [this](const core::Result<core::Document> &d) {
                           if (!d)
                               return fail(unreadable(d.error()));
                           onDocument(d.value());
                       });
}

DocumentViewer::~DocumentViewer() = default;

void DocumentViewer::onDocument(const core::Document &document)
{
    m_document = document;
    setWindowTitle(document.title);
    const QString id = document.documentId.toString(QUuid::WithoutBraces);
    core::whenFinished(this, m_service.documentText(m_tenantId, id),
                       [this](const core::Result<core::DocumentText> &text) {
                           if (!text)
                               return fail(unreadable(text.error()));
                           onText(text.value());
                       });
}

void DocumentViewer::onText(const core::DocumentText &text)
{
    m_docText = text;
    const bool pdf = m_document.mimeType == QStringLiteral("application/pdf");
    if (!pdf || m_passage.page <= 0) {
        showText();
        return;
    }
    const QString id = m_document.documentId.toString(QUuid::WithoutBraces);
    core::whenFinished(this, m_service.documentContent(m_tenantId, id),
                       [this](const core::Result<QByteArray> &bytes) {
                           // Without the page image the passage is still worth showing.
                           if (bytes)
                               renderPdf(bytes.value());
                           showText();
                       });
}

void DocumentViewer::renderPdf(const QByteArray &bytes)
{
    m_pdfBytes = new QBuffer(this);
    m_pdfBytes->setData(bytes);
    m_pdfBytes->open(QIODevice::ReadOnly);
    m_pdf = new QPdfDocument(this);
    m_pdf->load(m_pdfBytes);
    const int index = m_passage.page - 1;
    if (m_pdf->status() != QPdfDocument::Status::Ready || index >= m_pdf->pageCount())
        return;
    const QSizeF points = m_pdf->pagePointSize(index);
    if (points.isEmpty())
        return;
    const qreal ratio = devicePixelRatioF();
    const QSize pixels(qRound(kPageWidth * ratio),
                       qRound(kPageWidth * ratio * points.height() / points.width()));
    const QImage rendered = m_pdf->render(index, pixels);
    if (rendered.isNull())
        return;
    // Pages are rendered on transparency: on paper white, whatever the colour scheme.
    m_pageImage = QImage(rendered.size(), QImage::Format_RGB32);
    m_pageImage.fill(Qt::white);
    QPainter painter(&m_pageImage);
    painter.drawImage(0, 0, rendered);
    QRectF marked;
    const QString passage = m_docText.text.mid(m_passage.start, m_passage.end - m_passage.start);
    if (const auto span = passageOnPage(m_pdf->getAllText(index).text(), passage)) {
        const qreal scale = pixels.width() / points.width();
        painter.scale(scale, scale);
        painter.setCompositionMode(QPainter::CompositionMode_Multiply);
        const QPdfSelection selection =
            m_pdf->getSelectionAtIndex(index, span->first, span->second - span->first);
        for (const QPolygonF &line : selection.bounds())
            painter.fillRect(line.boundingRect(), QColor(0xf2, 0xc9, 0x4c));
        marked = selection.boundingRectangle();
        marked = QRectF(marked.topLeft() * scale / ratio, marked.size() * scale / ratio);
    }
    painter.end();
    m_pageImage.setDevicePixelRatio(ratio);
    m_page->setPixmap(QPixmap::fromImage(m_pageImage));
    m_page->adjustSize();
    m_pageArea->show();
    m_splitter->setSizes({480, 200});
    m_renderedPage = m_passage.page;
    m_pageMarked = !marked.isEmpty();
    if (m_pageMarked)
        QTimer::singleShot(0, this, [this, marked] {
            m_pageArea->ensureVisible(int(marked.center().x()), int(marked.top()), 40,
                                      m_pageArea->viewport()->height() / 3);
        });
}

void DocumentViewer::showText()
{
    // A PDF shows the cited page's text, other formats the whole text: the span is relative to it.
    qint64 offset = 0;
    QString visible = m_docText.text;
    if (m_passage.page > 0) {
        for (const core::PageSpan &p : m_docText.pages) {
            if (p.page == m_passage.page && p.start <= m_passage.start && m_passage.end <= p.end) {
                offset = p.start;
                visible = m_docText.text.mid(p.start, p.end - p.start);
            }
        }
    }
    m_text->setPlainText(visible);
    const qint64 start = m_passage.start - offset;
    const qint64 end = m_passage.end - offset;
    QString where = m_passage.page > 0
                        ? QStringLiteral("Page %1 of %2")
                              .arg(m_passage.page)
                              .arg(std::max<int>(m_document.pageCount, int(m_docText.pages.size())))
                        : QStringLiteral("%1").arg(m_document.fileName);
    if (m_passage.start == 0 && m_passage.end == 0) { // the whole document, no passage
        m_header->setText(QStringLiteral("<b>%1</b> · %2").arg(m_document.title.toHtmlEscaped(), where));
        Q_EMIT shown();
        return;
    }
    if (start < 0 || end <= start || end > visible.size()) {
        m_error = QStringLiteral("The cited passage is no longer in this document (it was changed or "
                                 "re-indexed).");
        m_header->setText(QStringLiteral("<b>%1</b> · %2<br>%3")
                              .arg(m_document.title.toHtmlEscaped(), where, m_error.toHtmlEscaped()));
        Q_EMIT shown();
        return;
    }
    m_highlightStart = int(start);
    m_highlightEnd = int(end);
    QTextCursor cursor(m_text->document());
    cursor.setPosition(m_highlightStart);
    cursor.setPosition(m_highlightEnd, QTextCursor::KeepAnchor);
    // Fixed colours on both sides: readable in the light and the dark scheme alike.
    QTextCharFormat mark;
    mark.setBackground(QColor(0xf2, 0xc9, 0x4c));
    mark.setForeground(Qt::black);
    cursor.mergeCharFormat(mark);
    m_header->setText(QStringLiteral("<b>%1</b> · %2 · the passage is highlighted")
                          .arg(m_document.title.toHtmlEscaped(), where));
    // Scrolled once laid out: centred, so the lines before it give context.
    QTimer::singleShot(0, this, [this] {
        QTextCursor at(m_text->document());
        at.setPosition(m_highlightEnd);
        m_text->setTextCursor(at);
        m_text->ensureCursorVisible();
        at.setPosition(m_highlightStart);
        m_text->setTextCursor(at);
        const QRect r = m_text->cursorRect(at);
        QScrollBar *bar = m_text->verticalScrollBar();
        bar->setValue(bar->value() + r.top() - m_text->viewport()->height() / 3);
    });
    Q_EMIT shown();
}

QString DocumentViewer::highlightedText() const
{
    if (m_highlightStart < 0)
        return {};
    QTextCursor cursor(m_text->document());
    cursor.setPosition(m_highlightStart);
    cursor.setPosition(m_highlightEnd, QTextCursor::KeepAnchor);
    return cursor.selectedText().replace(QChar::ParagraphSeparator, QLatin1Char('\n'));
}

void DocumentViewer::fail(const QString &error)
{
    m_error = error;
    m_header->setText(QStringLiteral("Cannot show this document: %1").arg(error.toHtmlEscaped()));
    m_text->hide();
    Q_EMIT shown();
}

} // namespace agency::ui
