#include "chatbox.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace agency::ui {

ChatBox::ChatBox(QWidget *parent)
    : QWidget(parent), m_edit(new QPlainTextEdit(this)), m_flow(new QComboBox(this)),
      m_provider(new QComboBox(this)), m_model(new QLineEdit(this)), m_mode(new QLabel(this)),
      m_flowLabel(new QLabel(QStringLiteral("Flow"), this)),
      m_providerLabel(new QLabel(QStringLiteral("Provider"), this)), m_options(new QGridLayout),
      m_send(new QPushButton(QStringLiteral("Send"), this)),
      m_stop(new QPushButton(QStringLiteral("Stop"), this))
{
    m_edit->setObjectName(QStringLiteral("messageEdit"));
    m_edit->setTabChangesFocus(true);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &ChatBox::fitEditorHeight);
    m_edit->installEventFilter(this);
    // The choices grow with their longest entry (providers arrive after the first show) and are
    // never squeezed below it; arrangeOptions() finds them the room.
    m_flow->setObjectName(QStringLiteral("flowCombo"));
    m_flow->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_flow->setToolTip(QStringLiteral("Flow (agent) of a new chat"));
    m_provider->setObjectName(QStringLiteral("providerCombo"));
    m_provider->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_provider->setToolTip(QStringLiteral("Provider: empty uses the flow's or the default"));
    m_model->setObjectName(QStringLiteral("modelEdit"));
    m_model->setPlaceholderText(QStringLiteral("model (default)"));
    m_model->setFixedWidth(m_model->fontMetrics().horizontalAdvance(m_model->placeholderText()) + 24);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setDefault(true);

    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setToolTip(QStringLiteral("Stop the reply (Esc)"));
    m_stop->setEnabled(false);
    QFont modeFont = m_mode->font();
    modeFont.setWeight(QFont::DemiBold);
    m_mode->setFont(modeFont);
    m_mode->setObjectName(QStringLiteral("chatModeLabel"));
    // The label takes what the choices leave and elides its text (a title can be long).
    m_mode->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_mode->installEventFilter(this);
    for (QLabel *label : {m_flowLabel, m_providerLabel})
        label->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);
    for (QWidget *choice : {static_cast<QWidget *>(m_flow), static_cast<QWidget *>(m_provider)})
        choice->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    m_options->setContentsMargins(0, 0, 0, 0);

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_send);
    buttons->addWidget(m_stop);
    buttons->addStretch();
    auto *row = new QHBoxLayout;
    row->addWidget(m_edit, 1);
    row->addLayout(buttons);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 10);
    layout->addLayout(m_options);
    layout->addLayout(row);

    arrangeOptions();
    setEnterSends(true);
    fitEditorHeight();
    connect(m_send, &QPushButton::clicked, this, &ChatBox::sendRequested);
    connect(m_stop, &QPushButton::clicked, this, &ChatBox::stopRequested);
    setContinuing(false);
}

QString ChatBox::text() const
{
    return m_edit->toPlainText();
}

void ChatBox::setText(const QString &text)
{
    m_edit->setPlainText(text);
    m_edit->moveCursor(QTextCursor::End);
}

void ChatBox::setFlows(const QList<FlowDefinition> &flows)
{
    const QString current = flowType();
    m_flow->clear();
    for (const FlowDefinition &f : flows)
        m_flow->addItem(f.title.isEmpty() ? f.flowType : QStringLiteral("%1 (%2)").arg(f.title, f.flowType),
                        f.flowType);
    setFlowType(current);
    m_optionLines = 0; // the choices' widths changed
    arrangeOptions();
}

void ChatBox::setProviders(const QList<ProviderInfo> &providers, const QString &defaultProvider)
{
    m_provider->clear();
    m_provider->addItem(QStringLiteral("default (%1)").arg(defaultProvider), QString());
    for (const ProviderInfo &p : providers) {
        m_provider->addItem(
            p.configured ? p.displayName : p.displayName + QStringLiteral(" — not configured"), p.name);
    }
    m_optionLines = 0;
    arrangeOptions();
}

QString ChatBox::flowType() const
{
    return m_flow->currentData().toString();
}

void ChatBox::setFlowType(const QString &flowType)
{
    const int i = m_flow->findData(flowType);
    if (i >= 0)
        m_flow->setCurrentIndex(i);
}

QString ChatBox::provider() const
{
    return m_provider->currentData().toString();
}

QString ChatBox::model() const
{
    return m_model->text().trimmed();
}

void ChatBox::setContinuing(bool continuing, const QString &title, const QString &conversationFlow)
{
    if (continuing && !m_continuing)
        m_newChatFlow = flowType();
    if (continuing && !conversationFlow.isEmpty())
        setFlowType(conversationFlow);
    else if (!continuing && m_continuing)
        setFlowType(m_newChatFlow);
    m_continuing = continuing;
    m_modeText =
        continuing
            ? QStringLiteral("Continue: %1").arg(title.isEmpty() ? QStringLiteral("(untitled)") : title)
            : QStringLiteral("New chat");
    m_mode->setToolTip(m_modeText);
    updateModeText();
    m_flow->setEnabled(!continuing && !m_busy);
}

void ChatBox::updateModeText()
{
    m_mode->setText(
        m_mode->fontMetrics().elidedText(m_modeText, Qt::ElideRight, std::max(0, m_mode->width())));
}

void ChatBox::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    arrangeOptions();
}

void ChatBox::arrangeOptions()
{
    const int spacing = std::max(0, m_options->horizontalSpacing());
    auto hint = [](QWidget *w) { return w->sizeHint().width(); };
    const int flowPart = hint(m_flowLabel) + hint(m_flow) + spacing;
    const int providerPart = hint(m_providerLabel) + hint(m_provider) + hint(m_model) + 2 * spacing;
    const QMargins margins = layout()->contentsMargins();
    const int available = width() - margins.left() - margins.right();
    const int minimumLabel = m_mode->fontMetrics().horizontalAdvance(QStringLiteral("Continue: Title…"));
    const int lines = available >= minimumLabel + flowPart + providerPart + 2 * spacing ? 1
                      : available >= flowPart + providerPart + spacing                  ? 2
                                                                                        : 3;
    if (lines == m_optionLines)
        return;
    m_optionLines = lines;
    for (QWidget *w : {static_cast<QWidget *>(m_mode), static_cast<QWidget *>(m_flowLabel),
                       static_cast<QWidget *>(m_flow), static_cast<QWidget *>(m_providerLabel),
                       static_cast<QWidget *>(m_provider), static_cast<QWidget *>(m_model)})
        m_options->removeWidget(w);
    for (int column = 0; column < m_options->columnCount(); ++column)
        m_options->setColumnStretch(column, 0);
    // Columns: label | Flow | flow | Provider | provider | model; a stretch column keeps the
    // choices at their size when they sit on lines of their own.
    const int flowRow = lines == 1 ? 0 : 1;
    const int providerRow = lines == 3 ? 2 : flowRow;
    const int providerColumn = lines == 3 ? 1 : 3;
    m_options->addWidget(m_mode, 0, 0, 1, lines == 1 ? 1 : 7);
    m_options->addWidget(m_flowLabel, flowRow, 1);
    m_options->addWidget(m_flow, flowRow, 2);
    m_options->addWidget(m_providerLabel, providerRow, providerColumn);
    m_options->addWidget(m_provider, providerRow, providerColumn + 1);
    m_options->addWidget(m_model, providerRow, providerColumn + 2);
    m_options->setColumnStretch(lines == 1 ? 0 : 6, 1);
}

void ChatBox::setEnterSends(bool enterSends)
{
    m_enterSends = enterSends;
    m_edit->setPlaceholderText(
        enterSends ? QStringLiteral("Message the agent…   (Enter to send, Shift+Enter for a new line)")
                   : QStringLiteral("Message the agent…   (Ctrl+Enter to send)"));
    m_send->setToolTip(enterSends ? QStringLiteral("Send (Enter)") : QStringLiteral("Send (Ctrl+Enter)"));
}

void ChatBox::fitEditorHeight()
{
    // A plain-text document's height is in lines.
    const int lines = std::clamp(static_cast<int>(m_edit->document()->size().height()), 3, kMaxLines);
    const QMargins margins = m_edit->contentsMargins();
    const int height = lines * m_edit->fontMetrics().lineSpacing() +
                       2 * static_cast<int>(m_edit->document()->documentMargin()) + margins.top() +
                       margins.bottom() + 2 * m_edit->frameWidth();
    if (m_edit->minimumHeight() != height)
        m_edit->setMinimumHeight(height);
}

void ChatBox::setBusy(bool busy)
{
    m_busy = busy;
    m_send->setEnabled(!busy);
    m_stop->setEnabled(busy);
}

bool ChatBox::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_mode && event->type() == QEvent::Resize)
        updateModeText();
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
        const Qt::KeyboardModifiers mods = key->modifiers() & ~Qt::KeypadModifier;
        const bool sends =
            enter && ((mods & Qt::ControlModifier) || (m_enterSends && mods == Qt::NoModifier));
        if (enter && m_enterSends && mods == Qt::ShiftModifier) {
            m_edit->textCursor().insertBlock(); // a plain new line, not a line separator
            return true;
        }
        if (sends) {
            if (!m_busy)
                Q_EMIT sendRequested();
            return true;
        }
        if (key->key() == Qt::Key_Escape && m_busy) {
            Q_EMIT stopRequested();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace agency::ui
