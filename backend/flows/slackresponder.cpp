#include "slackresponder.h"

#include "core/async/whenfinished.h"
#include "db/slackeventrepository.h"
#include "tools/slack/slackclient.h"
#include "tools/slack/slacksignature.h"
#include "turnengine.h"

#include <QDebug>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUrlQuery>

namespace agency::flows {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr int kThreadMessages = 50;

const QString kSigningSecret = QStringLiteral("slack_signing_secret");

core::Error signatureRefused()
{
    return makeError(ErrorCode::Unauthenticated,
                     QStringLiteral("X-Slack-Signature does not match the signing secret of the workspace"));
}

/// The same Slack event always makes the same turn id, so even a second delivery that got past
/// the slack_events row would find the first turn instead of running another.
QUuid turnIdOf(const QString &tenantId, const QString &eventId)
{
    static const QUuid kNamespace(QStringLiteral("{5b0f7c1e-3a8d-4f55-9a51-1c2f0e6b7d21}"));
    return QUuid::createUuidV5(kNamespace, tenantId + QLatin1Char('\n') + eventId);
}

QString transcriptOf(const QJsonArray &messages)
{
    QString out;
    for (const QJsonValue &value : messages) {
        const QJsonObject message = value.toObject();
        const QString who =
            message.contains(QStringLiteral("bot_id"))
                ? QStringLiteral("(you)")
                : QStringLiteral("<@%1>").arg(message.value(QStringLiteral("user")).toString());
        out += QStringLiteral("%1: %2\n").arg(who, message.value(QStringLiteral("text")).toString());
    }
    return out;
}

/// What is posted for a turn: its answer (which says so when it waits for approval), or why
/// there is none.
QString answerText(const Result<core::TurnResult> &turn)
{
    return turn ? turn->content : QStringLiteral("Sorry, I could not answer: %1").arg(turn.error().message);
}

} // namespace

SlackResponder::SlackResponder(SlackResponderDependencies deps, QObject *parent)
    : QObject(parent), m_deps(std::move(deps))
{
}

core::Async<core::SlackAck> SlackResponder::receive(const core::SlackDelivery &delivery)
{
    const QDateTime now = m_deps.clock ? m_deps.clock->now() : QDateTime::currentDateTimeUtc();
    // Stale or unsigned requests are refused before anything is read or parsed.
    if (auto fresh = tools::slack::checkSlackTimestamp(delivery.timestamp, now); !fresh)
        return core::failedAsync<core::SlackAck>(fresh.error());
    if (delivery.signature.isEmpty())
        return core::failedAsync<core::SlackAck>(
            makeError(ErrorCode::Unauthenticated, QStringLiteral("X-Slack-Signature is missing")));
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(delivery.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return core::failedAsync<core::SlackAck>(
            makeError(ErrorCode::BadRequest, QStringLiteral("the body is not a Slack event (JSON object)")));
    const QJsonObject payload = doc.object();
    // A url_verification names no workspace: any tenant connected to Slack may be the one.
    const QString teamId = payload.value(QStringLiteral("team_id")).toString();
    if (teamId.isEmpty() &&
        payload.value(QStringLiteral("type")).toString() != QLatin1String("url_verification"))
        return core::failedAsync<core::SlackAck>(
            makeError(ErrorCode::BadRequest, QStringLiteral("the event has no team_id")));

    auto shared = std::make_shared<core::SlackDelivery>(delivery);
    core::ResultPromise<core::SlackAck> done;
    core::whenFinished(
        this, m_deps.events->tenantsForTeam(teamId),
        [this, shared, payload, done](const Result<QStringList> &tenants) {
            if (!tenants) {
                done.finish(tenants.error());
                return;
            }
            core::ResultPromise<QString> found;
            core::whenFinished(this, found.future(), [this, payload, done](const Result<QString> &tenant) {
                if (!tenant) {
                    done.finish(tenant.error());
                    return;
                }
                core::whenFinished(this, accept(tenant.value(), payload),
                                   [done](const Result<core::SlackAck> &ack) { done.finish(ack); });
            });
            verifyAgainst(tenants.value(), shared, found);
        });
    return done.future();
}

void SlackResponder::verifyAgainst(QStringList tenants, std::shared_ptr<core::SlackDelivery> delivery,
                                   core::ResultPromise<QString> found)
{
    if (tenants.isEmpty()) {
        found.finish(signatureRefused());
        return;
    }
    const QString tenantId = tenants.takeFirst();
    core::whenFinished(
        this, m_deps.secrets->secret(tenantId, kSigningSecret),
        [this, tenants, delivery, found, tenantId](const Result<QString> &secret) {
            const QDateTime now = m_deps.clock ? m_deps.clock->now() : QDateTime::currentDateTimeUtc();
            if (secret && tools::slack::verifySlackSignature(secret->toUtf8(), delivery->timestamp,
                                                             delivery->body, delivery->signature, now)) {
                found.finish(tenantId);
                return;
            }
            // A tenant without a readable signing secret cannot be the sender; the next may be.
            verifyAgainst(tenants, delivery, found);
        });
}

core::Async<core::SlackAck> SlackResponder::accept(const QString &tenantId, const QJsonObject &payload)
{
    const QString type = payload.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("url_verification")) {
        core::SlackAck ack;
        ack.tenantId = tenantId;
        ack.challenge = payload.value(QStringLiteral("challenge")).toString();
        return core::readyAsync<core::SlackAck>(ack);
    }
    const QString eventId = payload.value(QStringLiteral("event_id")).toString();
    const QJsonObject event = payload.value(QStringLiteral("event")).toObject();
    if (type != QLatin1String("event_callback") || eventId.isEmpty() || eventId.size() > 100)
        return core::failedAsync<core::SlackAck>(
            makeError(ErrorCode::BadRequest,
                      QStringLiteral("expected an event_callback with an event_id, or url_verification")));
    Mention mention;
    mention.tenantId = tenantId;
    mention.eventId = eventId;
    mention.channel = event.value(QStringLiteral("channel")).toString();
    mention.threadTs =
        event.value(QStringLiteral("thread_ts")).toString(event.value(QStringLiteral("ts")).toString());
    mention.user = event.value(QStringLiteral("user")).toString();
    mention.text = event.value(QStringLiteral("text")).toString();
    const QString eventType = event.value(QStringLiteral("type")).toString();
    // Only a person's mention is answered: a bot's (our own answers among them) would loop.
    const bool answerable = eventType == QLatin1String("app_mention") &&
                            !event.contains(QStringLiteral("bot_id")) && !mention.channel.isEmpty() &&
                            !mention.threadTs.isEmpty();
    db::SlackEventRepository::NewEvent row{tenantId,         eventId,      eventType,    mention.channel,
                                           mention.threadTs, mention.user, mention.text, answerable};
    core::ResultPromise<core::SlackAck> done;
    core::whenFinished(this, m_deps.events->record(row),
                       [this, mention, answerable, done](const Result<bool> &fresh) {
                           if (!fresh) {
                               done.finish(fresh.error());
                               return;
                           }
                           core::SlackAck ack;
                           ack.tenantId = mention.tenantId;
                           ack.duplicate = !fresh.value();
                           if (ack.duplicate) {
                               done.finish(ack);
                               return;
                           }
                           if (!answerable) {
                               finish(mention, QStringLiteral("ignored"), {}, {});
                               done.finish(ack);
                               return;
                           }
                           ack.queued = true;
                           ++m_pending;
                           // Answered from the event loop, after the acknowledgement has gone out.
                           QTimer::singleShot(0, this, [this, mention] { answer(mention); });
                           done.finish(ack);
                       });
    return done.future();
}

void SlackResponder::resumeUnanswered()
{
    core::whenFinished(this, m_deps.events->claimUnanswered(),
                       [this](const Result<QList<db::SlackEventRepository::NewEvent>> &events) {
                           if (!events) {
                               qWarning().noquote() << "unanswered Slack mentions could not be read:"
                                                    << events.error().toString();
                               return;
                           }
                           for (const auto &event : events.value()) {
                               ++m_pending;
                               // The turn id comes from the event id: a turn the stopped process
                               // completed is found, not run again.
                               answer(Mention{event.tenantId, event.eventId, event.channel, event.threadTs,
                                              event.user, event.text});
                           }
                       });
}

void SlackResponder::answer(const Mention &mention)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("channel"), mention.channel);
    query.addQueryItem(QStringLiteral("ts"), mention.threadTs);
    query.addQueryItem(QStringLiteral("limit"), QString::number(kThreadMessages));
    core::whenFinished(this,
                       m_deps.client->get(mention.tenantId, QStringLiteral("conversations.replies"), query),
                       [this, mention](const Result<QJsonObject> &thread) {
                           // Without the thread (no channels:history scope, say) the mention alone is the
                           // context.
                           const QJsonArray messages =
                               thread ? thread->value(QStringLiteral("messages")).toArray()
                                      : QJsonArray{QJsonObject{{QStringLiteral("user"), mention.user},
                                                               {QStringLiteral("text"), mention.text}}};
                           runTurn(mention, transcriptOf(messages));
                       });
}

void SlackResponder::runTurn(const Mention &mention, const QString &transcript)
{
    core::TurnRequest request;
    request.tenantId = mention.tenantId;
    request.flowType = m_deps.flowType;
    request.turnId = turnIdOf(mention.tenantId, mention.eventId);
    request.message =
        QStringLiteral("You were mentioned in Slack channel %1 (thread %2) by <@%3>. The thread so "
                       "far:\n\n%4\nAnswer the mention; your answer is posted in the thread.")
            .arg(mention.channel, mention.threadTs, mention.user, transcript);
    core::whenFinished(
        this, m_deps.engine->run(request), [this, mention](const Result<core::TurnResult> &turn) {
            const QUuid conversationId = turn ? turn->conversationId : QUuid();
            const QString turnError = turn ? QString() : turn.error().toString();
            core::whenFinished(
                this, postInThread(mention.tenantId, mention.channel, mention.threadTs, answerText(turn)),
                [this, mention, conversationId, turnError](const Result<QJsonObject> &posted) {
                    if (!posted)
                        finish(mention, QStringLiteral("failed"), conversationId,
                               QStringLiteral("posting the answer: ") + posted.error().toString());
                    else if (!turnError.isEmpty())
                        finish(mention, QStringLiteral("failed"), conversationId, turnError);
                    else
                        finish(mention, QStringLiteral("answered"), conversationId, {});
                });
        });
}

void SlackResponder::deliverContinued(const QString &tenantId, const QUuid &conversationId,
                                      const Result<core::TurnResult> &turn)
{
    if (conversationId.isNull())
        return;
    const QString text = answerText(turn);
    core::whenFinished(
        this, m_deps.events->threadOf(tenantId, conversationId),
        [this, tenantId, text](const Result<std::optional<db::SlackEventRepository::Thread>> &thread) {
            if (!thread) {
                qWarning().noquote() << "the Slack thread of a continued answer could not be read:"
                                     << thread.error().toString();
                return;
            }
            if (!thread.value())
                return; // not a conversation a mention started
            core::whenFinished(this, postInThread(tenantId, (*thread)->channel, (*thread)->threadTs, text),
                               [](const Result<QJsonObject> &posted) {
                                   if (!posted)
                                       qWarning().noquote() << "a continued answer could not be posted "
                                                               "in its Slack thread:"
                                                            << posted.error().toString();
                               });
        });
}

core::Async<QJsonObject> SlackResponder::postInThread(const QString &tenantId, const QString &channel,
                                                      const QString &threadTs, const QString &text)
{
    const QJsonObject message{{QStringLiteral("channel"), channel},
                              {QStringLiteral("thread_ts"), threadTs},
                              {QStringLiteral("text"), text}};
    return m_deps.client->post(tenantId, QStringLiteral("chat.postMessage"), message);
}

void SlackResponder::finish(const Mention &mention, const QString &status, const QUuid &conversationId,
                            const QString &error)
{
    core::whenFinished(
        this, m_deps.events->finish(mention.tenantId, mention.eventId, status, conversationId, error),
        [this, mention, status](const Result<bool> &) {
            if (status != QLatin1String("ignored"))
                --m_pending;
            Q_EMIT eventFinished(mention.tenantId, mention.eventId, status);
        });
}

} // namespace agency::flows
