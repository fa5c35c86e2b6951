#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <optional>

namespace agency::ratelimit {

/// What one model costs, in US dollars per million tokens.
struct ModelPrice
{
    double inputPerMillion = 0;  ///< prompt tokens
    double outputPerMillion = 0; ///< completion tokens

    bool operator==(const ModelPrice &) const = default;
};

/// The price of each model by provider (docs/costs.md). The program ships defaults
/// (resources/prices.json, compiled in); a deployment overrides or adds entries with its own file
/// of the same shape (setting LLM_PRICES_FILE):
///
///     {"as_of": "2026-12-07",
///      "models": {"openai": {"gpt-4o-mini": {"input": 0.15, "output": 0.60}},
///                 "demo": {"*": {"input": 0, "output": 0}}}}
///
/// A model name matches its own entry, else the longest entry it starts with followed by '-'
/// (dated versions and "-latest": "gpt-4o-mini-2024-07-18" costs what "gpt-4o-mini" does), else
/// the provider's "*" entry. No match: the cost is unknown (not zero). Plain value.
class PriceTable
{
public:
    /// Parses a price file; errors (InvalidArgument) name `source` and the bad entry.
    static core::Result<PriceTable> fromJson(const QByteArray &json, const QString &source);
    /// The compiled-in defaults with the file at `overridePath` laid over them (empty: none).
    static core::Result<PriceTable> load(const QString &overridePath);

    /// Entries of `other` replace or add to this table's.
    void overlay(const PriceTable &other);

    std::optional<ModelPrice> find(const QString &provider, const QString &model) const;
    /// Dollars for a call; nullopt when the model has no price.
    std::optional<double> costUsd(const QString &provider, const QString &model, qint64 promptTokens,
                                  qint64 completionTokens) const;

    QString asOf() const { return m_asOf; }
    qsizetype size() const;

private:
    QHash<QString, QHash<QString, ModelPrice>> m_prices; ///< provider → model → price
    QString m_asOf;
};

} // namespace agency::ratelimit
