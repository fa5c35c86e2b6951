#include "agencyservice.h"
#include "core/validation.h"
#include "db/conversationrepository.h"

// A reply the user stopped: what had streamed is stored as the assistant's answer, marked
// stopped, so the conversation shows and replays what the user saw (docs/design.md#console).

namespace agency::service {

core::Async<core::Message> AgencyService::keepStoppedAnswer(const QString &tenantId,
                                                            const QString &conversationId,
                                                            const QString &partialText,
                                                            const QString &provider, const QString &model)
{
    auto id = core::parseConversationId(conversationId);
    if (!id)
        return core::failedAsync<core::Message>(id.error());
    if (partialText.trimmed().isEmpty()) {
        return core::failedAsync<core::Message>(
            core::makeError(core::ErrorCode::InvalidArgument, QStringLiteral("content: must not be empty"),
                            {{QStringLiteral("field"), QStringLiteral("content")}}));
    }
    db::NewMessage answer;
    answer.role = core::Role::Assistant;
    answer.content = partialText;
    answer.metadata = {{QStringLiteral("stopped"), true},
                       {QStringLiteral("finish_reason"), QStringLiteral("stopped")}};
    if (!provider.isEmpty())
        answer.metadata.insert(QStringLiteral("provider"), provider);
    if (!model.isEmpty())
        answer.metadata.insert(QStringLiteral("model"), model);
    return m_deps.conversations->saveMessage(tenantId, id.value(), answer);
}

} // namespace agency::service
