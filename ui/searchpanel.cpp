#include "searchpanel.h"

#include "core/async/whenfinished.h"
#include "errortext.h"

#include <QAbstractTextDocumentLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTextDocument>
#include <QVBoxLayout>

namespace agency::ui {

QString snippetHtml(const QString &snippet)
{
    QString html;
    qsizetype pos = 0;
    while (pos < snippet.size()) {
        const qsizetype open = snippet.indexOf(QStringLiteral("[["), pos);
        if (open < 0)
            break;
        const qsizetype close = snippet.indexOf(QStringLiteral("]]"), open + 2);
        if (close < 0)
            break;
        html += snippet.mid(pos, open - pos).toHtmlEscaped();
        html += QStringLiteral("<span style=\"background-color:#f2c94c; color:#000\"><b>") +
                snippet.mid(open + 2, close - open - 2).toHtmlEscaped() + QStringLiteral("</b></span>");
        pos = close + 2;
    }
    return html + snippet.mid(pos).toHtmlEscaped();
}

int SearchHitModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_hits.size());
}

QVariant SearchHitModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SearchHit &h = m_hits.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return QString(h.conversationTitle + QStringLiteral(" — ") +
                       QString(h.snippet).remove(QStringLiteral("[[")).remove(QStringLiteral("]]")));
    case ConversationIdRole:
        return h.conversationId;
    case MessageIdRole:
        return h.messageId;
    case SnippetHtmlRole:
        return QStringLiteral("<b>%1</b> <span style=\"color:gray\">· %2 · %3</span><br>%4")
            .arg((h.conversationTitle.isEmpty() ? QStringLiteral("(untitled)") : h.conversationTitle)
                     .toHtmlEscaped(),
                 core::roleName(h.role), h.createdAt.toLocalTime().toString(QStringLiteral("d MMM HH:mm")),
                 snippetHtml(h.snippet));
    default:
        return {};
    }
}

void SearchHitModel::setHits(const QList<SearchHit> &hits)
{
    beginResetModel();
    m_hits = hits;
    endResetModel();
}

void SearchHitModel::renameConversation(const QUuid &conversationId, const QString &title)
{
    for (int row = 0; row < m_hits.size(); ++row) {
        if (m_hits.at(row).conversationId != conversationId)
            continue;
        m_hits[row].conversationTitle = title;
        Q_EMIT dataChanged(index(row), index(row));
    }
}

namespace {

/// Paints a hit's rich text (title line and highlighted snippet).
class HitDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        opt.widget->style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
        QTextDocument doc;
        configure(doc, option, index);
        painter->save();
        painter->translate(option.rect.topLeft() + QPoint(6, 4));
        QAbstractTextDocumentLayout::PaintContext context;
        context.palette = option.palette;
        if (option.state & QStyle::State_Selected)
            context.palette.setColor(QPalette::Text, option.palette.color(QPalette::HighlightedText));
        doc.documentLayout()->draw(painter, context);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QTextDocument doc;
        configure(doc, option, index);
        return {option.rect.width(), static_cast<int>(doc.size().height()) + 8};
    }

private:
    static void configure(QTextDocument &doc, const QStyleOptionViewItem &option, const QModelIndex &index)
    {
        doc.setDefaultFont(option.font);
        doc.setDocumentMargin(0);
        doc.setHtml(index.data(SearchHitModel::SnippetHtmlRole).toString());
        doc.setTextWidth(std::max(120, option.rect.width() - 12));
    }
};

} // namespace

SearchPanel::SearchPanel(service::AgencyService &service, QWidget *parent)
    : QWidget(parent), m_service(service), m_box(new QLineEdit(this)), m_summary(new QLabel(this)),
      m_view(new QListView(this)), m_model(new SearchHitModel(this))
{
    m_box->setObjectName(QStringLiteral("searchBox"));
    m_box->setPlaceholderText(QStringLiteral("Search this tenant's messages (Ctrl+F)"));
    m_box->setClearButtonEnabled(true);
    m_box->installEventFilter(this);
    m_view->setObjectName(QStringLiteral("searchHits"));
    m_view->setModel(m_model);
    m_view->setItemDelegate(new HitDelegate(m_view));
    m_view->setWordWrap(true);
    m_view->setUniformItemSizes(false);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->hide();
    m_summary->hide();
    // An error can be one long line: it wraps instead of widening the window.
    m_summary->setWordWrap(true);
    m_summary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_box);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    m_view->installEventFilter(this);
    // Searches as you type, once typing pauses; Enter searches at once.
    m_typing.setSingleShot(true);
    m_typing.setInterval(kTypingPauseMs);
    connect(&m_typing, &QTimer::timeout, this, &SearchPanel::run);
    connect(m_box, &QLineEdit::returnPressed, this, [this] {
        m_typing.stop();
        run();
    });
    connect(m_box, &QLineEdit::textChanged, this, [this](const QString &text) {
        if (text.trimmed().isEmpty()) {
            m_typing.stop();
            clear();
            return;
        }
        m_typing.start();
    });
    connect(m_view, &QListView::activated, this, [this](const QModelIndex &index) {
        const SearchHit &h = m_model->hit(index.row());
        Q_EMIT hitActivated(h.conversationId, h.messageId);
    });
    connect(m_view, &QListView::clicked, m_view, &QListView::activated);
}

void SearchPanel::setScope(const QString &tenantId, const QString &flowType)
{
    m_tenantId = tenantId;
    m_flowType = flowType;
    if (m_view->isVisible())
        run();
}

void SearchPanel::run()
{
    const QString text = m_box->text().trimmed();
    if (text.isEmpty() || m_tenantId.isEmpty())
        return clear();
    SearchQuery query;
    query.tenantId = m_tenantId;
    query.text = text;
    query.flowType = m_flowType;
    query.limit = 50;
    const int generation = ++m_generation;
    m_summary->setText(QStringLiteral("Searching…"));
    m_summary->show();
    core::whenFinished(this, m_service.searchConversations(query),
                       [this, generation](const core::Result<QList<SearchHit>> &hits) {
                           if (generation != m_generation)
                               return;
                           if (!hits) {
                               m_model->setHits({});
                               m_summary->setText(searchError(hits.error()));
                               return;
                           }
                           m_model->setHits(hits.value());
                           m_summary->setText(
                               hits->isEmpty()
                                   ? QStringLiteral("No messages match.")
                                   : (hits->size() == 1
                                          ? QStringLiteral("1 matching message — Enter or click opens it")
                                          : QStringLiteral("%1 matching messages — Enter or click opens one")
                                                .arg(hits->size())));
                           m_view->show();
                           Q_EMIT activeChanged(true);
                           Q_EMIT searched(static_cast<int>(hits->size()));
                       });
}

void SearchPanel::clear()
{
    ++m_generation;
    m_model->setHits({});
    m_view->hide();
    m_summary->hide();
    Q_EMIT activeChanged(false);
}

bool SearchPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
        m_box->clear(); // Esc in the results closes them too
        m_box->setFocus();
        return true;
    }
    if (watched == m_box && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape && !m_box->text().isEmpty()) {
            m_box->clear();
            return true;
        }
        if (key->key() == Qt::Key_Down && m_view->isVisible() && m_model->rowCount() > 0) {
            m_view->setFocus();
            m_view->setCurrentIndex(m_model->index(0));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace agency::ui
