#include "completion.h"

#include "core/tokenestimate.h"

namespace agency::llm {

QString normaliseFinishReason(const QString &reason)
{
    const QString r = reason.trimmed().toLower();
    if (r.isEmpty())
        return {};
    if (r == QLatin1String("stop") || r == QLatin1String("end_turn") || r == QLatin1String("eos"))
        return finish::Stop;
    if (r == QLatin1String("tool_calls") || r == QLatin1String("function_call") ||
        r == QLatin1String("tool_use"))
        return finish::ToolCalls;
    if (r == QLatin1String("length") || r == QLatin1String("model_length") ||
        r == QLatin1String("max_tokens"))
        return finish::Length;
    if (r == QLatin1String("content_filter") || r == QLatin1String("safety") ||
        r == QLatin1String("recitation") || r == QLatin1String("blocklist") ||
        r == QLatin1String("prohibited_content") || r == QLatin1String("spii") ||
        r == QLatin1String("image_safety") || r == QLatin1String("model_armor"))
        return finish::ContentFilter;
    if (r == QLatin1String("error") || r == QLatin1String("malformed_function_call") ||
        r == QLatin1String("unexpected_tool_call"))
        return finish::Error;
    return r;
}

core::Result<Completion> finaliseCompletion(Completion completion, const CompletionRequest &request,
                                            const QString &who)
{
    completion.finishReason = normaliseFinishReason(completion.finishReason);
    if (!completion.toolCalls.isEmpty() &&
        (completion.finishReason.isEmpty() || completion.finishReason == finish::Stop))
        completion.finishReason = finish::ToolCalls;
    if (completion.finishReason.isEmpty())
        completion.finishReason = finish::Stop;
    if (completion.content.isEmpty() && completion.toolCalls.isEmpty() &&
        completion.finishReason == finish::ContentFilter) {
        return core::makeError(
            core::ErrorCode::ProviderBadRequest,
            who + QStringLiteral(": the answer was blocked by the provider's content filter"),
            {{QStringLiteral("finish_reason"), completion.finishReason}});
    }
    core::Usage &usage = completion.usage;
    if (usage.promptTokens == 0 && usage.completionTokens == 0 && usage.totalTokens == 0) {
        usage.promptTokens = core::estimatePromptTokens(request.messages, request.tools);
        QString produced = completion.content;
        for (const core::ToolCall &call : completion.toolCalls)
            produced += call.name + call.arguments;
        usage.completionTokens = core::estimateTokens(produced);
    }
    if (usage.totalTokens == 0)
        usage.totalTokens = usage.promptTokens + usage.completionTokens;
    return completion;
}

} // namespace agency::llm
