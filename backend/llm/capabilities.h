#pragma once

#include "core/providerinfo.h"
#include "core/route.h"

namespace agency::llm {

/// What each provider and model can do (docs/providers.md#capabilities): built-in defaults per
/// provider (every adapter supports tools, streaming and JSON output; image input and context
/// length by model family), then the deployment's LLM_CAPABILITIES rules, later ones winning,
/// then what the adapter itself says it cannot do (ProviderInfo). Plain value.
class CapabilityTable
{
public:
    explicit CapabilityTable(QList<core::CapabilityRule> overrides = {});

    /// `model` is the model the call really uses (the provider's default when a route names none).
    core::ModelCapabilities of(const core::ProviderInfo &provider, const QString &model) const;

    /// The built-in rules, in LLM_CAPABILITIES syntax (for the docs and tests).
    static QString builtinRules();

private:
    QList<core::CapabilityRule> m_rules;
};

} // namespace agency::llm
