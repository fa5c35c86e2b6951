// `aiagency complete`: one message to one provider, answer on stdout — to check a key or a local
// server from a terminal. Needs no database.
#include "commands.h"
#include "messageinput.h"
#include "signalhandler.h"

#include "core/clock.h"
#include "core/limits.h"
#include "llm/providerfactory.h"
#include "runtime/providerruntime.h"

#include <QCoreApplication>
#include <QFutureWatcher>

#include <csignal>

namespace agency::app {

namespace {

QString usageLine(const llm::Completion &c)
{
    return QStringLiteral("provider: %1  model: %2  finish: %3  tokens: prompt %4, completion %5, total %6\n")
        .arg(c.provider, c.model, c.finishReason)
        .arg(c.usage.promptTokens)
        .arg(c.usage.completionTokens)
        .arg(c.usage.totalTokens);
}

int listProviders(const llm::ProviderFactory &factory)
{
    QString out;
    const QString defaultName = factory.defaultProvider();
    for (const core::ProviderInfo &info : factory.providers()) {
        QString state =
            info.configured ? QStringLiteral("configured") : QStringLiteral("needs ") + info.missingSetting;
        out += QStringLiteral("%1 %2  %3  model %4  (%5)\n")
                   .arg(info.name == defaultName ? QStringLiteral("*") : QStringLiteral(" "))
                   .arg(info.name, -8)
                   .arg(info.displayName, -26)
                   .arg(info.defaultModel, state);
    }
    printOut(out);
    return ExitOk;
}

} // namespace

int runCompleteCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("message"),
                                 QStringLiteral("The message to send (words are joined; \"-\" reads stdin)."),
                                 QStringLiteral("MESSAGE..."));
    const QCommandLineOption providerOption(
        {QStringLiteral("p"), QStringLiteral("provider")},
        QStringLiteral("demo | openai | mistral | vertex | gemini (default: LLM_PROVIDER)."),
        QStringLiteral("name"));
    const QCommandLineOption modelOption(
        {QStringLiteral("m"), QStringLiteral("model")},
        QStringLiteral("Model (default: LLM_MODEL or the provider's *_MODEL)."), QStringLiteral("model"));
    const QCommandLineOption streamOption(QStringLiteral("stream"),
                                          QStringLiteral("Print the answer as it arrives."));
    const QCommandLineOption systemOption(QStringLiteral("system"), QStringLiteral("A system prompt."),
                                          QStringLiteral("text"));
    const QCommandLineOption temperatureOption(QStringLiteral("temperature"),
                                               QStringLiteral("Sampling temperature."), QStringLiteral("t"));
    const QCommandLineOption maxTokensOption(QStringLiteral("max-tokens"),
                                             QStringLiteral("Upper bound on the answer's tokens."),
                                             QStringLiteral("n"));
    const QCommandLineOption verboseOption(
        QStringLiteral("verbose"),
        QStringLiteral("Print provider, model, finish reason and usage to stderr."));
    const QCommandLineOption listOption(
        QStringLiteral("list"), QStringLiteral("List the providers and whether they are configured."));
    parser.addOptions({providerOption, modelOption, streamOption, systemOption, temperatureOption,
                       maxTokensOption, verboseOption, listOption});
    int exitCode = ExitOk;
    if (!parseSubcommand(parser, ctx.args,
                         QStringLiteral("Send one message to an LLM provider and print the answer."),
                         &exitCode))
        return exitCode;

    // The program's provider wiring (network lanes, factory), without the rest of the backend.
    const core::SystemClock clock;
    runtime::ProviderRuntime providers(ctx.config, nullptr, clock);
    if (parser.isSet(listOption))
        return listProviders(providers.factory());

    auto read = commandMessage(parser.positionalArguments(), {}, core::limits::kMaxContentChars);
    if (!read)
        return reportError(read.error());
    const QString message = read.value();
    if (message.trimmed().isEmpty()) {
        printErr(QStringLiteral("aiagency complete: a MESSAGE is required\n\n") +
                 usageText(parser, ctx.args.value(0)));
        return ExitUsage;
    }

    llm::CompletionRequest request;
    if (parser.isSet(systemOption))
        request.messages.append(
            core::ChatMessage{core::Role::System, parser.value(systemOption), {}, {}, {}});
    request.messages.append(core::ChatMessage{core::Role::User, message, {}, {}, {}});
    if (parser.isSet(temperatureOption)) {
        bool ok = false;
        request.temperature = parser.value(temperatureOption).toDouble(&ok);
        if (!ok) {
            printErr(QStringLiteral("aiagency complete: --temperature expects a number\n"));
            return ExitUsage;
        }
    }
    if (parser.isSet(maxTokensOption)) {
        bool ok = false;
        request.maxTokens = parser.value(maxTokensOption).toInt(&ok);
        if (!ok || *request.maxTokens <= 0) {
            printErr(QStringLiteral("aiagency complete: --max-tokens expects a positive integer\n"));
            return ExitUsage;
        }
    }

    auto provider = providers.provider(parser.value(providerOption), parser.value(modelOption));
    if (!provider)
        return reportError(provider.error());

    const bool stream = parser.isSet(streamOption);
    auto streamedText = std::make_shared<bool>(false);
    llm::CallOptions options;
    options.cancel = core::CancelToken::create();
    if (stream) {
        options.onDelta = [streamedText](const llm::Delta &delta) {
            if (!delta.text.isEmpty()) {
                *streamedText = true;
                printOut(delta.text);
            }
        };
    }

    QFutureWatcher<core::Result<llm::Completion>> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &watcher, [&] {
        const core::Result<llm::Completion> result = watcher.result();
        if (!result) {
            if (*streamedText)
                printOut(QStringLiteral("\n"));
            QCoreApplication::exit(reportError(result.error()));
            return;
        }
        const llm::Completion &c = result.value();
        QString out = stream ? QString() : c.content;
        if (!c.content.isEmpty() && !c.content.endsWith(u'\n'))
            out += u'\n';
        for (const core::ToolCall &call : c.toolCalls)
            out += QStringLiteral("[tool call %1] %2 %3\n").arg(call.id, call.name, call.arguments);
        printOut(out);
        if (parser.isSet(verboseOption))
            printErr(usageLine(c));
        QCoreApplication::exit(ExitOk);
    });
    // Ctrl-C cancels the call (the HTTP request is aborted), which then ends as Cancelled: exit 130.
    // SIGTERM, or a second Ctrl-C, does not wait for that.
    const core::CancelTokenPtr cancel = options.cancel;
    handleStopSignals(&watcher, [cancel](int signal) {
        if (signal == SIGTERM || cancel->isCancelled())
            QCoreApplication::exit(ExitInterrupted);
        cancel->cancel();
    });
    watcher.setFuture(provider.value()->complete(request, options));
    const int code = QCoreApplication::exec();
    restoreDefaultSignals();
    return code;
}

} // namespace agency::app
