#include "route.h"

#include <QRegularExpression>

namespace agency::core {

namespace {

Error invalidRoute(const QString &what)
{
    return makeError(ErrorCode::InvalidArgument, QStringLiteral("route: ") + what,
                     {{QStringLiteral("field"), QStringLiteral("route")}});
}

/// "provider:model" or "provider" alone. Models may contain ':' (Ollama's "llama3.1:8b"); provider
/// names never do.
/// `pattern`: a capability rule's, whose model may end in '*' (a prefix), never a weight.
Result<RouteTarget> parseTarget(const QString &text, bool allowWeight, bool pattern = false)
{
    QString body = text.trimmed();
    RouteTarget target;
    if (const qsizetype star = body.lastIndexOf(u'*'); star >= 0 && !pattern) {
        bool ok = false;
        const int weight = body.mid(star + 1).trimmed().toInt(&ok);
        if (!allowWeight || !ok || weight < 1 || weight > 1000)
            return invalidRoute(
                QStringLiteral("\"%1\": a weight is written *N with N from 1 to 1000").arg(text));
        target.weight = weight;
        body = body.left(star).trimmed();
    }
    const qsizetype colon = body.indexOf(u':');
    target.provider = (colon < 0 ? body : body.left(colon)).trimmed().toLower();
    target.model = colon < 0 ? QString() : body.mid(colon + 1).trimmed();
    static const QRegularExpression providerName(QStringLiteral("^[a-z][a-z0-9_-]{0,31}$"));
    if (!providerName.match(target.provider).hasMatch())
        return invalidRoute(QStringLiteral("\"%1\" is not provider:model").arg(text.trimmed()));
    return target;
}

QString targetText(const RouteTarget &target)
{
    QString text = target.model.isEmpty() ? target.provider : target.key();
    if (target.weight > 0)
        text += QStringLiteral("*%1").arg(target.weight);
    return text;
}

} // namespace

QString RouteTarget::key() const
{
    return provider + u':' + model;
}

QString Route::toString() const
{
    QStringList parts;
    for (const RouteTarget &target : targets)
        parts.append(targetText(target));
    QString text = parts.join(u',');
    if (!fallbackStatuses.isEmpty()) {
        QStringList statuses;
        for (int status : fallbackStatuses)
            statuses.append(QString::number(status));
        text += QStringLiteral(";on=") + statuses.join(u',');
    }
    if (small)
        text += QStringLiteral(";small=") + targetText(*small);
    return text;
}

Result<Route> Route::parse(const QString &text)
{
    Route route;
    const QStringList sections = text.split(u';');
    if (text.trimmed().isEmpty())
        return route;
    for (const QString &part : sections.first().split(u',', Qt::SkipEmptyParts)) {
        if (part.trimmed().isEmpty())
            continue;
        auto target = parseTarget(part, true);
        if (!target)
            return target.error();
        route.targets.append(target.value());
    }
    if (route.targets.isEmpty())
        return invalidRoute(QStringLiteral("names no target (write provider:model,…)"));
    if (route.targets.size() > 16)
        return invalidRoute(QStringLiteral("at most 16 targets"));
    for (qsizetype i = 1; i < sections.size(); ++i) {
        const QString option = sections.at(i).trimmed();
        if (option.isEmpty())
            continue;
        const QString name = option.section(u'=', 0, 0).trimmed().toLower();
        const QString value = option.section(u'=', 1).trimmed();
        if (name == QLatin1String("on")) {
            for (const QString &status : value.split(u',', Qt::SkipEmptyParts)) {
                bool ok = false;
                const int code = status.trimmed().toInt(&ok);
                if (!ok || code < 400 || code > 599)
                    return invalidRoute(QStringLiteral("on=: \"%1\" is not an HTTP status from 400 to 599")
                                            .arg(status.trimmed()));
                route.fallbackStatuses.append(code);
            }
        } else if (name == QLatin1String("small")) {
            auto target = parseTarget(value, false);
            if (!target)
                return target.error();
            route.small = target.value();
        } else {
            return invalidRoute(QStringLiteral("unknown option \"%1\" (known: on=, small=)").arg(name));
        }
    }
    return route;
}

QJsonObject ModelCapabilities::toJson() const
{
    return {{QStringLiteral("tools"), tools},
            {QStringLiteral("streaming"), streaming},
            {QStringLiteral("json_schema"), jsonSchema},
            {QStringLiteral("images"), imageInput},
            {QStringLiteral("context"), contextTokens}};
}

QString CapabilityNeeds::missingFrom(const ModelCapabilities &caps) const
{
    if (tools && !caps.tools)
        return QStringLiteral("tool calling");
    if (streaming && !caps.streaming)
        return QStringLiteral("streaming");
    if (jsonSchema && !caps.jsonSchema)
        return QStringLiteral("JSON schema output");
    if (imageInput && !caps.imageInput)
        return QStringLiteral("image input");
    if (caps.contextTokens > 0 && tokens > caps.contextTokens)
        return QStringLiteral("a context of %1 tokens").arg(tokens);
    return {};
}

bool CapabilityRule::matches(const QString &name, const QString &model) const
{
    if (provider != name)
        return false;
    if (modelPattern.isEmpty() || modelPattern == QLatin1String("*"))
        return true;
    if (modelPattern.endsWith(u'*'))
        return model.startsWith(modelPattern.chopped(1));
    return model == modelPattern;
}

void CapabilityRule::applyTo(ModelCapabilities &caps) const
{
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        if (it.key() == QLatin1String("tools"))
            caps.tools = it->toBool();
        else if (it.key() == QLatin1String("streaming"))
            caps.streaming = it->toBool();
        else if (it.key() == QLatin1String("json_schema"))
            caps.jsonSchema = it->toBool();
        else if (it.key() == QLatin1String("images"))
            caps.imageInput = it->toBool();
        else if (it.key() == QLatin1String("context"))
            caps.contextTokens = it->toInteger();
    }
}

Result<QList<CapabilityRule>> CapabilityRule::parseList(const QString &text)
{
    QList<CapabilityRule> rules;
    const auto invalid = [](const QString &what) {
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("capabilities: ") + what);
    };
    static const QStringList flags = {QStringLiteral("tools"), QStringLiteral("streaming"),
                                      QStringLiteral("json_schema"), QStringLiteral("images")};
    for (const QString &entry : text.split(u';', Qt::SkipEmptyParts)) {
        if (entry.trimmed().isEmpty())
            continue;
        const qsizetype eq = entry.indexOf(u'=');
        if (eq < 0)
            return invalid(QStringLiteral("\"%1\" is not provider:model=flags").arg(entry.trimmed()));
        auto target = parseTarget(entry.left(eq), false, true);
        if (!target)
            return invalid(QStringLiteral("\"%1\" is not provider:model").arg(entry.left(eq).trimmed()));
        CapabilityRule rule;
        rule.provider = target->provider;
        rule.modelPattern = target->model;
        for (const QString &raw : entry.mid(eq + 1).split(u',', Qt::SkipEmptyParts)) {
            const QString flag = raw.trimmed().toLower();
            if (flag.startsWith(QLatin1String("context="))) {
                bool ok = false;
                const qint64 tokens = flag.mid(8).toLongLong(&ok);
                if (!ok || tokens < 0)
                    return invalid(QStringLiteral("\"%1\": context=N takes a token count").arg(flag));
                rule.changes.insert(QStringLiteral("context"), tokens);
                continue;
            }
            const bool deny = flag.startsWith(QLatin1String("no-"));
            const QString name = deny ? flag.mid(3) : flag;
            if (!flags.contains(name))
                return invalid(QStringLiteral("unknown capability \"%1\" (known: %2, context=N; no- denies)")
                                   .arg(flag, flags.join(QStringLiteral(", "))));
            rule.changes.insert(name, !deny);
        }
        rules.append(rule);
    }
    return rules;
}

QJsonObject RouteAttempt::toJson() const
{
    QJsonObject json{{QStringLiteral("provider"), provider},
                     {QStringLiteral("model"), model},
                     {QStringLiteral("outcome"), outcome},
                     {QStringLiteral("latency_ms"), latencyMs}};
    if (usage.totalTokens > 0)
        json.insert(QStringLiteral("usage"),
                    QJsonObject{{QStringLiteral("prompt_tokens"), usage.promptTokens},
                                {QStringLiteral("completion_tokens"), usage.completionTokens},
                                {QStringLiteral("total_tokens"), usage.totalTokens}});
    if (httpStatus > 0)
        json.insert(QStringLiteral("http_status"), httpStatus);
    return json;
}

RouteAttempt RouteAttempt::fromJson(const QJsonObject &json)
{
    RouteAttempt attempt;
    attempt.provider = json.value(QStringLiteral("provider")).toString();
    attempt.model = json.value(QStringLiteral("model")).toString();
    attempt.outcome = json.value(QStringLiteral("outcome")).toString();
    attempt.latencyMs = json.value(QStringLiteral("latency_ms")).toInteger();
    attempt.httpStatus = json.value(QStringLiteral("http_status")).toInt();
    const QJsonObject usage = json.value(QStringLiteral("usage")).toObject();
    attempt.usage.promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInteger();
    attempt.usage.completionTokens = usage.value(QStringLiteral("completion_tokens")).toInteger();
    attempt.usage.totalTokens = usage.value(QStringLiteral("total_tokens")).toInteger();
    return attempt;
}

QJsonArray attemptsToJson(const QList<RouteAttempt> &attempts)
{
    QJsonArray array;
    for (const RouteAttempt &attempt : attempts)
        array.append(attempt.toJson());
    return array;
}

QJsonObject BreakerStatus::toJson() const
{
    return {{QStringLiteral("provider"), provider},
            {QStringLiteral("model"), model},
            {QStringLiteral("state"), state},
            {QStringLiteral("recent_failures"), recentFailures},
            {QStringLiteral("retry_in_ms"), retryInMs}};
}

} // namespace agency::core
