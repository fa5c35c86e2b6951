#pragma once

// Value types of the provider layer: what a caller asks a model (CompletionRequest), what comes back
// (Completion), the streamed pieces in between (Delta) and how a call is steered (CallOptions).
// Plain values: copyable, no thread affinity.

#include "core/async/canceltoken.h"
#include "core/message.h"
#include "core/providerinfo.h"
#include "core/responseformat.h"
#include "core/result.h"
#include "core/tooldefinition.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace agency::llm {

/// Whether and which tool the model must call. Function forces `functionName`.
struct ToolChoice
{
    enum class Mode { Auto, None, Required, Function };
    Mode mode = Mode::Auto;
    QString functionName; ///< Function mode only

    static ToolChoice automatic() { return {}; }
    static ToolChoice none() { return {Mode::None, {}}; }
    static ToolChoice required() { return {Mode::Required, {}}; }
    static ToolChoice function(QString name) { return {Mode::Function, std::move(name)}; }
};

/// One call to a chat model. Messages are sent in order; system messages may appear anywhere
/// (adapters whose protocol has a single system instruction gather them).
struct CompletionRequest
{
    QList<core::ChatMessage> messages;
    QList<core::ToolDefinition> tools;
    ToolChoice toolChoice;
    std::optional<double> temperature;
    std::optional<int> maxTokens;
    QString model; ///< empty = the provider's configured default model
    /// JSON mode or a JSON schema for the answer (OpenAI/Mistral `response_format`, Gemini
    /// `responseMimeType`/`responseSchema`); Text sends nothing.
    core::ResponseFormat responseFormat;
};

/// Normalised finish reasons (Completion::finishReason). Adapters map their protocol's values onto
/// these; a value outside the list is passed through lowercased.
namespace finish {
inline const QString Stop = QStringLiteral("stop");
inline const QString ToolCalls = QStringLiteral("tool_calls");
inline const QString Length = QStringLiteral("length");
inline const QString ContentFilter = QStringLiteral("content_filter");
inline const QString Error = QStringLiteral("error");
} // namespace finish

/// A model's answer: text and/or tool calls. Never "empty success": a call that produced nothing
/// usable is an error instead.
struct Completion
{
    QString content;
    QList<core::ToolCall> toolCalls;
    QString finishReason; ///< see llm::finish
    core::Usage usage;    ///< as reported by the provider (the demo provider estimates)
    QString provider;     ///< ProviderInfo::name of the adapter that answered
    QString model;        ///< the model that answered (as reported, else as requested)
    bool cached = false;  ///< served by the response cache: no provider call, usage all zero
};

/// A streamed piece of a completion. Either text (`text` non-empty) or a tool-call fragment
/// (`toolCallIndex` >= 0; id and name arrive with the first fragment of a call, arguments in pieces
/// that concatenate to the final ToolCall::arguments). Indexes are positions in Completion::toolCalls.
struct Delta
{
    QString text;
    int toolCallIndex = -1;
    QString toolCallId;
    QString toolCallName;
    QString argumentsFragment;

    bool isToolCall() const { return toolCallIndex >= 0; }
};

/// Who may share an answer through the response cache (llm::CachingProvider): the turn of a flow
/// that opts in names its tenant and flow; empty (the default) never touches the cache.
struct CacheScope
{
    QString tenantId;
    QString flowType;

    bool enabled() const { return !tenantId.isEmpty() && !flowType.isEmpty(); }
};

/// How one call runs. Setting `onDelta` asks for streaming: it is invoked on the provider's thread
/// for each piece as it arrives, before the future finishes. `cancel` aborts the call at any point
/// (the future then holds ErrorCode::Cancelled).
struct CallOptions
{
    std::function<void(const Delta &)> onDelta;
    core::CancelTokenPtr cancel;
    CacheScope cache{}; ///< initialised here, so "{onDelta, cancel}" stays a complete aggregate

    bool streaming() const { return static_cast<bool>(onDelta); }
};

/// Maps a protocol's finish reason onto llm::finish values (case-insensitive; OpenAI, Mistral and
/// Gemini spellings). Unknown values come back lowercased; empty stays empty.
QString normaliseFinishReason(const QString &reason);

/// The last step of every adapter: normalises the finish reason (tool calls present + "stop" →
/// "tool_calls"), fills in usage estimated by core::estimatePromptTokens/estimateTokens when the
/// provider reported none, and turns a blocked
/// answer with nothing in it into ProviderBadRequest (never an empty success). `who` names the
/// provider in the error message.
core::Result<Completion> finaliseCompletion(Completion completion, const CompletionRequest &request,
                                            const QString &who);

} // namespace agency::llm
