#include "router.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QRandomGenerator>

#include <algorithm>

namespace agency::llm {

using core::ErrorCode;

struct Router::Call
{
    QList<Candidate> candidates;
    qsizetype next = 0;
    QList<int> statuses;
    CompletionRequest request;
    CallOptions options;
    QPointer<QObject> context;
    std::function<void(const RoutedCompletion &)> done;
    RoutedCompletion out;
    bool delivered = false; ///< text reached the caller
    QString partial;
    std::optional<core::Error> lastError;
    QStringList openBreakers;
};

Router::Router(ProviderLookup providers, CircuitBreakers *breakers, CapabilityTable capabilities,
               std::function<double()> random01)
    : m_providers(std::move(providers)), m_breakers(breakers), m_capabilities(std::move(capabilities)),
      m_random(std::move(random01))
{
    if (!m_random)
        m_random = [] { return QRandomGenerator::global()->generateDouble(); };
}

bool Router::fallsBack(const core::Error &error, const QList<int> &routeStatuses)
{
    const int status = error.details.value(QStringLiteral("http_status")).toInt();
    if (status > 0 && routeStatuses.contains(status))
        return true;
    switch (error.code) {
    case ErrorCode::ProviderUnavailable:
    case ErrorCode::ProviderTimeout:
    case ErrorCode::ProviderRateLimited:
    case ErrorCode::ProviderMalformed:
        return true;
    default: // the request's own fault (4xx), credentials, cancellation
        return false;
    }
}

core::Result<QList<Candidate>> Router::plan(const core::Route &route,
                                            const core::CapabilityNeeds &needs) const
{
    // Weighted neighbours: a weighted draw without replacement decides their order this time.
    QList<core::RouteTarget> ordered;
    for (qsizetype i = 0; i < route.targets.size();) {
        if (route.targets.at(i).weight <= 0) {
            ordered.append(route.targets.at(i++));
            continue;
        }
        QList<core::RouteTarget> group;
        while (i < route.targets.size() && route.targets.at(i).weight > 0)
            group.append(route.targets.at(i++));
        while (!group.isEmpty()) {
            double total = 0;
            for (const auto &t : group)
                total += t.weight;
            double pick = m_random() * total;
            qsizetype chosen = group.size() - 1;
            for (qsizetype k = 0; k < group.size(); ++k) {
                pick -= group.at(k).weight;
                if (pick < 0) {
                    chosen = k;
                    break;
                }
            }
            ordered.append(group.takeAt(chosen));
        }
    }

    QList<Candidate> candidates;
    QStringList lacking;
    QString firstMissing;
    std::optional<core::Error> firstProblem;
    for (const core::RouteTarget &target : ordered) {
        auto provider = m_providers(target.provider, target.model);
        if (!provider) {
            if (route.targets.size() == 1)
                return provider.error();
            if (!firstProblem)
                firstProblem = provider.error();
            continue;
        }
        const core::ProviderInfo info = provider.value()->info();
        Candidate candidate{target, provider.value(), {}};
        candidate.target.provider = info.name;
        if (candidate.target.model.isEmpty())
            candidate.target.model = info.defaultModel;
        candidate.capabilities = m_capabilities.of(info, candidate.target.model);
        const QString missing = needs.missingFrom(candidate.capabilities);
        if (!missing.isEmpty()) {
            lacking.append(QStringLiteral("%1 lacks %2").arg(candidate.target.key(), missing));
            if (firstMissing.isEmpty())
                firstMissing = missing;
            continue;
        }
        candidates.append(candidate);
    }
    if (!candidates.isEmpty())
        return candidates;
    if (!lacking.isEmpty())
        return core::makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("no target of the route can serve this turn: %1")
                .arg(lacking.join(QStringLiteral("; "))),
            {{QStringLiteral("capability"), firstMissing}, {QStringLiteral("route"), route.toString()}});
    return firstProblem.value_or(
        core::makeError(ErrorCode::NotConfigured, QStringLiteral("the route is empty")));
}

void Router::count(const core::RouteAttempt &attempt)
{
    const QString key = attempt.provider + u'\n' + attempt.model + u'\n' + attempt.outcome;
    auto it = m_counts.find(key);
    if (it == m_counts.end())
        it = m_counts.insert(key, core::AttemptCount{attempt.provider, attempt.model, attempt.outcome, 0});
    ++it->count;
}

QList<core::AttemptCount> Router::attemptCounts() const
{
    QList<core::AttemptCount> list = m_counts.values();
    std::sort(list.begin(), list.end(), [](const core::AttemptCount &a, const core::AttemptCount &b) {
        return std::tie(a.provider, a.model, a.outcome) < std::tie(b.provider, b.model, b.outcome);
    });
    return list;
}

void Router::complete(QList<Candidate> candidates, const core::Route &route, const CompletionRequest &request,
                      CallOptions options, QObject *context,
                      std::function<void(const RoutedCompletion &)> done)
{
    auto call = std::make_shared<Call>();
    call->candidates = std::move(candidates);
    call->statuses = route.fallbackStatuses;
    call->request = request;
    call->options = std::move(options);
    call->context = context;
    call->done = std::move(done);
    attempt(call);
}

void Router::attempt(const std::shared_ptr<Call> &call)
{
    const auto finish = [call](core::Result<Completion> result) {
        call->out.result = std::move(result);
        call->out.partialText = call->partial;
        if (call->context)
            call->done(call->out);
    };
    if (call->options.cancel && call->options.cancel->isCancelled())
        return finish(core::makeError(ErrorCode::Cancelled, QStringLiteral("the call was cancelled")));
    if (call->next >= call->candidates.size()) {
        if (call->lastError)
            return finish(*call->lastError);
        return finish(
            core::makeError(ErrorCode::ProviderUnavailable,
                            QStringLiteral("every target of the route is unavailable (circuit open): %1")
                                .arg(call->openBreakers.join(QStringLiteral(", "))),
                            {{QStringLiteral("reason"), QStringLiteral("circuit_open")}}));
    }
    const Candidate candidate = call->candidates.at(call->next++);
    if (m_breakers && !m_breakers->acquire(candidate.target)) {
        call->openBreakers.append(candidate.target.key());
        call->out.attempts.append(
            {candidate.target.provider, candidate.target.model, QStringLiteral("circuit_open"), 0, {}, 0});
        count(call->out.attempts.constLast());
        return attempt(call);
    }
    CompletionRequest request = call->request;
    request.model = candidate.target.model;
    CallOptions options = call->options;
    if (!candidate.capabilities.streaming) // chosen although the caller would stream: it did not need to
        options.onDelta = nullptr;
    if (options.onDelta) {
        options.onDelta = [call](const Delta &delta) {
            // Only text reaches the client; tool-call fragments are gathered into the answer.
            if (!delta.text.isEmpty())
                call->delivered = true;
            call->partial += delta.text;
            call->options.onDelta(delta);
        };
    }
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    QFuture<core::Result<Completion>> future = candidate.provider->complete(request, options);
    QObject *context = call->context;
    if (!context)
        return;
    future.then(context, [this, call, candidate, timer](const core::Result<Completion> &result) {
        core::RouteAttempt record{
            candidate.target.provider, candidate.target.model, QStringLiteral("ok"), timer->elapsed(), {}, 0};
        if (result) {
            record.usage = result->usage;
            call->out.attempts.append(record);
            count(record);
            if (m_breakers)
                m_breakers->succeeded(candidate.target);
            call->out.result = result;
            call->out.partialText = call->partial;
            if (call->context)
                call->done(call->out);
            return;
        }
        const core::Error &error = result.error();
        record.outcome = error.codeName();
        record.httpStatus = error.details.value(QStringLiteral("http_status")).toInt();
        const bool unwell = fallsBack(error, call->statuses) && error.code != ErrorCode::Cancelled;
        if (m_breakers) {
            if (unwell)
                m_breakers->failed(
                    candidate.target,
                    static_cast<qint64>(error.details.value(QStringLiteral("retry_after_ms")).toDouble()));
            else
                m_breakers->abandoned(candidate.target);
        }
        if (call->delivered && error.code != ErrorCode::Cancelled) {
            record.outcome = QStringLiteral("cut");
            call->out.attempts.append(record);
            count(record);
            call->out.cut = true;
            call->out.result = error;
            call->out.partialText = call->partial;
            if (call->context)
                call->done(call->out);
            return;
        }
        call->out.attempts.append(record);
        count(record);
        call->lastError = error;
        if (!unwell) {
            call->out.result = error;
            if (call->context)
                call->done(call->out);
            return;
        }
        attempt(call);
    });
}

} // namespace agency::llm
