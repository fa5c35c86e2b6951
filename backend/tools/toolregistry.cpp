#include "toolregistry.h"

#include "core/json.h"
#include "jsonschema.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPromise>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <exception>

Q_LOGGING_CATEGORY(lcTools, "agency.tools")

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

QString ToolResult::content() const
{
    return core::toCompactJsonString(json);
}

ToolResult ToolResult::fromPayload(QJsonObject payload, qint64 elapsedMs)
{
    payload.insert(QStringLiteral("success"), true);
    return ToolResult{std::move(payload), std::nullopt, elapsedMs};
}

ToolResult ToolResult::fromError(const core::Error &error, qint64 elapsedMs)
{
    QJsonObject json{{QStringLiteral("success"), false},
                     {QStringLiteral("error"), error.message},
                     {QStringLiteral("error_code"), error.codeName()}};
    if (!error.details.isEmpty())
        json.insert(QStringLiteral("details"), error.details);
    return ToolResult{std::move(json), error.code, elapsedMs};
}

namespace {

QFuture<ToolResult> readyResult(ToolResult result)
{
    QPromise<ToolResult> promise;
    promise.start();
    promise.addResult(std::move(result));
    promise.finish();
    return promise.future();
}

core::Error unknownTool(const QString &name)
{
    return makeError(ErrorCode::NotFound, QStringLiteral("unknown tool \"%1\"").arg(name),
                     {{QStringLiteral("tool"), name}});
}

/// One running tool call: races the tool's future against the timeout and the caller's
/// cancellation; whichever comes first decides the result. Deletes itself when done.
class PendingCall : public QObject
{
public:
    PendingCall(QString toolName, int timeoutMs, QObject *parent)
        : QObject(parent), m_toolName(std::move(toolName)), m_timeoutMs(timeoutMs)
    {
        m_elapsed.start();
        m_promise.start();
    }

    ~PendingCall() override
    {
        if (!m_done)
            deliver(ToolResult::fromError(
                makeError(ErrorCode::Cancelled, QStringLiteral("tool registry shut down"))));
    }

    QFuture<ToolResult> run(const std::shared_ptr<Tool> &tool, const QJsonObject &arguments,
                            const ToolContext &context, const core::CancelTokenPtr &cancel)
    {
        QFuture<ToolResult> future = m_promise.future();
        if (cancel) {
            cancel->onCancel(this, [this] {
                finish(makeError(ErrorCode::Cancelled, QStringLiteral("tool call cancelled")));
            });
        }
        m_timer.setSingleShot(true);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            finish(makeError(
                ErrorCode::ProviderTimeout,
                QStringLiteral("tool %1 did not finish within %2 ms").arg(m_toolName).arg(m_timeoutMs),
                {{QStringLiteral("timeout_ms"), m_timeoutMs}}));
        });
        m_timer.start(m_timeoutMs);

        core::Async<QJsonObject> toolFuture;
        try {
            toolFuture = tool->execute(arguments, context, m_toolCancel);
        } catch (const std::exception &e) {
            finish(makeError(
                ErrorCode::Internal,
                QStringLiteral("tool %1 failed: %2").arg(m_toolName, QString::fromLocal8Bit(e.what()))));
            return future;
        } catch (...) {
            finish(makeError(ErrorCode::Internal, QStringLiteral("tool %1 failed").arg(m_toolName)));
            return future;
        }
        QObject::connect(&m_watcher, &QFutureWatcherBase::finished, this, [this] {
            const auto f = m_watcher.future();
            if (f.resultCount() == 0) {
                finish(makeError(ErrorCode::Internal,
                                 QStringLiteral("tool %1 finished without a result").arg(m_toolName)));
                return;
            }
            finish(f.result());
        });
        m_watcher.setFuture(toolFuture);
        return future;
    }

private:
    void finish(const Result<QJsonObject> &outcome)
    {
        if (m_done)
            return;
        m_timer.stop();
        const qint64 ms = m_elapsed.elapsed();
        if (outcome) {
            qCDebug(lcTools).noquote() << "tool" << m_toolName << "succeeded in" << ms << "ms";
            deliver(ToolResult::fromPayload(outcome.value(), ms));
        } else {
            // Whatever stopped us, the tool must stop too (abort its requests).
            m_toolCancel->cancel();
            qCInfo(lcTools).noquote()
                << "tool" << m_toolName << "failed after" << ms << "ms:" << outcome.error().toString();
            deliver(ToolResult::fromError(outcome.error(), ms));
        }
        deleteLater();
    }

    void deliver(ToolResult result)
    {
        m_done = true;
        m_promise.addResult(std::move(result));
        m_promise.finish();
    }

    QString m_toolName;
    int m_timeoutMs;
    QElapsedTimer m_elapsed;
    QPromise<ToolResult> m_promise;
    QTimer m_timer;
    QFutureWatcher<Result<QJsonObject>> m_watcher;
    core::CancelTokenPtr m_toolCancel = core::CancelToken::create();
    bool m_done = false;
};

} // namespace

ToolRegistry::ToolRegistry(int defaultTimeoutMs, QObject *parent)
    : QObject(parent), m_defaultTimeoutMs(defaultTimeoutMs > 0 ? defaultTimeoutMs : kDefaultTimeoutMs)
{
}

ToolRegistry::~ToolRegistry()
{
    // Pending calls (our only children) finish with Cancelled while their tools still exist.
    const QObjectList pending = children();
    qDeleteAll(pending);
}

core::Status ToolRegistry::add(std::shared_ptr<Tool> tool)
{
    if (!tool)
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("null tool"));
    static const QRegularExpression validName(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    const QString name = tool->name();
    if (!validName.match(name).hasMatch())
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("invalid tool name \"%1\": use 1-64 of A-Z a-z 0-9 _ -").arg(name));
    if (auto schemaOk = JsonSchema::checkSchema(tool->parameters()); !schemaOk)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("tool %1: %2").arg(name, schemaOk.error().message));
    if (m_tools.contains(name))
        return makeError(ErrorCode::Conflict, QStringLiteral("tool %1 is already registered").arg(name));
    m_tools.insert(name, std::move(tool));
    return {};
}

std::shared_ptr<Tool> ToolRegistry::find(const QString &name) const
{
    return m_tools.value(name);
}

QStringList ToolRegistry::names() const
{
    QStringList list = m_tools.keys();
    std::sort(list.begin(), list.end());
    return list;
}

QList<core::ToolDefinition> ToolRegistry::definitions() const
{
    QList<core::ToolDefinition> list;
    const QStringList sorted = names();
    for (const QString &name : sorted)
        list.append(m_tools.value(name)->definition());
    return list;
}

Result<QList<core::ToolDefinition>> ToolRegistry::definitions(const QStringList &wanted) const
{
    QList<core::ToolDefinition> list;
    for (const QString &name : wanted) {
        const auto tool = find(name);
        if (!tool)
            return unknownTool(name);
        list.append(tool->definition());
    }
    return list;
}

Result<QJsonObject> ToolRegistry::validateArguments(const QString &name,
                                                    const QString &rawJsonArguments) const
{
    if (!m_tools.contains(name))
        return unknownTool(name);
    // Some models send "" for a call without arguments.
    if (rawJsonArguments.trimmed().isEmpty())
        return validateArguments(name, QJsonObject());
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(rawJsonArguments.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("arguments are not valid JSON: %1 at offset %2")
                             .arg(parseError.errorString())
                             .arg(parseError.offset),
                         {{QStringLiteral("offset"), parseError.offset}});
    }
    if (!doc.isObject())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("arguments must be a JSON object"));
    return validateArguments(name, doc.object());
}

Result<QJsonObject> ToolRegistry::validateArguments(const QString &name, const QJsonObject &arguments) const
{
    const auto tool = find(name);
    if (!tool)
        return unknownTool(name);
    auto checked = JsonSchema::validate(arguments, tool->parameters());
    if (!checked)
        return checked.error();
    return checked.value().toObject();
}

QFuture<ToolResult> ToolRegistry::execute(const QString &name, const QJsonObject &arguments,
                                          const core::CancelTokenPtr &cancel, int timeoutMs,
                                          const ToolContext &context)
{
    const auto tool = find(name);
    if (!tool)
        return readyResult(ToolResult::fromError(unknownTool(name)));
    auto validated = validateArguments(name, arguments);
    if (!validated)
        return readyResult(ToolResult::fromError(validated.error()));
    return start(tool, validated.value(), cancel, timeoutMs, context);
}

QFuture<ToolResult> ToolRegistry::executeCall(const core::ToolCall &call, const core::CancelTokenPtr &cancel,
                                              int timeoutMs, const ToolContext &context)
{
    auto validated = validateArguments(call.name, call.arguments);
    if (!validated)
        return readyResult(ToolResult::fromError(validated.error()));
    return start(find(call.name), validated.value(), cancel, timeoutMs, context);
}

QFuture<ToolResult> ToolRegistry::start(const std::shared_ptr<Tool> &tool, const QJsonObject &validated,
                                        const core::CancelTokenPtr &cancel, int timeoutMs,
                                        const ToolContext &context)
{
    if (cancel && cancel->isCancelled())
        return readyResult(
            ToolResult::fromError(makeError(ErrorCode::Cancelled, QStringLiteral("tool call cancelled"))));
    auto *call = new PendingCall(tool->name(), timeoutMs > 0 ? timeoutMs : m_defaultTimeoutMs, this);
    return call->run(tool, validated, context, cancel);
}

} // namespace agency::tools
