#include "chatbox.h"

#include <QComboBox>
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
      m_send(new QPushButton(QStringLiteral("Send"), this)),
      m_stop(new QPushButton(QStringLiteral("Stop"), this))
{
    m_edit->setObjectName(QStringLiteral("messageEdit"));
    m_edit->setPlaceholderText(QStringLiteral("Message the agent…   (Ctrl+Enter to send)"));
    m_edit->setTabChangesFocus(true);
    m_edit->setMinimumHeight(64);
    m_edit->installEventFilter(this);
    m_flow->setObjectName(QStringLiteral("flowCombo"));
    m_flow->setToolTip(QStringLiteral("Flow (agent) of a new chat"));
    m_provider->setObjectName(QStringLiteral("providerCombo"));
    m_provider->setToolTip(QStringLiteral("Provider: empty uses the flow's or the default"));
    m_model->setObjectName(QStringLiteral("modelEdit"));
    m_model->setPlaceholderText(QStringLiteral("model (default)"));
    m_model->setMaximumWidth(160);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setDefault(true);
    m_send->setToolTip(QStringLiteral("Send (Ctrl+Enter)"));
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setToolTip(QStringLiteral("Stop the reply (Esc)"));
    m_stop->setEnabled(false);
    QFont modeFont = m_mode->font();
    modeFont.setWeight(QFont::DemiBold);
    m_mode->setFont(modeFont);

    auto *options = new QHBoxLayout;
    options->addWidget(m_mode, 1);
    options->addWidget(new QLabel(QStringLiteral("Flow"), this));
    options->addWidget(m_flow);
    options->addWidget(new QLabel(QStringLiteral("Provider"), this));
    options->addWidget(m_provider);
    options->addWidget(m_model);
    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_send);
    buttons->addWidget(m_stop);
    buttons->addStretch();
    auto *row = new QHBoxLayout;
    row->addWidget(m_edit, 1);
    row->addLayout(buttons);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 10);
    layout->addLayout(options);
    layout->addLayout(row);

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
}

void ChatBox::setProviders(const QList<ProviderInfo> &providers, const QString &defaultProvider)
{
    m_provider->clear();
    m_provider->addItem(QStringLiteral("default (%1)").arg(defaultProvider), QString());
    for (const ProviderInfo &p : providers) {
        m_provider->addItem(
            p.configured ? p.displayName : p.displayName + QStringLiteral(" — not configured"), p.name);
    }
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

void ChatBox::setContinuing(bool continuing, const QString &title)
{
    m_mode->setText(
        continuing
            ? QStringLiteral("Continue: %1").arg(title.isEmpty() ? QStringLiteral("(untitled)") : title)
            : QStringLiteral("New chat"));
    m_flow->setEnabled(!continuing && !m_busy);
}

void ChatBox::setBusy(bool busy)
{
    m_busy = busy;
    m_send->setEnabled(!busy);
    m_stop->setEnabled(busy);
}

bool ChatBox::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
        if (enter && (key->modifiers() & Qt::ControlModifier)) {
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
