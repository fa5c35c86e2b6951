#pragma once

#include "types.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace agency::ui {

/// The box under the thread: the message being typed, the flow (and optional provider and model)
/// of a new chat, Send and Stop. Ctrl+Enter sends, Esc stops. Owns no chat logic.
class ChatBox : public QWidget
{
    Q_OBJECT

public:
    explicit ChatBox(QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text);
    QPlainTextEdit *editor() const { return m_edit; }

    void setFlows(const QList<FlowDefinition> &flows);
    void setProviders(const QList<ProviderInfo> &providers, const QString &defaultProvider);
    QString flowType() const;
    void setFlowType(const QString &flowType);
    QString provider() const; ///< empty: the flow's or the configured default
    QString model() const;    ///< empty: the provider's default

    /// New chat (flow chosen here) or continuing `title` (flow fixed by the conversation).
    void setContinuing(bool continuing, const QString &title = {});
    void setBusy(bool busy);
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    void sendRequested();
    void stopRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QPlainTextEdit *m_edit;
    QComboBox *m_flow;
    QComboBox *m_provider;
    QLineEdit *m_model;
    QLabel *m_mode;
    QPushButton *m_send;
    QPushButton *m_stop;
    bool m_busy = false;
};

} // namespace agency::ui
