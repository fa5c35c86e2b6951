#pragma once

#include "core/route.h"
#include "llm/capabilities.h"
#include "llm/circuitbreaker.h"
#include "llm/provider.h"

#include <functional>
#include <memory>

namespace agency::llm {

/// Creates (or returns a cached) provider by name and model; empty name = the default provider.
using ProviderLookup =
    std::function<core::Result<std::shared_ptr<Provider>>(const QString &name, const QString &model)>;

/// The routing settings (LLM_ROUTE, LLM_CAPABILITIES, LLM_BREAKER_*, RUN_ROUTE), typed.
struct RoutingConfig
{
    core::Route defaultRoute;
    QList<core::CapabilityRule> capabilities;
    BreakerOptions breakers;
};

/// One target of a planned call, with its provider made.
struct Candidate
{
    core::RouteTarget target; ///< model filled in: the provider's default when the route named none
    std::shared_ptr<Provider> provider;
    core::ModelCapabilities capabilities;
};

/// What a routed call came to: the answer or the error that ended it, and every attempt.
struct RoutedCompletion
{
    core::Result<Completion> result;
    QList<core::RouteAttempt> attempts;
    /// The call failed after text had reached the caller: no fallback, and the answer is cut.
    bool cut = false;
    QString partialText; ///< what reached the caller before the cut
};

/// Sends one completion along a route (docs/design.md#providers): targets are tried in order,
/// skipping those that cannot serve the call (capabilities) or whose breaker is open. A target is
/// given up for the next one on a connection failure, a timeout, a malformed answer, a 5xx, a 429
/// (each after the adapter's own retries) or a status the route lists, but only while no text has
/// reached the caller; never on any other 4xx or a cancellation.
///
/// Thread affinity: the thread owning the providers; `done` runs there. The lookup, breakers and
/// table must outlive the router.
class Router
{
public:
    Router(ProviderLookup providers, CircuitBreakers *breakers, CapabilityTable capabilities,
           std::function<double()> random01 = {});

    /// The candidates of `route` that can serve `needs`, in the order they are tried this time
    /// (weighted neighbours drawn by weight). A route of one target fails as that provider would
    /// (NotConfigured, NotFound); otherwise unusable targets are left out, and when none is left the
    /// error names what is missing: InvalidArgument "no target of the route can serve this turn:
    /// openai:gpt-x lacks JSON schema output, …" (details.capability).
    core::Result<QList<Candidate>> plan(const core::Route &route, const core::CapabilityNeeds &needs) const;

    /// Calls the candidates in order until one answers. `context` guards `done` (the caller).
    void complete(QList<Candidate> candidates, const core::Route &route, const CompletionRequest &request,
                  CallOptions options, QObject *context, std::function<void(const RoutedCompletion &)> done);

    /// Whether `error` moves a call on to the next target (before any text reached the caller).
    static bool fallsBack(const core::Error &error, const QList<int> &routeStatuses);

    /// Attempts so far by provider, model and outcome (for /metrics). Sorted.
    QList<core::AttemptCount> attemptCounts() const;

    const CapabilityTable &capabilities() const { return m_capabilities; }
    CircuitBreakers *breakers() const { return m_breakers; }

private:
    struct Call;
    void attempt(const std::shared_ptr<Call> &call);
    void count(const core::RouteAttempt &attempt);

    ProviderLookup m_providers;
    CircuitBreakers *m_breakers;
    CapabilityTable m_capabilities;
    std::function<double()> m_random;
    QHash<QString, core::AttemptCount> m_counts; ///< keyed by provider, model and outcome
};

} // namespace agency::llm
