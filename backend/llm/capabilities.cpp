#include "capabilities.h"

namespace agency::llm {

QString CapabilityTable::builtinRules()
{
    // Context lengths of the current model families (the providers' model pages); a model not
    // matched keeps 0 (unknown, not checked).
    return QStringLiteral("openai:*=images,context=128000;"
                          "openai:gpt-4.1*=context=1047576;"
                          "openai:gpt-3.5*=no-images,context=16385;"
                          "mistral:*=context=128000;"
                          "mistral:pixtral*=images;"
                          "mistral:mistral-medium*=images;"
                          "mistral:mistral-small*=images;"
                          "vertex:*=images,context=1048576;"
                          "gemini:*=images,context=1048576");
}

CapabilityTable::CapabilityTable(QList<core::CapabilityRule> overrides)
{
    // The built-in text is a constant: it parses.
    m_rules = core::CapabilityRule::parseList(builtinRules()).value();
    m_rules += overrides;
}

core::ModelCapabilities CapabilityTable::of(const core::ProviderInfo &provider, const QString &model) const
{
    core::ModelCapabilities caps;
    for (const core::CapabilityRule &rule : m_rules) {
        if (rule.matches(provider.name, model))
            rule.applyTo(caps);
    }
    // What the adapter cannot do, no rule can grant.
    caps.tools = caps.tools && provider.supportsTools;
    caps.streaming = caps.streaming && provider.supportsStreaming;
    caps.jsonSchema = caps.jsonSchema && provider.supportsResponseFormat;
    return caps;
}

} // namespace agency::llm
