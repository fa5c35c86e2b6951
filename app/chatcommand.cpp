// aiagency chat: one turn (or a REPL) with an agent, streamed to the terminal.
#include "approvalprint.h"
#include "commands.h"
#include "messageinput.h"
#include "runtime/backend.h"
#include "signalhandler.h"

#include "core/async/whenfinished.h"
#include "core/limits.h"
#include "core/turnid.h"

#include "flows/turnengine.h"
#include "service/agencyservice.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace agency::app {

namespace {

/// Drives turns and prints their events. Lives on the main thread.
class TerminalChat : public QObject
{
public:
    TerminalChat(service::AgencyService &service, core::TurnRequest base, bool interactive)
        : m_service(service), m_base(std::move(base)), m_interactive(interactive),
          m_conversation(m_base.conversationId)
    {
    }

    void send(const QString &message)
    {
        core::TurnRequest request = m_base;
        request.message = message;
        request.conversationId = m_conversation;
        request.cancel = core::CancelToken::create();
        m_current = request.cancel;
        core::whenFinished(this, m_service.chat(request, [this](const core::TurnEvent &e) { onEvent(e); }),
                           [this](const core::Result<core::TurnResult> &result) { onFinished(result); });
    }

    /// Cancels the running turn; false when none is running.
    bool cancelCurrent()
    {
        if (!m_current)
            return false;
        m_current->cancel();
        return true;
    }

    /// SIGTERM: ends the process. A running turn is cancelled first and the process exits once
    /// it has ended (what it completed stays stored, as with Ctrl-C), so nothing is torn down under
    /// a turn in flight; after `graceMs` it exits regardless.
    void terminate(int graceMs)
    {
        if (!cancelCurrent()) {
            QCoreApplication::exit(ExitInterrupted);
            return;
        }
        m_terminating = true;
        QTimer::singleShot(graceMs, this, [] { QCoreApplication::exit(ExitInterrupted); });
    }

    void startRepl()
    {
        printErr(QStringLiteral("Interactive chat (flow %1, tenant %2). Empty line or Ctrl-D to quit, Ctrl-C "
                                "cancels a reply.\n")
                     .arg(m_base.flowType, m_base.tenantId));
        ReplInput::Handlers handlers;
        handlers.message = [this](const QString &message) {
            if (!m_awaiting.isEmpty())
                return decide(isYes(message));
            printOut(QStringLiteral("agent> "));
            send(message);
        };
        handlers.refused = [this](const core::Error &error) {
            m_exitCode = reportError(error);
            prompt();
        };
        handlers.end = [this] {
            if (!m_awaiting.isEmpty())
                return decide(false); // [y/N]: no answer is a no
            QCoreApplication::exit(m_exitCode);
        };
        m_input = new ReplInput(STDIN_FILENO, core::limits::kMaxContentChars, std::move(handlers), this);
        if (!m_awaiting.isEmpty())
            return askApproval();
        prompt();
    }

    int exitCode() const { return m_exitCode; }

private:
    static bool isYes(const QString &answer)
    {
        const QString a = answer.trimmed().toLower();
        return a == QLatin1String("y") || a == QLatin1String("yes");
    }

    /// The first call that waits: exactly what would be sent, and the question.
    void askApproval()
    {
        printOut(QStringLiteral("\nThis call needs your approval:\n") +
                 describeApproval(m_awaiting.constFirst()) + QStringLiteral("approve? [y/N] "));
        m_input->resume();
    }

    void decide(bool approve)
    {
        const core::ToolApproval approval = m_awaiting.takeFirst();
        const QString id = approval.approvalId.toString(QUuid::WithoutBraces);
        core::AuditEntry actor;
        actor.actorName = QStringLiteral("cli chat");
        auto events = [this](const core::TurnEvent &e) { onEvent(e); };
        auto decided = approve
                           ? m_service.approveToolCall(m_base.tenantId, id, actor, events)
                           : m_service.rejectToolCall(m_base.tenantId, id,
                                                      QStringLiteral("declined in the chat"), actor, events);
        printErr(approve ? QStringLiteral("approved\n") : QStringLiteral("rejected: nothing was sent\n"));
        printOut(QStringLiteral("agent> "));
        core::whenFinished(this, decided, [this](const core::Result<core::ApprovalOutcome> &outcome) {
            if (!outcome)
                return onFinished(core::Result<core::TurnResult>(outcome.error()));
            if (outcome->turn)
                return onFinished(outcome->turn.value());
            if (outcome->turnError)
                return onFinished(core::Result<core::TurnResult>(*outcome->turnError));
            if (!m_awaiting.isEmpty())
                return askApproval();
            prompt(); // other calls of the answer wait elsewhere (decided by someone else)
        });
    }

    void prompt()
    {
        printOut(QStringLiteral("\nyou> "));
        m_input->resume();
    }

    void onEvent(const core::TurnEvent &e)
    {
        // The conversation exists from the turn's first event on: a later message continues it
        // even when this turn fails or is cancelled.
        if (!e.conversationId.isNull())
            m_conversation = e.conversationId;
        switch (e.kind) {
        case core::TurnEvent::Kind::TextDelta:
            printOut(e.text);
            break;
        case core::TurnEvent::Kind::ToolCallStarted:
            printErr(QStringLiteral("\n  [tool] %1 %2\n").arg(e.toolCall.name, e.toolCall.arguments));
            break;
        case core::TurnEvent::Kind::ToolResult: {
            const bool ok = e.toolResult.value(QStringLiteral("success")).toBool();
            printErr(ok ? QStringLiteral("  [tool] %1: ok\n").arg(e.toolCall.name)
                        : QStringLiteral("  [tool] %1 failed: %2\n")
                              .arg(e.toolCall.name, e.toolResult.value(QStringLiteral("error")).toString()));
            break;
        }
        case core::TurnEvent::Kind::ApprovalRequired:
            printErr(QStringLiteral("\n  [approval needed] %1 %2 (approval %3)\n")
                         .arg(e.approval.toolName,
                              QString::fromUtf8(
                                  QJsonDocument(e.approval.arguments).toJson(QJsonDocument::Compact)),
                              e.approval.approvalId.toString(QUuid::WithoutBraces)));
            break;
        case core::TurnEvent::Kind::Started:
        case core::TurnEvent::Kind::Done:
        case core::TurnEvent::Kind::Error:
            break;
        }
    }

    void onFinished(const core::Result<core::TurnResult> &result)
    {
        m_current.reset();
        if (result) {
            m_conversation = result->conversationId;
            m_awaiting = result->approvals;
            if (!result->approvals.isEmpty() && !m_interactive)
                printOut(QStringLiteral("\n") + result->content);
            printOut(QStringLiteral("\n"));
            printErr(QStringLiteral("conversation: %1 (%2, %3 tokens)\n")
                         .arg(result->conversationId.toString(QUuid::WithoutBraces),
                              result->provider + u'/' + result->model)
                         .arg(result->usage.totalTokens));
            m_exitCode = ExitOk;
        } else {
            printOut(QStringLiteral("\n"));
            m_exitCode = reportError(result.error());
            if (!m_conversation.isNull())
                printErr(QStringLiteral("conversation: %1 (kept)\n")
                             .arg(m_conversation.toString(QUuid::WithoutBraces)));
        }
        if (m_terminating) {
            QCoreApplication::exit(ExitInterrupted);
        } else if (m_interactive && !m_input) {
            startRepl();
        } else if (m_interactive && !m_awaiting.isEmpty()) {
            askApproval();
        } else if (m_interactive) {
            prompt();
        } else {
            // Queued: a request refused at once finishes before exec() has started, and an
            // exit() before exec() would be lost.
            const int code = m_exitCode;
            QMetaObject::invokeMethod(
                qApp, [code] { QCoreApplication::exit(code); }, Qt::QueuedConnection);
        }
    }

    service::AgencyService &m_service;
    core::TurnRequest m_base;
    bool m_interactive;
    QUuid m_conversation;
    core::CancelTokenPtr m_current;
    ReplInput *m_input = nullptr;
    QList<core::ToolApproval> m_awaiting; ///< calls of the last answer that wait for approval (REPL)
    int m_exitCode = ExitOk;
    bool m_terminating = false;
};

} // namespace

int runChatCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    const QCommandLineOption tenant(
        QStringLiteral("tenant"), QStringLiteral("Tenant id (created on first use)."), QStringLiteral("id"));
    const QCommandLineOption flow(QStringLiteral("flow"),
                                  QStringLiteral("Flow type, e.g. weather or consulting."),
                                  QStringLiteral("flow"));
    const QCommandLineOption provider(
        QStringLiteral("provider"),
        QStringLiteral("Provider override: demo, openai, mistral, vertex, gemini."), QStringLiteral("name"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model override."),
                                   QStringLiteral("model"));
    const QCommandLineOption conversation(
        QStringLiteral("conversation"), QStringLiteral("Continue this conversation instead of starting one."),
        QStringLiteral("id"));
    const QCommandLineOption interactive(
        QStringLiteral("interactive"),
        QStringLiteral("Chat in a loop (REPL). One line is one message; lines that arrive together "
                       "(a paste) are one message. Empty line or Ctrl-D quits."));
    const QCommandLineOption file(QStringLiteral("file"),
                                  QStringLiteral("Read the message from this file (UTF-8)."),
                                  QStringLiteral("path"));
    const QCommandLineOption turnId(
        QStringLiteral("turn-id"),
        QStringLiteral("This turn's id (a UUID, or any 1 to 255 printable ASCII characters). Running the "
                       "command again with the same id never stores the message twice: it prints the "
                       "stored answer, or waits for or continues that turn. Not with --interactive."),
        QStringLiteral("id"));
    parser.addOptions({tenant, flow, provider, model, conversation, interactive, file, turnId});
    parser.addPositionalArgument(QStringLiteral("message"),
                                 QStringLiteral("What to say; \"-\" reads it from stdin (optional with "
                                                "--interactive or --file). At most 1,000,000 characters."));
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args, QStringLiteral("Chat with an agent; the turn is stored."),
                         &exitCode))
        return exitCode;
    const bool repl = parser.isSet(interactive);
    if (parser.positionalArguments() == QStringList{QStringLiteral("-")} && repl) {
        printErr(QStringLiteral("aiagency chat: \"-\" reads stdin, which --interactive needs for itself\n"));
        return ExitUsage;
    }
    if (!parser.isSet(tenant) || !parser.isSet(flow) ||
        (parser.positionalArguments().isEmpty() && !repl && !parser.isSet(file))) {
        printErr(QStringLiteral("aiagency chat: --tenant, --flow and a message are required\n\n") +
                 usageText(parser, ctx.args.value(0)));
        return ExitUsage;
    }
    QUuid conversationId;
    if (parser.isSet(conversation)) {
        conversationId = QUuid::fromString(parser.value(conversation));
        if (conversationId.isNull()) {
            printErr(QStringLiteral("aiagency chat: --conversation must be a conversation id (UUID)\n"));
            return ExitUsage;
        }
    }
    auto chosenTurnId = core::turnIdFromKey(parser.value(turnId), QStringLiteral("--turn-id"));
    if (!chosenTurnId || (parser.isSet(turnId) && chosenTurnId->isNull())) {
        printErr(QStringLiteral("aiagency chat: --turn-id must be 1 to %1 printable ASCII characters\n")
                     .arg(core::kMaxTurnKeyLength));
        return ExitUsage;
    }
    if (parser.isSet(turnId) && repl) {
        printErr(QStringLiteral(
            "aiagency chat: --turn-id names one turn, so it does not go with --interactive\n"));
        return ExitUsage;
    }
    auto message =
        commandMessage(parser.positionalArguments(), parser.value(file), core::limits::kMaxContentChars);
    if (!message)
        return reportError(message.error());

    auto backend = runtime::Backend::create(ctx.config);
    if (!backend)
        return reportError(backend.error());
    for (const QString &problem : backend.value()->flowProblems())
        printErr(QStringLiteral("warning: flow skipped: %1\n").arg(problem));

    core::TurnRequest base;
    base.tenantId = parser.value(tenant);
    base.flowType = parser.value(flow);
    base.provider = parser.value(provider);
    base.model = parser.value(model);
    base.conversationId = conversationId;
    base.turnId = chosenTurnId.value();
    TerminalChat chat(backend.value()->service(), base, repl);

    // Ctrl-C cancels the reply in progress (the turn ends as cancelled, exit 130, or the REPL goes
    // on); with nothing running it quits at once. SIGTERM quits, after cancelling a running turn.
    handleStopSignals(&chat, [&chat](int signal) {
        if (signal == SIGTERM)
            chat.terminate(5000);
        else if (!chat.cancelCurrent())
            QCoreApplication::exit(ExitInterrupted);
    });
    if (repl) {
        if (!message->isEmpty())
            chat.send(message.value());
        else
            chat.startRepl();
    } else {
        chat.send(message.value());
    }
    const int code = QCoreApplication::exec();
    restoreDefaultSignals();
    // SIGTERM quits with a turn still running: the backend's teardown ends it, and the turn's
    // event handler calls into the chat, so the backend goes first, while the chat exists.
    backend.value().reset();
    return code;
}

} // namespace agency::app
