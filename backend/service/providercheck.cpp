// AgencyService::testProvider: the settings dialog's "Test connection".

#include "agencyservice.h"
#include "llm/providerfactory.h"

#include <QElapsedTimer>

namespace agency::service {

core::Async<core::ProviderCheck> AgencyService::testProvider(const QString &name,
                                                             const core::ProviderOverride &typed)
{
    if (name.trimmed().isEmpty()) {
        return core::failedAsync<core::ProviderCheck>(
            core::makeError(core::ErrorCode::InvalidArgument, QStringLiteral("provider: must not be empty"),
                            {{QStringLiteral("field"), QStringLiteral("provider")}}));
    }
    llm::VertexSettings vertex;
    vertex.projectId = typed.vertexProjectId;
    vertex.location = typed.vertexLocation;
    vertex.baseUrl = typed.vertexBaseUrl;
    auto provider = m_deps.providers->withEndpoint(name, {typed.baseUrl, typed.apiKey, typed.model})
                        .withVertexLocation(vertex)
                        .create(name);
    if (!provider)
        return core::failedAsync<core::ProviderCheck>(provider.error());
    llm::CompletionRequest request;
    core::ChatMessage prompt;
    prompt.role = core::Role::User;
    prompt.content = QStringLiteral("Reply with the single word OK.");
    request.messages.append(prompt);
    request.maxTokens = 16;
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    std::shared_ptr<llm::Provider> keep = provider.value();
    // The continuation holds the provider: destroying it would abort the call.
    return keep->complete(request).then(
        [keep, timer](const core::Result<llm::Completion> &answer) -> core::Result<core::ProviderCheck> {
            if (!answer)
                return answer.error();
            core::ProviderCheck check;
            check.provider = answer->provider.isEmpty() ? keep->info().name : answer->provider;
            check.model = answer->model;
            check.reply = answer->content.trimmed().left(200);
            check.elapsedMs = timer->elapsed();
            return check;
        });
}

} // namespace agency::service
