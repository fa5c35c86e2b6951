#include "pricetable.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace agency::ratelimit {

namespace {

constexpr double kMaxPricePerMillion = 1'000'000; ///< a sanity bound, far above any real price

core::Error invalid(const QString &source, const QString &where, const QString &message)
{
    return core::makeError(core::ErrorCode::InvalidArgument,
                           QStringLiteral("%1: %2: %3").arg(source, where, message),
                           {{QStringLiteral("field"), where}, {QStringLiteral("source"), source}});
}

core::Result<double> price(const QJsonObject &entry, const QString &key, const QString &source,
                           const QString &where)
{
    const QJsonValue v = entry.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < 0 ||
        v.toDouble() > kMaxPricePerMillion)
        return invalid(source, where + u'.' + key,
                       QStringLiteral("must be a number of dollars per million tokens, 0 or more"));
    return v.toDouble();
}

} // namespace

core::Result<PriceTable> PriceTable::fromJson(const QByteArray &json, const QString &source)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return invalid(source, QStringLiteral("file"),
                       QStringLiteral("is not a JSON object (%1)").arg(error.errorString()));
    const QJsonObject root = doc.object();
    PriceTable table;
    table.m_asOf = root.value(QStringLiteral("as_of")).toString();
    if (root.contains(QStringLiteral("currency")) &&
        root.value(QStringLiteral("currency")).toString() != QLatin1String("USD"))
        return invalid(source, QStringLiteral("currency"), QStringLiteral("must be \"USD\""));
    const QJsonValue models = root.value(QStringLiteral("models"));
    if (!models.isObject())
        return invalid(source, QStringLiteral("models"),
                       QStringLiteral("must be an object of providers, each an object of models"));
    const QJsonObject byProvider = models.toObject();
    for (auto p = byProvider.begin(); p != byProvider.end(); ++p) {
        const QString where = QStringLiteral("models.") + p.key();
        if (!p.value().isObject())
            return invalid(source, where, QStringLiteral("must be an object of models"));
        const QJsonObject entries = p.value().toObject();
        for (auto m = entries.begin(); m != entries.end(); ++m) {
            const QString at = where + u'.' + m.key();
            if (m.key().isEmpty() || !m.value().isObject())
                return invalid(source, at, QStringLiteral("must be {\"input\": …, \"output\": …}"));
            auto input = price(m.value().toObject(), QStringLiteral("input"), source, at);
            if (!input)
                return input.error();
            auto output = price(m.value().toObject(), QStringLiteral("output"), source, at);
            if (!output)
                return output.error();
            table.m_prices[p.key().toLower()].insert(m.key(), ModelPrice{input.value(), output.value()});
        }
    }
    return table;
}

core::Result<PriceTable> PriceTable::load(const QString &overridePath)
{
    QFile defaults(QStringLiteral(":/prices/prices.json"));
    if (!defaults.open(QIODevice::ReadOnly))
        return core::makeError(core::ErrorCode::Internal,
                               QStringLiteral("the built-in price table is missing"));
    auto table = fromJson(defaults.readAll(), QStringLiteral("built-in prices"));
    if (!table || overridePath.isEmpty())
        return table;
    QFile file(overridePath);
    if (!file.open(QIODevice::ReadOnly))
        return core::makeError(
            core::ErrorCode::InvalidArgument,
            QStringLiteral("LLM_PRICES_FILE: cannot read %1: %2").arg(overridePath, file.errorString()),
            {{QStringLiteral("field"), QStringLiteral("LLM_PRICES_FILE")}});
    auto overrides = fromJson(file.readAll(), QStringLiteral("LLM_PRICES_FILE ") + overridePath);
    if (!overrides)
        return overrides.error();
    PriceTable merged = table.value();
    merged.overlay(overrides.value());
    return merged;
}

void PriceTable::overlay(const PriceTable &other)
{
    for (auto p = other.m_prices.begin(); p != other.m_prices.end(); ++p) {
        for (auto m = p.value().begin(); m != p.value().end(); ++m)
            m_prices[p.key()].insert(m.key(), m.value());
    }
    if (!other.m_asOf.isEmpty())
        m_asOf = other.m_asOf;
}

std::optional<ModelPrice> PriceTable::find(const QString &provider, const QString &model) const
{
    const auto p = m_prices.constFind(provider.toLower());
    if (p == m_prices.constEnd())
        return std::nullopt;
    if (auto exact = p->constFind(model); exact != p->constEnd())
        return exact.value();
    const QString *best = nullptr;
    for (auto m = p->begin(); m != p->end(); ++m) {
        const QString &key = m.key();
        // "gpt-4o" must not price "gpt-4o1": a prefix counts only up to a '-'.
        if (key != QLatin1String("*") && model.size() > key.size() && model.startsWith(key) &&
            model.at(key.size()) == u'-' && (!best || key.size() > best->size()))
            best = &key;
    }
    if (best)
        return p->value(*best);
    if (auto any = p->constFind(QStringLiteral("*")); any != p->constEnd())
        return any.value();
    return std::nullopt;
}

std::optional<double> PriceTable::costUsd(const QString &provider, const QString &model, qint64 promptTokens,
                                          qint64 completionTokens) const
{
    const auto found = find(provider, model);
    if (!found)
        return std::nullopt;
    return (static_cast<double>(promptTokens) * found->inputPerMillion +
            static_cast<double>(completionTokens) * found->outputPerMillion) /
           1'000'000.0;
}

qsizetype PriceTable::size() const
{
    qsizetype n = 0;
    for (const auto &models : m_prices)
        n += models.size();
    return n;
}

} // namespace agency::ratelimit
