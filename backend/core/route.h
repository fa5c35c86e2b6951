#pragma once

// Routing values (docs/design.md#providers): a route is an ordered list of provider+model
// targets a turn may be sent to, what a target can do (capabilities), and what each attempt of a
// turn came to. Plain values: copyable, no thread affinity.

#include "core/message.h"
#include "core/result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace agency::core {

/// One place a turn can go: a provider and a model (empty: the provider's default model).
struct RouteTarget
{
    QString provider;
    QString model;
    /// > 0 when written with "*N": consecutive weighted targets share their traffic in proportion
    /// to their weights (load balancing among equals); 0: tried strictly in order.
    int weight = 0;

    QString key() const; ///< "provider:model", the breaker's and the metrics' name for it
    bool operator==(const RouteTarget &) const = default;
};

/// An ordered list of targets with its options, written as
/// `provider:model[*weight],… [; on=409,… ] [; small=provider:model]`:
/// - targets are tried in order (weighted neighbours in a random order drawn by weight);
/// - `on=` lists extra HTTP statuses that skip to the next target (besides connection failures,
///   timeouts, 5xx and 429, which always do);
/// - `small=` names a cheaper target for turns that need no tools and fit the flow's
///   `small_max_tokens`.
struct Route
{
    QList<RouteTarget> targets;
    QList<int> fallbackStatuses;
    std::optional<RouteTarget> small;

    bool isEmpty() const { return targets.isEmpty(); }
    /// The canonical text form (parse(toString()) gives the same route).
    QString toString() const;
    /// Parses the text form; an empty text is an empty route. InvalidArgument naming the part
    /// that is wrong. Provider names are lower-cased; they are checked when a turn uses them.
    static Result<Route> parse(const QString &text);
};

/// What a provider and model can do. A turn goes only to targets that can serve it.
struct ModelCapabilities
{
    bool tools = true;
    bool streaming = true;
    bool jsonSchema = true; ///< honours a JSON response format (object or schema)
    bool imageInput = false;
    qint64 contextTokens = 0; ///< prompt + answer; 0: unknown (not checked)

    QJsonObject toJson() const;
};

/// What one turn's provider call needs from a target.
struct CapabilityNeeds
{
    bool tools = false;
    bool streaming = false;
    bool jsonSchema = false;
    bool imageInput = false;
    qint64 tokens = 0; ///< estimated prompt + answer allowance

    /// The first capability `caps` lacks ("tool calling", "streaming", "JSON schema output",
    /// "image input", "a context of N tokens"), or empty when it can serve.
    QString missingFrom(const ModelCapabilities &caps) const;
};

/// One rule of LLM_CAPABILITIES: `provider:model-pattern=flag,…` where a pattern ending in `*` is
/// a prefix and each flag is `tools`, `streaming`, `json_schema`, `images` (with `no-` to deny)
/// or `context=N`. Rules are `;`-separated; later rules win.
struct CapabilityRule
{
    QString provider;
    QString modelPattern; ///< "" or "*": every model; "gpt-4o*": a prefix
    QJsonObject changes;  ///< {"tools": false, "context": 32000, …}

    bool matches(const QString &provider, const QString &model) const;
    void applyTo(ModelCapabilities &caps) const;
    static Result<QList<CapabilityRule>> parseList(const QString &text);
};

/// One attempt of a turn's provider call at one target. `usage` is kept per attempt so a price
/// can be put on each (a failed attempt usually has none).
struct RouteAttempt
{
    QString provider;
    QString model;
    /// "ok", an error code name ("provider_unavailable", …), "circuit_open" (skipped at once) or
    /// "cut" (failed after text reached the client).
    QString outcome;
    qint64 latencyMs = 0;
    Usage usage;
    int httpStatus = 0; ///< of a failed attempt, when it had one

    QJsonObject toJson() const;
    static RouteAttempt fromJson(const QJsonObject &json);
};

QJsonArray attemptsToJson(const QList<RouteAttempt> &attempts);

/// A provider+model's circuit breaker, as /metrics, /health and the console show it.
struct BreakerStatus
{
    QString provider;
    QString model;
    QString state; ///< "closed", "open", "half_open"
    int recentFailures = 0;
    qint64 retryInMs = 0; ///< open: time until the trial call is allowed

    QJsonObject toJson() const;
};

/// How many attempts ended how, per provider+model, since the process started.
struct AttemptCount
{
    QString provider;
    QString model;
    QString outcome;
    quint64 count = 0;
};

/// The routing state of this process: the default route, the breakers and the attempts so far.
struct RoutingStatus
{
    QString defaultRoute; ///< LLM_ROUTE (empty: LLM_PROVIDER alone)
    QList<BreakerStatus> breakers;
    QList<AttemptCount> attempts;
};

} // namespace agency::core
