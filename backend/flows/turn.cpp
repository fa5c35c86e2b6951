#include "turn.h"

#include "citations.h"
#include "core/async/dbretry.h"
#include "core/citationjson.h"
#include "core/text.h"
#include "core/tokenestimate.h"
#include "core/validation.h"
#include "db/conversationrepository.h"
#include "db/records.h"
#include "historywindow.h"
#include "llm/provider.h"
#include "tools/jsonschema.h"
#include "tools/toolregistry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcTurn, "agency.turn")

namespace agency::flows {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

QString titleFrom(const QString &message)
{
    return core::truncateGraphemes(message.simplified(), TurnEngine::kTitleChars);
}

/// A refusal by the limiter says what the turn asked for: a tokens-per-minute override below the
/// answer allowance (1,000 when the flow sets no max_tokens) refuses every call, which the bare
/// numbers do not make obvious.
core::Error explainReservation(core::Error error, qint64 estimate, qint64 answerAllowance, bool flowDefault)
{
    if (error.code != ErrorCode::RateLimited && error.code != ErrorCode::PayloadTooLarge)
        return error;
    if (error.details.value(QStringLiteral("reason")).toString() == QLatin1String("budget"))
        return error; // a money budget: the token arithmetic does not apply
    error.message += QStringLiteral(" (each call reserves its prompt, about %1 tokens, plus %2 tokens for "
                                    "the answer: %3; a tokens-per-minute limit must leave room for both)")
                         .arg(estimate - answerAllowance)
                         .arg(answerAllowance)
                         .arg(flowDefault ? QStringLiteral("the default when the flow sets no max_tokens")
                                          : QStringLiteral("the flow's max_tokens"));
    error.details.insert(QStringLiteral("reserved_answer_tokens"), answerAllowance);
    return error;
}

/// A database outage outlasted the retries: say plainly what was not stored, or that it cannot be
/// known (a COMMIT was sent and never answered; the write is found by its turn id if sent again).
core::Error notStored(const core::Error &error, const QString &what, bool mayBeStored)
{
    if (error.code != ErrorCode::DatabaseUnavailable)
        return error;
    core::Error plain = error;
    if (mayBeStored) {
        plain.message = QStringLiteral("%1 may have been stored (the database stopped answering while "
                                       "it was being committed): %2")
                            .arg(what, error.message);
        plain.details.insert(QStringLiteral("may_be_stored"), true);
        return plain;
    }
    plain.message = QStringLiteral("%1 was not stored: %2").arg(what, error.message);
    plain.details.insert(QStringLiteral("stored"), false);
    return plain;
}

core::Error turnStillRunning(const QUuid &conversationId)
{
    const QString id = conversationId.toString(QUuid::WithoutBraces);
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("this turn is still being answered in conversation %1; send it again "
                                    "when it is finished to get its answer")
                         .arg(id),
                     {{QStringLiteral("reason"), QStringLiteral("turn_in_progress")},
                      {QStringLiteral("conversation_id"), id}});
}

/// The tool rounds among a turn's stored messages (assistant messages with tool calls).
int toolRoundsOf(const QList<core::Message> &messages)
{
    return static_cast<int>(std::count_if(messages.cbegin(), messages.cend(), [](const core::Message &m) {
        return m.role == core::Role::Assistant && !m.toolCalls.isEmpty();
    }));
}

core::Usage usageFrom(const QJsonObject &json)
{
    core::Usage usage;
    usage.promptTokens = json.value(QStringLiteral("prompt_tokens")).toInteger();
    usage.completionTokens = json.value(QStringLiteral("completion_tokens")).toInteger();
    usage.totalTokens = json.value(QStringLiteral("total_tokens")).toInteger();
    return usage;
}

bool isTurnInProgress(const core::Error &error)
{
    return error.code == ErrorCode::Conflict &&
           error.details.value(QStringLiteral("reason")).toString() == QLatin1String("turn_in_progress");
}

QJsonObject usageJson(const core::Usage &usage)
{
    return {{QStringLiteral("prompt_tokens"), usage.promptTokens},
            {QStringLiteral("completion_tokens"), usage.completionTokens},
            {QStringLiteral("total_tokens"), usage.totalTokens}};
}

/// A response format's schema must be one the answer can be checked against.
core::Status checkResponseFormat(const core::ResponseFormat &format)
{
    if (format.kind != core::ResponseFormat::Kind::JsonSchema)
        return {};
    auto ok = tools::JsonSchema::checkSchema(format.schema);
    if (ok)
        return {};
    core::Error error = ok.error();
    error.message = QStringLiteral("response_format: the JSON schema cannot be used: ") + error.message;
    error.details.insert(QStringLiteral("field"), QStringLiteral("response_format"));
    return error;
}

/// The final answer against the response format the request asked for. A model that ignored it
/// (or a provider that could not enforce it) is an unusable answer, not a success.
core::Status checkAnswer(const core::ResponseFormat &format, const QString &answer)
{
    if (!format.isJson())
        return {};
    QJsonParseError parseError;
    // Wrapped, so a schema whose root is not an object still parses.
    const QJsonDocument doc = QJsonDocument::fromJson("[" + answer.toUtf8() + "]", &parseError);
    const auto unusable = [](const QString &why) {
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("the model's answer does not follow the response format: ") + why,
                         {{QStringLiteral("reason"), QStringLiteral("response_format")}});
    };
    if (parseError.error != QJsonParseError::NoError || doc.array().size() != 1)
        return unusable(QStringLiteral("it is not JSON"));
    const QJsonValue value = doc.array().first();
    if (format.kind == core::ResponseFormat::Kind::JsonObject) {
        if (!value.isObject())
            return unusable(QStringLiteral("it is not a JSON object"));
        return {};
    }
    auto valid = tools::JsonSchema::validate(value, format.schema);
    if (!valid)
        return unusable(valid.error().message);
    return {};
}

} // namespace

Turn::Turn(const TurnDependencies &deps, core::TurnRequest request, core::TurnEventHandler onEvent,
           QObject *parent)
    : QObject(parent), m_deps(deps), m_request(std::move(request)), m_onEvent(std::move(onEvent))
{
    if (!m_request.cancel)
        m_request.cancel = core::CancelToken::create();
    m_clientTurnId = !m_request.turnId.isNull();
    m_lease.turnId = m_clientTurnId ? m_request.turnId : QUuid::createUuid();
    m_lease.leaseMs = m_deps.options.leaseMs;
}

template <typename T>
void Turn::databaseStep(std::function<core::Async<T>()> attempt, std::function<void(const Result<T> &)> step,
                        int retryMs)
{
    core::DbRetryPolicy policy;
    policy.retryMs = retryMs < 0 ? m_deps.options.dbRetryMs : retryMs;
    policy.attemptTimeoutMs = m_deps.options.dbStepTimeoutMs;
    core::retryDatabaseStep<T>(this, policy, std::move(attempt), std::move(step), m_request.cancel);
}

template <typename T>
void Turn::writeStep(std::function<core::Async<T>(const core::CommitGatePtr &)> attempt,
                     std::function<void(const Result<T> &, bool mayBeStored)> step)
{
    auto gates = std::make_shared<QList<core::CommitGatePtr>>();
    databaseStep<T>(
        [attempt, gates] {
            auto gate = std::make_shared<core::CommitGate>();
            gates->append(gate);
            return attempt(gate);
        },
        [step, gates](const Result<T> &result) {
            // The turn moves on: an attempt still queued or in flight must not commit later.
            bool mayBeStored = false;
            for (const core::CommitGatePtr &gate : *gates)
                mayBeStored = gate->abandon() || mayBeStored;
            step(result, mayBeStored);
        });
}

db::TurnWrite Turn::nextWrite(bool release) const
{
    db::TurnWrite write;
    write.lease = m_lease;
    write.storedBefore = m_stored;
    write.messageCountBefore = m_messageCount;
    write.release = release;
    return write;
}

void Turn::startLeaseRenewal()
{
    m_renewTimer = new QTimer(this);
    m_renewTimer->setInterval(std::max(500, m_lease.leaseMs / 3));
    connect(m_renewTimer, &QTimer::timeout, this, [this] {
        if (!m_leaseHeld)
            return;
        // Every write renews the lease too; this covers long provider calls and tools. A lease
        // lost meanwhile (the database was out longer than the lease) makes the next write fail
        // with Conflict rather than interleave with the turn that took over.
        databaseStep<bool>(
            [this] {
                return m_deps.conversations->renewTurnLease(m_request.tenantId, m_result.conversationId,
                                                            m_lease);
            },
            [](const Result<bool> &) {}, 0);
    });
    m_renewTimer->start();
}

void Turn::releaseLease()
{
    if (m_renewTimer)
        m_renewTimer->stop();
    if (!m_leaseHeld)
        return;
    m_leaseHeld = false;
    // Best effort: if it does not reach the database, the lease expires on its own.
    (void)m_deps.conversations->releaseTurnLease(m_request.tenantId, m_result.conversationId, m_lease);
}

core::Async<core::TurnResult> Turn::start()
{
    m_promise.start();
    // The turn begins on the next pass of the event loop, so its future never finishes (nor an
    // event fires) inside run(): a caller may attach continuations and handlers, or start its
    // event loop, after run() returned. (A continuation attached to an already finished future
    // runs at once, e.g. before QCoreApplication::exec() could see an exit().)
    QMetaObject::invokeMethod(this, &Turn::begin, Qt::QueuedConnection);
    return m_promise.future();
}

void Turn::begin()
{
    if (m_request.resume && m_request.turnId.isNull()) {
        fail(makeError(ErrorCode::InvalidArgument, QStringLiteral("a continued turn names the paused turn")));
        return;
    }
    if (m_request.resume) {
        // No new message: the paused turn's own goes on.
    } else if (m_request.message.trimmed().isEmpty()) {
        fail(makeError(ErrorCode::InvalidArgument, QStringLiteral("message: must not be empty"),
                       {{QStringLiteral("field"), QStringLiteral("message")}}));
        return;
    }
    // Checked here as the repository would, so a message that cannot be stored never leaves an
    // empty conversation behind.
    if (auto ok = m_request.resume ? core::Status{} : core::validateContent(m_request.message); !ok) {
        core::Error error = ok.error();
        error.message.replace(QStringLiteral("content:"), QStringLiteral("message:"));
        error.details.insert(QStringLiteral("field"), QStringLiteral("message"));
        fail(error);
        return;
    }
    auto flow = m_deps.flows->find(m_request.flowType);
    if (!flow) {
        fail(makeError(ErrorCode::NotFound,
                       QStringLiteral("flow \"%1\" does not exist").arg(m_request.flowType),
                       {{QStringLiteral("flow_type"), m_request.flowType}}));
        return;
    }
    m_flow = *flow;
    if (auto ok = checkResponseFormat(m_request.responseFormat); !ok) {
        fail(ok.error());
        return;
    }
    // The route (docs/design.md#providers): a provider or model named by the request pins one
    // target; otherwise the first level naming a route or a provider decides: the request's route
    // (a run's), the flow's, the tenant's, then LLM_ROUTE, then LLM_PROVIDER alone.
    const bool pinned = !m_request.provider.trimmed().isEmpty() || !m_request.model.trimmed().isEmpty();
    for (const QString &text : {m_request.route, m_flow.route}) {
        if (pinned || text.trimmed().isEmpty())
            continue;
        auto route = core::Route::parse(text);
        if (!route)
            return fail(route.error());
        return useRoute(route.value());
    }
    const bool flowNamesTarget = !m_flow.provider.isEmpty() || !m_flow.model.isEmpty();
    const ProviderChoice choice =
        chooseProvider({{m_request.provider, m_request.model}, {m_flow.provider, m_flow.model}});
    const auto deploymentOr = [this, pinned, flowNamesTarget](const ProviderChoice &chosen) {
        if (!pinned && !flowNamesTarget && chosen.provider.isEmpty() && chosen.model.isEmpty() &&
            !m_deps.defaultRoute.isEmpty())
            return useRoute(m_deps.defaultRoute);
        useProvider(chosen);
    };
    // The tenant's settings matter only when the request and the flow leave something open.
    if (!m_deps.tenantSettings || (!choice.provider.isEmpty() && !choice.model.isEmpty()))
        return deploymentOr(choice);
    auto withSettings = [this, pinned, flowNamesTarget, deploymentOr](const Result<QJsonObject> &settings) {
        if (!settings)
            return fail(settings.error());
        const QString tenantRoute = settings->value(QStringLiteral("route")).toString();
        if (!pinned && !flowNamesTarget && !tenantRoute.trimmed().isEmpty()) {
            auto route = core::Route::parse(tenantRoute);
            if (!route)
                return fail(route.error());
            return useRoute(route.value());
        }
        const ProviderChoice::Level tenant{settings->value(QStringLiteral("provider")).toString(),
                                           settings->value(QStringLiteral("model")).toString()};
        deploymentOr(
            chooseProvider({{m_request.provider, m_request.model}, {m_flow.provider, m_flow.model}, tenant}));
    };
    const core::Async<QJsonObject> settings = m_deps.tenantSettings(m_request.tenantId);
    if (settings.isFinished() && settings.resultCount() > 0) // cached: no event-loop pass
        return withSettings(settings.result());
    then(settings, withSettings);
}

void Turn::useProvider(const ProviderChoice &choice)
{
    core::Route route;
    route.targets.append(core::RouteTarget{choice.provider, choice.model, 0});
    useRoute(route);
}

core::CapabilityNeeds Turn::needs(qint64 tokens) const
{
    core::CapabilityNeeds needs;
    needs.tools = !m_toolDefinitions.isEmpty();
    needs.streaming = static_cast<bool>(m_onEvent);
    needs.jsonSchema = m_request.responseFormat.isJson();
    needs.tokens = tokens;
    return needs;
}

bool Turn::planCall(qint64 promptTokens)
{
    core::Route route = m_route;
    // A turn that needs no tools and fits the flow's threshold tries the route's small model
    // first; the route itself stays behind it as the fallback.
    if (route.small && m_flow.smallMaxTokens > 0 && m_toolDefinitions.isEmpty() &&
        promptTokens <= m_flow.smallMaxTokens)
        route.targets.prepend(*route.small);
    auto planned = m_deps.router->plan(
        route, needs(promptTokens + m_flow.maxTokens.value_or(TurnEngine::kDefaultMaxTokens)));
    if (!planned) {
        core::Error error = planned.error();
        if (error.details.value(QStringLiteral("capability")).toString() ==
            QLatin1String("JSON schema output"))
            error.details.insert(QStringLiteral("field"), QStringLiteral("response_format"));
        fail(error);
        return false;
    }
    m_candidates = planned.value();
    m_providerName = m_candidates.constFirst().target.provider;
    return true;
}

void Turn::useRoute(const core::Route &route)
{
    if (cancelled())
        return;
    m_route = route;
    if (!m_deps.offeredTools || m_flow.tools.isEmpty())
        return useTools(m_flow.tools);
    then(m_deps.offeredTools(m_request.tenantId, m_flow.tools), [this](const Result<QStringList> &offered) {
        if (cancelled())
            return;
        // Not knowing is no reason to fail the turn: offer the flow's tools as written.
        useTools(offered ? offered.value() : m_flow.tools);
    });
}

bool Turn::planRoute()
{
    // Planned once before anything is stored, without the prompt's size (not known yet): a route
    // none of whose targets can serve the turn fails it here. Each call plans again.
    if (!planCall(0))
        return false;
    m_model = m_candidates.constFirst().target.model;
    m_result.provider = m_providerName;
    core::Route shown = m_route;
    if (shown.targets.size() == 1) // a pinned or default target: name what it resolved to
        shown.targets.first() = m_candidates.constFirst().target;
    m_result.route = shown.toString();
    return true;
}

void Turn::useTools(const QStringList &names)
{
    if (!m_deps.extraTools)
        return offerTools(names, {});
    then(m_deps.extraTools(m_request.tenantId, m_flow),
         [this, names](const QList<std::shared_ptr<tools::Tool>> &extra) {
             if (cancelled())
                 return;
             offerTools(names, extra);
         });
}

void Turn::offerTools(const QStringList &names, const QList<std::shared_ptr<tools::Tool>> &extra)
{
    auto known = m_deps.tools->definitions(names);
    if (!known) {
        fail(known.error());
        return;
    }
    QList<core::ToolDefinition> definitions = known.value();
    m_tools = m_deps.tools;
    if (!extra.isEmpty()) {
        // The flow's tools are shared with the engine's registry; the extra ones exist for turns
        // like this one, so they go into a registry of the turn's own.
        m_tools = new tools::ToolRegistry(m_deps.tools->defaultTimeoutMs(), this);
        for (const QString &name : names) {
            if (auto added = m_tools->add(m_deps.tools->find(name)); !added) // a name listed twice
                qCDebug(lcTurn).noquote() << added.error().message;
        }
        for (const auto &tool : extra) {
            if (auto added = m_tools->add(tool); !added) {
                qCWarning(lcTurn).noquote() << "tool left out of the turn:" << added.error().message;
                continue;
            }
            m_extraTools.insert(tool->name());
            definitions.append(tool->definition());
        }
    }
    m_toolDefinitions = definitions;
    if (!planRoute())
        return;
    // Cancellation reaches provider and tool calls through the token; database steps are short
    // and the turn stops right after the one in flight (see cancelled()).
    openTurn();
}

bool Turn::cancelled()
{
    if (!m_request.cancel->isCancelled())
        return false;
    fail(makeError(ErrorCode::Cancelled, QStringLiteral("the turn was cancelled")));
    return true;
}

void Turn::emitStarted(qint64 userMessageId)
{
    core::TurnEvent started;
    started.kind = core::TurnEvent::Kind::Started;
    started.messageId = userMessageId;
    emitEvent(started);
}

void Turn::emitEvent(core::TurnEvent event)
{
    event.conversationId = m_result.conversationId;
    if (m_onEvent)
        m_onEvent(event);
}

void Turn::fail(const core::Error &error)
{
    if (m_state == State::Done || m_state == State::Failed)
        return;
    m_state = State::Failed;
    releaseLease();
    core::TurnEvent event;
    event.kind = core::TurnEvent::Kind::Error;
    event.error = error;
    event.round = m_result.providerCalls;
    emitEvent(event);
    m_promise.addResult(Result<core::TurnResult>(error));
    m_promise.finish();
    deleteLater();
}

void Turn::finish()
{
    m_state = State::Done;
    releaseLease(); // released by the final write already: this stops the renewals
    core::TurnEvent event;
    event.kind = core::TurnEvent::Kind::Done;
    event.text = m_result.content;
    event.round = m_result.providerCalls;
    emitEvent(event);
    m_promise.addResult(Result<core::TurnResult>(m_result));
    m_promise.finish();
    deleteLater();
}

void Turn::openTurn()
{
    m_state = State::Opening;
    if (cancelled())
        return;
    if (!m_waitingSince.isValid())
        m_waitingSince.start();
    // A turn id from the client may name a turn sent before (its answer lost to the client, or
    // its outcome unclear): that turn is returned or continued, its message never stored twice.
    if (m_clientTurnId)
        return refuseWhileAwaitingApproval(m_request.conversationId, [this] { lookUpTurn(); });
    refuseWhileAwaitingApproval(m_request.conversationId, [this] { openNewTurn(); });
}

bool Turn::waitForOtherTurn(void (Turn::*retry)())
{
    if (m_waitingSince.elapsed() >= m_deps.options.waitForTurnMs)
        return false;
    // Another turn is writing this conversation: poll for its end (it may be in another process,
    // so there is nothing to wait on but the row).
    const qint64 left = m_deps.options.waitForTurnMs - m_waitingSince.elapsed();
    const int wait = static_cast<int>(std::min<qint64>(left, m_waitBackoffMs));
    m_waitBackoffMs = std::min(m_waitBackoffMs * 2, 400);
    QTimer::singleShot(wait, this, retry);
    return true;
}

void Turn::lookUpTurn()
{
    if (cancelled())
        return;
    databaseStep<db::StoredTurn>(
        [this] { return m_deps.conversations->findTurn(m_request.tenantId, m_lease.turnId); },
        [this](const Result<db::StoredTurn> &found) {
            if (!found)
                return fail(notStored(found.error(), QStringLiteral("your message"), false));
            if (cancelled())
                return;
            if (!found->found && m_request.resume)
                return fail(makeError(ErrorCode::NotFound, QStringLiteral("the paused turn was not found")));
            if (!found->found)
                return openNewTurn();
            foundTurn(found.value());
        });
}

void Turn::foundTurn(const db::StoredTurn &stored)
{
    // The same id with another message, flow or conversation is a client's mistake, not a resend.
    const bool sameConversation =
        m_request.conversationId.isNull() || m_request.conversationId == stored.conversationId;
    const bool sameMessage = m_request.resume || stored.userMessage == m_request.message;
    if (stored.flowType != m_flow.flowType || !sameConversation || !sameMessage) {
        fail(makeError(ErrorCode::Conflict,
                       QStringLiteral("turn id %1 was already used for another message; use a new id for "
                                      "a new message")
                           .arg(m_lease.turnId.toString(QUuid::WithoutBraces)),
                       {{QStringLiteral("reason"), QStringLiteral("turn_id_reused")},
                        {QStringLiteral("turn_id"), m_lease.turnId.toString(QUuid::WithoutBraces)}}));
        return;
    }
    m_result.conversationId = stored.conversationId;
    if (stored.answered())
        return returnStoredAnswer(stored);
    if (stored.running) {
        if (!waitForOtherTurn(&Turn::lookUpTurn))
            fail(turnStillRunning(stored.conversationId));
        return;
    }
    // A paused turn sent again (the same turn id) waits for its decisions like a new message.
    refuseWhileAwaitingApproval(stored.conversationId, [this, stored] { resumeTurn(stored); });
}

void Turn::returnStoredAnswer(const db::StoredTurn &stored)
{
    const core::Message &answer = stored.messages.constLast();
    m_result.messages = stored.messages;
    m_result.content = answer.content;
    m_result.finishReason = answer.metadata.value(QStringLiteral("finish_reason")).toString();
    m_result.provider = answer.metadata.value(QStringLiteral("provider")).toString();
    m_result.model = answer.metadata.value(QStringLiteral("model")).toString();
    m_result.usage = usageFrom(answer.metadata.value(QStringLiteral("turn_usage")).toObject());
    m_result.toolRounds = toolRoundsOf(stored.messages);
    emitStarted(stored.messages.constFirst().id);
    // A streaming client sees the answer as it would have streamed.
    core::TurnEvent text;
    text.kind = core::TurnEvent::Kind::TextDelta;
    text.text = answer.content;
    text.round = m_result.toolRounds + 1;
    emitEvent(text);
    finish();
}

void Turn::resumeTurn(const db::StoredTurn &stored)
{
    db::TurnOpenRequest open;
    open.tenantId = m_request.tenantId;
    open.flowType = m_flow.flowType;
    open.conversationId = stored.conversationId;
    open.historyLimit = m_flow.historyWindow;
    open.lease = m_lease;
    writeStep<db::TurnOpening>(
        [this, open](const core::CommitGatePtr &gate) {
            db::TurnOpenRequest gated = open;
            gated.gate = gate;
            return m_deps.conversations->resumeTurn(gated);
        },
        [this, stored](const Result<db::TurnOpening> &result, bool) {
            if (!result) {
                if (isTurnInProgress(result.error()) && waitForOtherTurn(&Turn::lookUpTurn))
                    return;
                return fail(result.error()); // the message is stored already: nothing to say about it
            }
            m_leaseHeld = true;
            if (cancelled())
                return;
            m_stored = result->storedByTurn;
            m_messageCount = result->messageCount;
            m_result.messages = stored.messages;
            m_result.toolRounds = toolRoundsOf(stored.messages);
            startLeaseRenewal();
            for (const core::Message &m : result->history + stored.messages) {
                for (const core::ToolCall &call : m.toolCalls)
                    m_toolCallIds.insert(call.id);
            }
            emitStarted(stored.messages.constFirst().id);
            if (m_request.resume)
                return storeDecidedCalls(result->history, stored);
            m_messages = buildPromptMessages(m_flow.systemPrompt, result->history);
            reserveTokens();
        });
}

void Turn::openNewTurn()
{
    db::TurnOpenRequest open;
    open.tenantId = m_request.tenantId;
    open.flowType = m_flow.flowType;
    open.create = m_request.conversationId.isNull();
    if (open.create && m_newConversationId.isNull())
        m_newConversationId = QUuid::createUuid(); // the same id on every retry: created once
    open.conversationId = open.create ? m_newConversationId : m_request.conversationId;
    open.title = titleFrom(m_request.message);
    open.userMessage = m_request.message;
    open.historyLimit = m_flow.historyWindow;
    open.lease = m_lease;
    // The opening commits without waiting for its disk flush (one flush fewer per turn,
    // the biggest single cost of a turn alone). Why no guarantee is lost:
    // - It is committed, hence visible to every reader and to this turn's next write, before the
    //   provider is called; only its durability is deferred.
    // - Nothing is reported as stored on the strength of it: a client without events gets the answer only
    // after
    //   the turn's final write (and a tool round's write) commits with a flush, and that flush
    //   writes the WAL up to that commit, which holds this earlier one (one WAL sequence,
    //   whatever the connection). Anything answered is therefore durable with its question.
    // - A crash before then loses at most this opening: a request never answered. The turn then
    //   fails, since its next write needs the conversation (not found) and the message count it
    //   saw (lease lost), and the conversation is as it was before the turn. PostgreSQL's WAL
    //   writer flushes it within about 3 × wal_writer_delay (600 ms) anyway.
    // A failed turn keeps its question like before, durable by then unless the crash came first.
    // tests/flows/test_turncrash.cpp kills the server at these points.
    // Except for a turn whose events are watched (a stream, the console): its first event names
    // the conversation, so the opening must be on disk before that event can leave.
    open.deferFlush = !m_onEvent;
    // One round trip: a conversation of another tenant or flow is NotFound and nothing is stored;
    // otherwise the lease is taken and the user message committed before the provider is called.
    writeStep<db::TurnOpening>(
        [this, open](const core::CommitGatePtr &gate) {
            db::TurnOpenRequest gated = open;
            gated.gate = gate;
            return m_deps.conversations->openTurn(gated);
        },
        [this](const Result<db::TurnOpening> &result, bool mayBeStored) {
            if (result)
                return opened(result.value());
            // A client's turn id may have been stored by another copy meanwhile: look again.
            if (isTurnInProgress(result.error()) && waitForOtherTurn(&Turn::openTurn))
                return;
            fail(notStored(result.error(), QStringLiteral("your message"), mayBeStored));
        });
}

void Turn::opened(const db::TurnOpening &opening)
{
    m_result.conversationId = opening.conversationId;
    m_createdHere = opening.created;
    m_leaseHeld = !m_lease.turnId.isNull();
    m_stored = 1;
    m_messageCount = opening.messageCount;
    startLeaseRenewal();
    m_result.messages.append(opening.history.constLast());
    for (const core::Message &m : opening.history) {
        for (const core::ToolCall &call : m.toolCalls)
            m_toolCallIds.insert(call.id);
    }
    emitStarted(opening.history.constLast().id);
    m_messages = buildPromptMessages(m_flow.systemPrompt, opening.history);
    reserveTokens();
}

bool Turn::toolsAllowed() const
{
    return !m_toolDefinitions.isEmpty() && m_result.toolRounds < m_flow.maxToolRounds;
}

llm::CompletionRequest Turn::buildRequest() const
{
    llm::CompletionRequest request;
    request.messages = m_messages;
    request.temperature = m_flow.temperature;
    request.maxTokens = m_flow.maxTokens;
    request.model = m_model;
    request.responseFormat = m_request.responseFormat;
    if (!m_toolDefinitions.isEmpty()) {
        // Past the round limit the tools stay described (the history mentions them) but the
        // model must answer in words.
        request.tools = m_toolDefinitions;
        request.toolChoice = toolsAllowed() ? llm::ToolChoice::automatic() : llm::ToolChoice::none();
    }
    return request;
}

void Turn::reserveTokens()
{
    m_state = State::Reserve;
    if (cancelled())
        return;
    const qint64 answerAllowance = m_flow.maxTokens.value_or(TurnEngine::kDefaultMaxTokens);
    const qint64 promptTokens = core::estimatePromptTokens(m_messages, m_toolDefinitions);
    const qint64 estimate = promptTokens + answerAllowance;
    // The reservation is made with the provider tried first (a fallback is not reserved again).
    if (!planCall(promptTokens))
        return;
    auto reserved = [this, estimate, answerAllowance](const Result<ratelimit::Reservation> &reservation) {
        if (!reservation)
            return fail(explainReservation(reservation.error(), estimate, answerAllowance,
                                           !m_flow.maxTokens.has_value()));
        callProvider(reservation.value());
    };
    const core::Async<ratelimit::Reservation> reservation =
        m_deps.limiter->reserve(m_request.tenantId, m_providerName, estimate);
    // The in-memory limiter answers at once: go on without a database step's watcher, timer and
    // event-loop pass (it showed in the turn benchmark's profile).
    if (reservation.isFinished() && reservation.resultCount() > 0)
        return reserved(reservation.result());
    // The shared limiter may wait on the database: bounded like any database step, never retried
    // (a retried reservation could count twice).
    databaseStep<ratelimit::Reservation>([reservation] { return reservation; }, reserved, 0);
}

void Turn::callProvider(const ratelimit::Reservation &reservation)
{
    m_state = State::Provider;
    if (m_request.cancel->isCancelled()) {
        (void)m_deps.limiter->settle(reservation, 0);
        cancelled();
        return;
    }
    ++m_result.providerCalls;
    const int round = m_result.providerCalls;
    llm::CallOptions options;
    options.cancel = m_request.cancel;
    if (m_flow.cacheResponses) // the response cache (a provider decorator) may answer instead
        options.cache = {m_request.tenantId, m_flow.flowType};
    options.onDelta = [this, round](const llm::Delta &delta) {
        if (delta.text.isEmpty())
            return;
        core::TurnEvent event;
        event.kind = core::TurnEvent::Kind::TextDelta;
        event.text = delta.text;
        event.round = round;
        emitEvent(event);
    };
    m_callTimer.start();
    m_deps.router->complete(
        m_candidates, m_route, buildRequest(), options, this,
        [this, reservation](const llm::RoutedCompletion &routed) { afterProvider(reservation, routed); });
}

void Turn::afterProvider(const ratelimit::Reservation &reservation, const llm::RoutedCompletion &routed)
{
    const Result<llm::Completion> &result = routed.result;
    m_roundAttempts = routed.attempts;
    for (const core::RouteAttempt &attempt : routed.attempts)
        m_result.attempts.append(attempt);
    // Every attempt but the one that answered is a usage row of its own (its provider, model,
    // outcome and latency); a target skipped for its open breaker was never called.
    for (qsizetype i = 0; i + 1 < routed.attempts.size(); ++i) {
        if (routed.attempts.at(i).outcome != QLatin1String("circuit_open"))
            recordUsage(attemptRecord(routed.attempts.at(i)));
    }
    if (!routed.attempts.isEmpty())
        m_providerName = routed.attempts.constLast().provider;
    const qint64 latencyMs =
        routed.attempts.isEmpty() ? m_callTimer.elapsed() : routed.attempts.constLast().latencyMs;
    const qint64 used = result ? result->usage.totalTokens : 0;
    // Settlement and usage records are bookkeeping: they never hold up or fail the turn.
    (void)m_deps.limiter->settle(reservation, used);
    ratelimit::UsageRecord usage =
        usageRecord(result ? &result.value() : nullptr, result ? nullptr : &result.error(), latencyMs);
    if (!routed.attempts.isEmpty() && !result)
        usage.model = routed.attempts.constLast().model;
    if (routed.cut && !m_request.cancel->isCancelled()) {
        usage.outcome = QStringLiteral("cut");
        return storeCutAnswer(routed, usage);
    }
    // A final answer stores its call's usage row with it (storeFinalAnswer()); any other outcome
    // records it on its own.
    const bool answers =
        result && !m_request.cancel->isCancelled() && (result->toolCalls.isEmpty() || !toolsAllowed());
    const bool calledAtAll =
        routed.attempts.isEmpty() || routed.attempts.constLast().outcome != QLatin1String("circuit_open");
    if (!answers && calledAtAll)
        recordUsage(usage);
    if (!result)
        return fail(result.error());
    if (cancelled())
        return;
    const llm::Completion &completion = result.value();
    m_result.usage += completion.usage;
    m_result.model = completion.model;
    m_result.provider = m_providerName; // the target that answered
    if (!completion.toolCalls.isEmpty() && toolsAllowed())
        return makeToolCallIdsUnique(completion);
    if (completion.toolCalls.isEmpty()) {
        if (auto ok = checkAnswer(m_request.responseFormat, completion.content); !ok) {
            recordUsage(usage);
            return fail(ok.error());
        }
        return storeFinalAnswer(completion, completion.content, completion.finishReason, usage);
    }
    // The model insisted on tools past the round limit: end gracefully instead of looping.
    const QString content =
        !completion.content.isEmpty()
            ? completion.content
            : QStringLiteral("I reached the limit of %1 tool rounds for this request without a "
                             "final answer. Please narrow the question or ask again.")
                  .arg(m_flow.maxToolRounds);
    if (auto ok = checkAnswer(m_request.responseFormat, content); !ok) {
        recordUsage(usage);
        return fail(ok.error());
    }
    storeFinalAnswer(completion, content, QStringLiteral("round_limit"), usage);
}

void Turn::makeToolCallIdsUnique(llm::Completion completion)
{
    // Providers repeat ids (the demo's are derived from the request, Gemini numbers its calls),
    // and a repeated id makes a replayed history ambiguous. The ids this turn has seen cover a
    // new conversation; an older one is asked about the ids beyond the history window.
    auto rewrite = [this, completion](const QSet<QString> &used) mutable {
        QSet<QString> taken = m_toolCallIds + used;
        for (core::ToolCall &call : completion.toolCalls) {
            while (call.id.isEmpty() || taken.contains(call.id))
                call.id = QStringLiteral("call_") + QUuid::createUuid().toString(QUuid::Id128).left(24);
            taken.insert(call.id);
        }
        runTools(completion);
    };
    if (m_createdHere)
        return rewrite({});
    QStringList ids;
    for (const core::ToolCall &call : completion.toolCalls)
        ids.append(call.id);
    databaseStep<QSet<QString>>(
        [this, ids] {
            return m_deps.conversations->usedToolCallIds(m_request.tenantId, m_result.conversationId, ids);
        },
        [this, rewrite](const Result<QSet<QString>> &used) mutable {
            if (!used)
                return fail(used.error());
            if (cancelled())
                return;
            rewrite(used.value());
        });
}

void Turn::runTools(const llm::Completion &completion)
{
    m_state = State::Tools;
    QList<QFuture<tools::ToolResult>> calls;
    auto waiting = std::make_shared<QHash<int, QJsonObject>>(); // calls that wait for approval
    for (const core::ToolCall &call : completion.toolCalls) {
        // A call that needs approval is not run here; one with invalid arguments runs into the
        // registry's check below and never reaches its tool.
        if (needsApproval(call)) {
            if (auto arguments = m_deps.tools->validateArguments(call.name, call.arguments)) {
                waiting->insert(static_cast<int>(calls.size()), arguments.value());
                calls.append(QtFuture::makeReadyFuture(tools::ToolResult{}));
                continue;
            }
        }
        core::TurnEvent event;
        event.kind = core::TurnEvent::Kind::ToolCallStarted;
        event.toolCall = call;
        event.round = m_result.providerCalls;
        emitEvent(event);
        // Unknown tools and invalid arguments come back as error results the model can react to.
        const int timeoutMs = m_extraTools.contains(call.name) ? TurnEngine::kExtraToolTimeoutMs : 0;
        calls.append(m_tools->executeCall(call, m_request.cancel, timeoutMs,
                                          tools::ToolContext{m_request.tenantId, m_citations}));
    }
    // Every call runs at once; the round is stored when the last one is back.
    auto pending = std::make_shared<QList<QFuture<tools::ToolResult>>>(calls);
    auto remaining = std::make_shared<qsizetype>(calls.size());
    for (const QFuture<tools::ToolResult> &call : calls) {
        then(call, [this, completion, pending, remaining, waiting](const tools::ToolResult &) {
            if (--*remaining > 0)
                return;
            QList<tools::ToolResult> results;
            for (qsizetype i = 0; i < pending->size(); ++i) {
                const tools::ToolResult result = pending->at(i).result();
                if (waiting->contains(static_cast<int>(i))) {
                    results.append(result);
                    continue;
                }
                core::TurnEvent event;
                event.kind = core::TurnEvent::Kind::ToolResult;
                event.toolCall = completion.toolCalls.at(i);
                event.toolResult = result.json;
                event.round = m_result.providerCalls;
                emitEvent(event);
                if (result.success())
                    m_toolResults.append(result.json);
                results.append(result);
            }
            if (!waiting->isEmpty())
                return storePausedRound(completion, results, *waiting);
            storeToolRound(completion, results);
        });
    }
}

QJsonObject Turn::assistantMetadata(const llm::Completion &completion) const
{
    QJsonObject metadata{{QStringLiteral("provider"), completion.provider},
                         {QStringLiteral("model"), completion.model},
                         {QStringLiteral("finish_reason"), completion.finishReason},
                         {QStringLiteral("usage"), usageJson(completion.usage)},
                         {QStringLiteral("round"), m_result.providerCalls},
                         {QStringLiteral("route"), m_result.route},
                         {QStringLiteral("attempts"), core::attemptsToJson(m_roundAttempts)}};
    if (completion.cached)
        metadata.insert(QStringLiteral("cached"), true);
    return metadata;
}

QList<db::NewMessage> Turn::roundMessages(const llm::Completion &completion,
                                          const QList<tools::ToolResult> &results,
                                          const QSet<int> &skipped) const
{
    QList<db::NewMessage> round;
    db::NewMessage assistant;
    assistant.role = core::Role::Assistant;
    assistant.content = completion.content;
    assistant.toolCalls = completion.toolCalls;
    assistant.metadata = assistantMetadata(completion);
    round.append(assistant);
    for (qsizetype i = 0; i < results.size(); ++i) {
        if (skipped.contains(static_cast<int>(i)))
            continue;
        db::NewMessage tool;
        tool.role = core::Role::Tool;
        tool.toolCallId = completion.toolCalls.at(i).id;
        tool.content = results.at(i).content();
        tool.metadata = {{QStringLiteral("tool"), completion.toolCalls.at(i).name},
                         {QStringLiteral("success"), results.at(i).success()},
                         {QStringLiteral("elapsed_ms"), results.at(i).elapsedMs}};
        round.append(tool);
    }
    return round;
}

void Turn::storeToolRound(const llm::Completion &completion, const QList<tools::ToolResult> &results)
{
    m_state = State::Persist;
    if (cancelled())
        return; // a cancelled round is not stored: no call without its result
    const QList<db::NewMessage> round = roundMessages(completion, results);
    const db::TurnWrite write = nextWrite(false);
    writeStep<QList<core::Message>>(
        [this, round, write](const core::CommitGatePtr &gate) {
            db::TurnWrite gated = write;
            gated.gate = gate;
            return m_deps.conversations->saveTurnMessages(m_request.tenantId, m_result.conversationId, round,
                                                          gated);
        },
        [this](const Result<QList<core::Message>> &saved, bool mayBeStored) {
            if (!saved)
                return fail(notStored(saved.error(), QStringLiteral("the tool round"), mayBeStored));
            m_stored += static_cast<int>(saved->size());
            m_messageCount += saved->size();
            m_result.messages += saved.value();
            ++m_result.toolRounds;
            for (const core::Message &m : saved.value()) {
                m_messages.append(toChatMessage(m));
                for (const core::ToolCall &call : m.toolCalls)
                    m_toolCallIds.insert(call.id);
            }
            reserveTokens();
        });
}

void Turn::storeFinalAnswer(const llm::Completion &completion, const QString &content,
                            const QString &finishReason, const ratelimit::UsageRecord &usage)
{
    m_state = State::Persist;
    db::NewMessage answer;
    answer.role = core::Role::Assistant;
    answer.content = content;
    answer.metadata = assistantMetadata(completion);
    answer.metadata.insert(QStringLiteral("finish_reason"), finishReason);
    answer.metadata.insert(QStringLiteral("turn_usage"), usageJson(m_result.usage));
    // Stored with the answer, in its statement: the passages its [n] refer to.
    const QList<core::Citation> citations = resolveCitations(content, m_toolResults);
    if (!citations.isEmpty())
        answer.metadata.insert(QStringLiteral("citations"), core::citationsToJson(citations));
    // The last write releases the lease in the same statement, and stores the usage row (one
    // statement and one database job fewer per turn). An invalid record is not stored,
    // as UsageRecorder::record() would refuse it.
    db::TurnWrite write = nextWrite(true);
    if (m_deps.usage) {
        if (auto row = m_deps.usage->row(usage))
            write.usage = row.value();
    }
    writeStep<QList<core::Message>>(
        [this, answer, write](const core::CommitGatePtr &gate) {
            db::TurnWrite gated = write;
            gated.gate = gate;
            return m_deps.conversations->saveTurnMessages(m_request.tenantId, m_result.conversationId,
                                                          {answer}, gated);
        },
        [this, content, finishReason, usage,
         withUsage = write.usage.has_value()](const Result<QList<core::Message>> &saved, bool mayBeStored) {
            if (!saved) {
                // Not stored, so neither is the usage row: record it on its own, as for any call
                // that did not end in an answer. (After an outage that outlasted the retries the
                // write may have committed with its acknowledgement lost: then it is not recorded
                // twice.)
                if (withUsage && saved.error().code != ErrorCode::DatabaseUnavailable)
                    recordUsage(usage);
                return fail(notStored(saved.error(), QStringLiteral("the answer"), mayBeStored));
            }
            m_leaseHeld = false;
            m_stored += static_cast<int>(saved->size());
            m_result.messages += saved.value();
            m_result.content = content;
            m_result.finishReason = finishReason;
            finish();
        });
}

void Turn::storeCutAnswer(const llm::RoutedCompletion &routed, const ratelimit::UsageRecord &usage)
{
    m_state = State::Persist;
    // What the client saw is kept, marked so that no reader takes it for a whole answer.
    const core::Error error = routed.result.error();
    db::NewMessage answer;
    answer.role = core::Role::Assistant;
    answer.content = routed.partialText;
    llm::Completion partial;
    partial.provider = usage.provider;
    partial.model = usage.model;
    partial.finishReason = QStringLiteral("cut");
    answer.metadata = assistantMetadata(partial);
    answer.metadata.insert(QStringLiteral("cut"), true);
    answer.metadata.insert(QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), error.codeName()},
                                                                {QStringLiteral("message"), error.message}});
    answer.metadata.insert(QStringLiteral("turn_usage"), usageJson(m_result.usage));
    db::TurnWrite write = nextWrite(true);
    if (m_deps.usage) {
        if (auto row = m_deps.usage->row(usage))
            write.usage = row.value();
    }
    core::Error cut = error;
    cut.message = QStringLiteral("the answer was cut off: ") + error.message;
    cut.details.insert(QStringLiteral("cut"), true);
    databaseStep<QList<core::Message>>(
        [this, answer, write] {
            return m_deps.conversations->saveTurnMessages(m_request.tenantId, m_result.conversationId,
                                                          {answer}, write);
        },
        [this, cut, usage](const Result<QList<core::Message>> &saved) {
            core::Error failure = cut;
            if (!saved) {
                if (saved.error().code != ErrorCode::DatabaseUnavailable)
                    recordUsage(usage);
                failure.details.insert(QStringLiteral("stored"), false);
            } else {
                m_leaseHeld = false;
                m_result.messages += saved.value();
            }
            fail(failure);
        });
}

void Turn::recordUsage(const ratelimit::UsageRecord &usage)
{
    if (m_deps.usage)
        (void)m_deps.usage->record(usage);
}

ratelimit::UsageRecord Turn::usageRecord(const llm::Completion *completion, const core::Error *error,
                                         qint64 latencyMs) const
{
    ratelimit::UsageRecord record;
    record.tenantId = m_request.tenantId;
    record.conversationId = m_result.conversationId;
    record.provider = m_providerName;
    record.model = completion ? completion->model : buildRequest().model;
    if (record.model.isEmpty() && !m_candidates.isEmpty()) // the provider's default model, named
        record.model = m_candidates.constFirst().target.model;
    if (completion) {
        record.promptTokens = completion->usage.promptTokens;
        record.completionTokens = completion->usage.completionTokens;
        record.totalTokens = completion->usage.totalTokens;
    }
    record.latencyMs = latencyMs;
    record.outcome = error ? error->codeName() : QStringLiteral("ok");
    return record;
}

ratelimit::UsageRecord Turn::attemptRecord(const core::RouteAttempt &attempt) const
{
    ratelimit::UsageRecord record;
    record.tenantId = m_request.tenantId;
    record.conversationId = m_result.conversationId;
    record.provider = attempt.provider;
    record.model = attempt.model;
    record.promptTokens = attempt.usage.promptTokens;
    record.completionTokens = attempt.usage.completionTokens;
    record.totalTokens = attempt.usage.totalTokens;
    record.latencyMs = attempt.latencyMs;
    record.outcome = attempt.outcome;
    return record;
}

} // namespace agency::flows

namespace agency::flows {
// The database steps that turnapproval.cpp runs.
template void Turn::writeStep<QList<core::Message>>(
    std::function<core::Async<QList<core::Message>>(const core::CommitGatePtr &)>,
    std::function<void(const Result<QList<core::Message>> &, bool)>);
template void
Turn::databaseStep<QList<core::ToolApproval>>(std::function<core::Async<QList<core::ToolApproval>>()>,
                                              std::function<void(const Result<QList<core::ToolApproval>> &)>,
                                              int);
} // namespace agency::flows
