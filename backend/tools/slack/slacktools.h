#pragma once

#include "slackclient.h"
#include "tools/tool.h"

#include <memory>

namespace agency::tools {
class ToolRegistry;
}

namespace agency::tools::slack {

/// The Slack flow's tools over one client (docs/flows-and-tools.md#slack):
/// slack_channel_history (conversations.history), slack_thread_replies (conversations.replies),
/// slack_user_info (users.info) and slack_post_message (chat.postMessage, approved by a person
/// before it is sent).
core::Status addSlackTools(ToolRegistry &registry, std::shared_ptr<SlackClient> client);

/// A Slack message as the model sees it: ts, user, text, and thread_ts/reply_count when present.
QJsonObject messageView(const QJsonObject &message);

} // namespace agency::tools::slack
