// MainWindow's conversation actions: create tenant, rename, delete, export, edit and resend,
// regenerate.

#include "chatbox.h"
#include "chatsession.h"
#include "conversationmodel.h"
#include "core/async/whenfinished.h"
#include "errortext.h"
#include "mainwindow.h"
#include "pdfexport.h"
#include "searchpanel.h"
#include "statusbar.h"
#include "tenantmodel.h"
#include "threadmodel.h"

#include <QFile>
#include <QFileDialog>
#include <QInputDialog>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScreen>
#include <QTableView>

namespace agency::ui {

void MainWindow::installDefaultPrompts()
{
    m_prompts.confirm = [this](const QString &question) {
        return QMessageBox::question(this, windowTitle(), question, QMessageBox::Yes | QMessageBox::Cancel,
                                     QMessageBox::Cancel) == QMessageBox::Yes;
    };
    m_prompts.askText = [this](const QString &title, const QString &label, const QString &value,
                               bool multiLine) -> std::optional<QString> {
        // Wide enough for a long title (QInputDialog's own size shows about 25 characters), never
        // wider than the screen.
        QInputDialog dialog(this);
        dialog.setWindowTitle(title);
        dialog.setLabelText(label);
        if (multiLine)
            dialog.setOption(QInputDialog::UsePlainTextEditForTextInput);
        dialog.setTextValue(value);
        const QSize room = screen()->availableGeometry().size() - QSize(60, 80);
        dialog.resize(
            QSize(multiLine ? 640 : 560, multiLine ? 360 : dialog.sizeHint().height()).boundedTo(room));
        if (dialog.exec() != QDialog::Accepted)
            return std::nullopt;
        return dialog.textValue();
    };
    m_prompts.saveFileName = [this](const QString &suggestedName, const QString &filter) {
        return QFileDialog::getSaveFileName(this, QStringLiteral("Export conversation"), suggestedName,
                                            filter);
    };
}

void MainWindow::createTenant()
{
    const auto answer = m_prompts.askText(
        QStringLiteral("New tenant"), QStringLiteral("Tenant id (letters, digits, ., - and _):"), {}, false);
    const QString id = answer ? answer->trimmed() : QString();
    if (id.isEmpty())
        return;
    m_tenants->create(id, id, [this, id](const QString &error) {
        if (!error.isEmpty()) {
            m_status->showMessage(error, 15000);
            return;
        }
        selectTenant(id);
    });
}

void MainWindow::renameCurrent()
{
    const int row = m_conversations->rowOf(m_conversationId);
    if (m_conversationId.isNull() || row < 0)
        return;
    const Conversation current = m_conversations->conversationAt(row);
    const auto title = m_prompts.askText(QStringLiteral("Rename conversation"), QStringLiteral("Title:"),
                                         current.title, false);
    if (!title || title->trimmed().isEmpty() || title->trimmed() == current.title)
        return;
    core::whenFinished(this,
                       m_service.renameConversation(
                           m_tenantId, current.conversationId.toString(QUuid::WithoutBraces), *title),
                       [this](const core::Result<Conversation> &renamed) {
                           if (!renamed) {
                               m_status->showMessage(readableError(renamed.error()), 15000);
                               return;
                           }
                           m_conversations->replace(renamed.value());
                           m_search->hits()->renameConversation(renamed->conversationId, renamed->title);
                           if (m_conversationId == renamed->conversationId)
                               m_chatBox->setContinuing(true, renamed->title, renamed->flowType);
                       });
}

void MainWindow::deleteCurrent()
{
    const int row = m_conversations->rowOf(m_conversationId);
    if (m_conversationId.isNull() || row < 0)
        return;
    const Conversation current = m_conversations->conversationAt(row);
    const QString messages = current.messageCount == 1
                                 ? QStringLiteral("its 1 message")
                                 : QStringLiteral("its %1 messages").arg(current.messageCount);
    if (!m_prompts.confirm(
            QStringLiteral("Delete “%1” and %2? This cannot be undone.").arg(current.title, messages)))
        return;
    const QString tenant = m_tenantId;
    const QUuid id = current.conversationId;
    core::whenFinished(this, m_service.deleteConversation(tenant, id.toString(QUuid::WithoutBraces)),
                       [this, tenant, id](const core::Result<bool> &deleted) {
                           if (!deleted) {
                               m_status->showMessage(readableError(deleted.error()), 15000);
                               return;
                           }
                           m_conversations->remove(id);
                           m_tenants->refreshCount(tenant);
                           if (m_conversationId == id)
                               newChat();
                       });
}

void MainWindow::exportCurrent(ExportKind kind)
{
    const int row = m_conversations->rowOf(m_conversationId);
    if (m_conversationId.isNull() || row < 0)
        return;
    const Conversation current = m_conversations->conversationAt(row);
    QString base = current.title.isEmpty() ? QStringLiteral("conversation") : current.title;
    base.replace(QRegularExpression(QStringLiteral("[^\\w\\- ]+")), QStringLiteral("_"));
    const QString suffix = kind == ExportKind::Markdown ? QStringLiteral(".md")
                           : kind == ExportKind::Json   ? QStringLiteral(".json")
                                                        : QStringLiteral(".pdf");
    const QString filter = kind == ExportKind::Markdown ? QStringLiteral("Markdown (*.md)")
                           : kind == ExportKind::Json   ? QStringLiteral("JSON (*.json)")
                                                        : QStringLiteral("PDF (*.pdf)");
    const QString path = m_prompts.saveFileName(base.left(60) + suffix, filter);
    if (path.isEmpty())
        return;
    // PDF is typeset from the Markdown export, which already lists every tool call and result.
    const auto format =
        kind == ExportKind::Json ? service::ExportFormat::Json : service::ExportFormat::Markdown;
    core::whenFinished(this,
                       m_service.exportConversation(
                           m_tenantId, current.conversationId.toString(QUuid::WithoutBraces), format),
                       [this, path, kind, title = current.title](const core::Result<QByteArray> &bytes) {
                           if (!bytes) {
                               const QString error = readableError(bytes.error());
                               m_status->showMessage(error, 15000);
                               Q_EMIT exported(path, error);
                               return;
                           }
                           writeExport(path, kind, bytes.value(), title);
                       });
}

void MainWindow::writeExport(const QString &path, ExportKind kind, const QByteArray &content,
                             const QString &title)
{
    QString error;
    if (kind == ExportKind::Pdf) {
        error = writePdf(path, QString::fromUtf8(content), title);
    } else {
        // QSaveFile: a failed write leaves no half-written file behind.
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit())
            error = QStringLiteral("Could not write %1: %2").arg(path, file.errorString());
    }
    m_status->showMessage(error.isEmpty() ? QStringLiteral("Exported to %1").arg(path) : error, 10000);
    Q_EMIT exported(path, error);
}

void MainWindow::editAndResend(int row)
{
    if (row < 0 || row >= m_thread->rowCount() || m_session->isBusy())
        return;
    const ThreadItem &item = m_thread->item(row);
    if (item.role != core::Role::User || item.messageIds.isEmpty() || m_conversationId.isNull())
        return;
    const auto edited = m_prompts.askText(QStringLiteral("Edit and resend"),
                                          QStringLiteral("A new conversation starts from this message; the "
                                                         "original stays as it is."),
                                          item.content, true);
    if (!edited || edited->trimmed().isEmpty())
        return;
    forkAndSend(item.messageIds.first(), edited->trimmed(), {});
}

void MainWindow::regenerateLast()
{
    if (m_session->isBusy() || m_conversationId.isNull())
        return;
    for (int row = m_thread->rowCount() - 1; row >= 0; --row) {
        const ThreadItem &item = m_thread->item(row);
        if (item.role != core::Role::User || item.kind != ThreadItem::Kind::Text || item.messageIds.isEmpty())
            continue;
        const int listRow = m_conversations->rowOf(m_conversationId);
        const QString title = listRow < 0 ? QString() : m_conversations->conversationAt(listRow).title;
        forkAndSend(item.messageIds.first(), item.content,
                    title.isEmpty() ? QString() : title.left(180) + QStringLiteral(" (regenerated)"));
        return;
    }
}

void MainWindow::forkAndSend(qint64 messageId, const QString &text, const QString &title)
{
    const QString tenant = m_tenantId;
    // Shown once the fork exists (and has its title): opened, then the text is sent in it.
    auto open = [this, tenant, text](const Conversation &fork) {
        if (tenant != m_tenantId)
            return;
        m_conversations->upsertAtTop(fork);
        m_tenants->refreshCount(tenant);
        openConversation(fork.conversationId);
        m_conversationFlow = fork.flowType;
        Q_EMIT forked(fork.conversationId);
        // Sent once the copied thread is shown, so the turn appends under it.
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(this, &MainWindow::conversationShown, this, [this, connection, text] {
            disconnect(*connection);
            m_chatBox->setText(text);
            send();
        });
    };
    core::whenFinished(
        this, m_service.forkConversation(tenant, m_conversationId.toString(QUuid::WithoutBraces), messageId),
        [this, tenant, title, open](const core::Result<Conversation> &fork) {
            if (!fork) {
                m_status->showMessage(readableError(fork.error()), 15000);
                return;
            }
            if (title.isEmpty())
                return open(fork.value());
            core::whenFinished(
                this,
                m_service.renameConversation(tenant, fork->conversationId.toString(QUuid::WithoutBraces),
                                             title),
                [open, fork = fork.value()](const core::Result<Conversation> &renamed) {
                    open(renamed ? renamed.value() : fork); // a failed rename keeps the fork's own title
                });
        });
}

} // namespace agency::ui
