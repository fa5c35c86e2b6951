#pragma once

#include "ui/servicetypes.h"

#include <QDialog>
#include <QImage>

class QBuffer;
class QLabel;
class QPdfDocument;
class QScrollArea;
class QSplitter;
class QTextEdit;

namespace agency::ui {

/// A cited or found passage shown in its document: for a PDF the page rendered with that page's
/// text under it, for other formats the extracted text; the passage [start, end) is highlighted
/// and scrolled into view. Loads through AgencyService without blocking; emits shown() when done.
class DocumentViewer : public QDialog
{
    Q_OBJECT

public:
    /// `passage`: the document, its title, page (1-based, 0 = none) and span in the document text.
    DocumentViewer(service::AgencyService &service, const QString &tenantId, const core::Citation &passage,
                   QWidget *parent = nullptr);
    ~DocumentViewer() override;

    const core::Citation &passage() const { return m_passage; }
    /// The highlighted passage as shown (newlines as "\n"); empty before shown() or when missing.
    QString highlightedText() const;
    /// The PDF page rendered (1-based), 0 when none is (not a PDF, or it could not be rendered).
    int renderedPage() const { return m_renderedPage; }
    QImage pageImage() const { return m_pageImage; }
    /// Whether the passage is also marked on the rendered page (found in the page's text layer).
    bool isPassageMarkedOnPage() const { return m_pageMarked; }
    QTextEdit *textView() const { return m_text; }
    /// Why the document or passage cannot be shown; empty when it is.
    QString errorText() const { return m_error; }

Q_SIGNALS:
    /// The document is loaded and the passage shown (or the error is).
    void shown();

private:
    void onDocument(const core::Document &document);
    void onText(const core::DocumentText &text);
    void renderPdf(const QByteArray &bytes);
    void showText();
    void fail(const QString &error);

    service::AgencyService &m_service;
    QString m_tenantId;
    core::Citation m_passage;
    core::Document m_document;
    core::DocumentText m_docText;
    QLabel *m_header;
    QSplitter *m_splitter;
    QScrollArea *m_pageArea;
    QLabel *m_page;
    QTextEdit *m_text;
    QPdfDocument *m_pdf = nullptr;
    QBuffer *m_pdfBytes = nullptr;
    QImage m_pageImage;
    int m_renderedPage = 0;
    bool m_pageMarked = false;
    int m_highlightStart = -1;
    int m_highlightEnd = -1;
    QString m_error;
};

} // namespace agency::ui
