#pragma once

#include "servicetypes.h"

#include <QWidget>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace agency::ui {

/// The box under the thread: the message being typed, the flow (and optional provider and model)
/// of a new chat, Send and Stop. Enter sends and Shift+Enter starts a new line (or, with
/// setEnterSends(false), Enter starts a line); Ctrl+Enter always sends, Esc stops. The message box
/// grows with its text up to kMaxLines lines. Owns no chat logic. The choices
/// always show their whole text: they sit on one line beside the "New chat"/"Continue" label when
/// the box is wide enough, and move onto lines of their own when it is not.
/// The label is elided (full text in its tooltip).
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

    /// New chat (flow chosen here) or continuing `title`, whose flow `conversationFlow` is shown
    /// (fixed by the conversation; empty: not known yet). Back to a new chat, the flow chosen for
    /// new chats is shown again.
    void setContinuing(bool continuing, const QString &title = {}, const QString &conversationFlow = {});
    void setBusy(bool busy);
    void setEnterSends(bool enterSends);
    bool enterSends() const { return m_enterSends; }
    static constexpr int kMaxLines = 8;
    bool isBusy() const { return m_busy; }
    /// How many lines the label and the choices take at the current width (1 to 3).
    int optionLines() const { return m_optionLines; }

Q_SIGNALS:
    void sendRequested();
    void stopRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    /// Places the label and the choices on as few lines as the width allows.
    void arrangeOptions();
    void updateModeText();
    /// Fits the message box's height to its text (3 to kMaxLines lines).
    void fitEditorHeight();

    QPlainTextEdit *m_edit;
    QComboBox *m_flow;
    QComboBox *m_provider;
    QLineEdit *m_model;
    QLabel *m_mode;
    QLabel *m_flowLabel;
    QLabel *m_providerLabel;
    QGridLayout *m_options;
    QString m_modeText;
    int m_optionLines = 0;
    QPushButton *m_send;
    QPushButton *m_stop;
    bool m_busy = false;
    bool m_enterSends = true;
    bool m_continuing = false;
    QString m_newChatFlow; ///< the flow chosen for new chats, while a conversation's is shown
};

} // namespace agency::ui
