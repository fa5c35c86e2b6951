#include "slacktools.h"

#include "tools/toolregistry.h"

#include <QJsonArray>

namespace agency::tools::slack {

namespace {

QJsonObject stringProperty(const QString &description, int maxLength = 200)
{
    return {{QStringLiteral("type"), QStringLiteral("string")},
            {QStringLiteral("minLength"), 1},
            {QStringLiteral("maxLength"), maxLength},
            {QStringLiteral("description"), description}};
}

QJsonObject limitProperty()
{
    return {{QStringLiteral("type"), QStringLiteral("integer")},
            {QStringLiteral("minimum"), 1},
            {QStringLiteral("maximum"), 100},
            {QStringLiteral("default"), 20},
            {QStringLiteral("description"), QStringLiteral("How many messages at most")}};
}

QJsonObject schema(const QJsonObject &properties, const QStringList &required)
{
    return {{QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("properties"), properties},
            {QStringLiteral("required"), QJsonArray::fromStringList(required)},
            {QStringLiteral("additionalProperties"), false}};
}

QJsonObject channelProperty()
{
    return stringProperty(QStringLiteral("The channel id, e.g. C0123456789"), 30);
}

QJsonObject threadProperty()
{
    return stringProperty(QStringLiteral("The thread's parent message ts, e.g. 1733600000.000100"), 30);
}

QJsonArray messagesOf(const QJsonObject &answer)
{
    QJsonArray out;
    for (const QJsonValue &message : answer.value(QStringLiteral("messages")).toArray())
        out.append(messageView(message.toObject()));
    return out;
}

/// Applies `shape` to a successful answer; errors pass through.
template <typename Shape> core::Async<QJsonObject> shaped(core::Async<QJsonObject> answer, Shape shape)
{
    return answer.then([shape](const core::Result<QJsonObject> &result) -> core::Result<QJsonObject> {
        if (!result)
            return result.error();
        return shape(result.value());
    });
}

/// Shared by the tools: the client and a name, description and schema.
class SlackTool : public Tool
{
public:
    SlackTool(std::shared_ptr<SlackClient> client, QString name, QString description, QJsonObject parameters)
        : m_client(std::move(client)), m_name(std::move(name)), m_description(std::move(description)),
          m_parameters(std::move(parameters))
    {
    }
    QString name() const override { return m_name; }
    QString description() const override { return m_description; }
    QJsonObject parameters() const override { return m_parameters; }

protected:
    std::shared_ptr<SlackClient> m_client;

private:
    QString m_name;
    QString m_description;
    QJsonObject m_parameters;
};

class ChannelHistoryTool : public SlackTool
{
public:
    explicit ChannelHistoryTool(std::shared_ptr<SlackClient> client)
        : SlackTool(std::move(client), QStringLiteral("slack_channel_history"),
                    QStringLiteral("The most recent messages of a Slack channel, newest first."),
                    schema({{QStringLiteral("channel"), channelProperty()},
                            {QStringLiteral("limit"), limitProperty()}},
                           {QStringLiteral("channel")}))
    {
    }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override
    {
        QUrlQuery query;
        const QString channel = arguments.value(QStringLiteral("channel")).toString();
        query.addQueryItem(QStringLiteral("channel"), channel);
        query.addQueryItem(QStringLiteral("limit"),
                           QString::number(arguments.value(QStringLiteral("limit")).toInt(20)));
        return shaped(m_client->get(context.tenantId, QStringLiteral("conversations.history"), query, cancel),
                      [channel](const QJsonObject &answer) {
                          return QJsonObject{
                              {QStringLiteral("channel"), channel},
                              {QStringLiteral("messages"), messagesOf(answer)},
                              {QStringLiteral("has_more"), answer.value(QStringLiteral("has_more"))}};
                      });
    }
};

class ThreadRepliesTool : public SlackTool
{
public:
    explicit ThreadRepliesTool(std::shared_ptr<SlackClient> client)
        : SlackTool(std::move(client), QStringLiteral("slack_thread_replies"),
                    QStringLiteral("A Slack thread: its parent message and the replies, oldest first."),
                    schema({{QStringLiteral("channel"), channelProperty()},
                            {QStringLiteral("thread_ts"), threadProperty()},
                            {QStringLiteral("limit"), limitProperty()}},
                           {QStringLiteral("channel"), QStringLiteral("thread_ts")}))
    {
    }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override
    {
        QUrlQuery query;
        const QString channel = arguments.value(QStringLiteral("channel")).toString();
        const QString thread = arguments.value(QStringLiteral("thread_ts")).toString();
        query.addQueryItem(QStringLiteral("channel"), channel);
        query.addQueryItem(QStringLiteral("ts"), thread);
        query.addQueryItem(QStringLiteral("limit"),
                           QString::number(arguments.value(QStringLiteral("limit")).toInt(20)));
        return shaped(m_client->get(context.tenantId, QStringLiteral("conversations.replies"), query, cancel),
                      [channel, thread](const QJsonObject &answer) {
                          return QJsonObject{{QStringLiteral("channel"), channel},
                                             {QStringLiteral("thread_ts"), thread},
                                             {QStringLiteral("messages"), messagesOf(answer)}};
                      });
    }
};

class UserInfoTool : public SlackTool
{
public:
    explicit UserInfoTool(std::shared_ptr<SlackClient> client)
        : SlackTool(std::move(client), QStringLiteral("slack_user_info"),
                    QStringLiteral("Who a Slack user is: name, real name, title, time zone."),
                    schema({{QStringLiteral("user"),
                             stringProperty(QStringLiteral("The user id, e.g. U0123456789"), 30)}},
                           {QStringLiteral("user")}))
    {
    }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override
    {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("user"), arguments.value(QStringLiteral("user")).toString());
        return shaped(m_client->get(context.tenantId, QStringLiteral("users.info"), query, cancel),
                      [](const QJsonObject &answer) {
                          const QJsonObject user = answer.value(QStringLiteral("user")).toObject();
                          const QJsonObject profile = user.value(QStringLiteral("profile")).toObject();
                          return QJsonObject{
                              {QStringLiteral("id"), user.value(QStringLiteral("id"))},
                              {QStringLiteral("name"), user.value(QStringLiteral("name"))},
                              {QStringLiteral("real_name"), user.value(QStringLiteral("real_name"))},
                              {QStringLiteral("display_name"), profile.value(QStringLiteral("display_name"))},
                              {QStringLiteral("title"), profile.value(QStringLiteral("title"))},
                              {QStringLiteral("tz"), user.value(QStringLiteral("tz"))},
                              {QStringLiteral("is_bot"), user.value(QStringLiteral("is_bot"))}};
                      });
    }
};

class PostMessageTool : public SlackTool
{
public:
    explicit PostMessageTool(std::shared_ptr<SlackClient> client)
        : SlackTool(
              std::move(client), QStringLiteral("slack_post_message"),
              QStringLiteral("Post a message to a Slack channel, or a reply in a thread when thread_ts is "
                             "given. A person approves it before it is sent."),
              schema({{QStringLiteral("channel"), channelProperty()},
                      {QStringLiteral("text"),
                       stringProperty(QStringLiteral("The message (Slack mrkdwn)"), 4000)},
                      {QStringLiteral("thread_ts"), threadProperty()}},
                     {QStringLiteral("channel"), QStringLiteral("text")}))
    {
    }
    bool requiresApproval() const override { return true; }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override
    {
        return shaped(m_client->post(context.tenantId, QStringLiteral("chat.postMessage"), arguments, cancel),
                      [](const QJsonObject &answer) {
                          return QJsonObject{
                              {QStringLiteral("channel"), answer.value(QStringLiteral("channel"))},
                              {QStringLiteral("ts"), answer.value(QStringLiteral("ts"))},
                              {QStringLiteral("posted"), true}};
                      });
    }
};

} // namespace

QJsonObject messageView(const QJsonObject &message)
{
    QJsonObject view{{QStringLiteral("ts"), message.value(QStringLiteral("ts"))},
                     {QStringLiteral("user"), message.value(QStringLiteral("user"))},
                     {QStringLiteral("text"), message.value(QStringLiteral("text"))}};
    for (const char *key : {"thread_ts", "reply_count", "bot_id"}) {
        const QString name = QLatin1String(key);
        if (message.contains(name))
            view.insert(name, message.value(name));
    }
    return view;
}

core::Status addSlackTools(ToolRegistry &registry, std::shared_ptr<SlackClient> client)
{
    for (std::shared_ptr<Tool> tool : {std::shared_ptr<Tool>(std::make_shared<ChannelHistoryTool>(client)),
                                       std::shared_ptr<Tool>(std::make_shared<ThreadRepliesTool>(client)),
                                       std::shared_ptr<Tool>(std::make_shared<UserInfoTool>(client)),
                                       std::shared_ptr<Tool>(std::make_shared<PostMessageTool>(client))}) {
        if (auto added = registry.add(std::move(tool)); !added)
            return added;
    }
    return {};
}

} // namespace agency::tools::slack
