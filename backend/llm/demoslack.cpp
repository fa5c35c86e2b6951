#include "demoslack.h"

#include "core/text.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace agency::llm::demo {

namespace {

QString firstMatch(const QString &pattern, const QString &text, int group = 1)
{
    const QRegularExpression re(pattern);
    const QRegularExpressionMatch match = re.match(text);
    return match.hasMatch() ? match.captured(group) : QString();
}

QString clip(const QString &text, int graphemes = 200)
{
    return core::truncateGraphemes(text.simplified(), graphemes);
}

} // namespace

std::optional<std::pair<QString, QJsonObject>> slackCall(const QString &userText, const Offered &offered)
{
    if (mentionAnswer(userText))
        return std::nullopt;
    const QString channel = firstMatch(QStringLiteral("\\b([CGD][A-Z0-9]{8,})\\b"), userText);
    const QString thread = firstMatch(QStringLiteral("\\b(\\d{9,11}\\.\\d{6})\\b"), userText);
    const QString user = firstMatch(QStringLiteral("\\b([UW][A-Z0-9]{8,})\\b"), userText);
    const QString quoted = firstMatch(QStringLiteral("[\"“]([^\"”]{1,2000})[\"”]"), userText);
    const bool wantsPost = QRegularExpression(QStringLiteral("\\b(post|send|say|reply|write)\\b"),
                                              QRegularExpression::CaseInsensitiveOption)
                               .match(userText)
                               .hasMatch();
    if (wantsPost && !channel.isEmpty() && !quoted.isEmpty() &&
        offered(QStringLiteral("slack_post_message"))) {
        QJsonObject args{{QStringLiteral("channel"), channel}, {QStringLiteral("text"), quoted}};
        if (!thread.isEmpty())
            args.insert(QStringLiteral("thread_ts"), thread);
        return std::pair{QStringLiteral("slack_post_message"), args};
    }
    if (!channel.isEmpty() && !thread.isEmpty() && offered(QStringLiteral("slack_thread_replies")))
        return std::pair{
            QStringLiteral("slack_thread_replies"),
            QJsonObject{{QStringLiteral("channel"), channel}, {QStringLiteral("thread_ts"), thread}}};
    if (!channel.isEmpty() && offered(QStringLiteral("slack_channel_history")))
        return std::pair{QStringLiteral("slack_channel_history"),
                         QJsonObject{{QStringLiteral("channel"), channel}}};
    if (!user.isEmpty() && offered(QStringLiteral("slack_user_info")))
        return std::pair{QStringLiteral("slack_user_info"), QJsonObject{{QStringLiteral("user"), user}}};
    return std::nullopt;
}

std::optional<QString> mentionAnswer(const QString &userText)
{
    // The responder's message: "You were mentioned in Slack channel C (thread T) by <@U>. The
    // thread so far:\n\n<@U>: text\n...\nAnswer the mention; ..."
    if (!userText.startsWith(QLatin1String("You were mentioned in Slack channel ")))
        return std::nullopt;
    QStringList lines;
    for (const QString &line : userText.split(u'\n')) {
        if (line.startsWith(QLatin1String("<@")) || line.startsWith(QLatin1String("(you)")))
            lines.append(line);
    }
    const QString who = firstMatch(QStringLiteral("by (<@[^>]+>)"), userText);
    if (lines.isEmpty())
        return QStringLiteral("Hello %1! I am the offline demo agent and could not read this thread.")
            .arg(who);
    return QStringLiteral(
               "Hello %1! This thread has %2 messages; the latest says: \"%3\". (Answered by the offline "
               "demo provider: configure a model for real answers.)")
        .arg(who)
        .arg(lines.size())
        .arg(clip(lines.last().section(QStringLiteral(": "), 1)));
}

std::optional<QString> slackResultAnswer(const QString &toolName, const QJsonObject &result)
{
    if (!toolName.startsWith(QLatin1String("slack_")))
        return std::nullopt;
    if (toolName == QLatin1String("slack_post_message"))
        return QStringLiteral("Posted to %1 (message %2).")
            .arg(result.value(QStringLiteral("channel")).toString(),
                 result.value(QStringLiteral("ts")).toString());
    if (toolName == QLatin1String("slack_user_info")) {
        QString text = QStringLiteral("<@%1> is %2")
                           .arg(result.value(QStringLiteral("id")).toString(),
                                result.value(QStringLiteral("real_name")).toString());
        if (const QString title = result.value(QStringLiteral("title")).toString(); !title.isEmpty())
            text += QStringLiteral(" (%1)").arg(title);
        if (const QString tz = result.value(QStringLiteral("tz")).toString(); !tz.isEmpty())
            text += QStringLiteral(", time zone %1").arg(tz);
        return text + u'.';
    }
    const QJsonArray messages = result.value(QStringLiteral("messages")).toArray();
    const QString channel = result.value(QStringLiteral("channel")).toString();
    if (messages.isEmpty())
        return QStringLiteral("There are no messages in %1.").arg(channel);
    QString text = toolName == QLatin1String("slack_thread_replies")
                       ? QStringLiteral("The thread in %1 has %2 messages:").arg(channel).arg(messages.size())
                       : QStringLiteral("The latest %1 messages in %2:").arg(messages.size()).arg(channel);
    for (qsizetype i = 0; i < std::min<qsizetype>(messages.size(), 5); ++i) {
        const QJsonObject message = messages.at(i).toObject();
        text += QStringLiteral("\n- <@%1>: %2")
                    .arg(message.value(QStringLiteral("user")).toString(),
                         clip(message.value(QStringLiteral("text")).toString(), 160));
    }
    return text;
}

} // namespace agency::llm::demo
