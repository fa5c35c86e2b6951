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

const QLatin1String kMentionStart("You were mentioned in Slack channel ");

const QString kQuoted = QStringLiteral("[\"“]([^\"”]{1,2000})[\"”]");

bool asksToPost(const QString &text)
{
    return QRegularExpression(QStringLiteral("\\b(post|send|say|reply|write)\\b"),
                              QRegularExpression::CaseInsensitiveOption)
        .match(text)
        .hasMatch();
}

/// The people's lines of the thread in the responder's message ("<@U>: text"), oldest first.
QStringList threadLines(const QString &mentionMessage)
{
    QStringList lines;
    for (const QString &line : mentionMessage.split(u'\n')) {
        if (line.startsWith(QLatin1String("<@")) || line.startsWith(QLatin1String("(you)")))
            lines.append(line);
    }
    return lines;
}

/// A mention whose latest line asks to post "..." becomes a reply in its own thread (a write,
/// so it waits for approval like any other).
std::optional<std::pair<QString, QJsonObject>> mentionPost(const QString &mentionMessage,
                                                           const Offered &offered)
{
    QString latest; // what the latest person wrote (not our own answers)
    for (const QString &line : threadLines(mentionMessage)) {
        if (line.startsWith(QLatin1String("<@")))
            latest = line.section(QStringLiteral(": "), 1);
    }
    if (latest.isEmpty() || !offered(QStringLiteral("slack_post_message")))
        return std::nullopt;
    const QString quoted = firstMatch(kQuoted, latest);
    const QString channel =
        firstMatch(QStringLiteral("^You were mentioned in Slack channel (\\S+) "), mentionMessage);
    const QString thread = firstMatch(QStringLiteral("\\(thread ([^)]+)\\)"), mentionMessage);
    if (!asksToPost(latest) || quoted.isEmpty() || channel.isEmpty())
        return std::nullopt;
    QJsonObject args{{QStringLiteral("channel"), channel}, {QStringLiteral("text"), quoted}};
    if (!thread.isEmpty())
        args.insert(QStringLiteral("thread_ts"), thread);
    return std::pair{QStringLiteral("slack_post_message"), args};
}

} // namespace

std::optional<std::pair<QString, QJsonObject>> slackCall(const QString &userText, const Offered &offered)
{
    if (userText.startsWith(kMentionStart))
        return mentionPost(userText, offered);
    const QString channel = firstMatch(QStringLiteral("\\b([CGD][A-Z0-9]{8,})\\b"), userText);
    const QString thread = firstMatch(QStringLiteral("\\b(\\d{9,11}\\.\\d{6})\\b"), userText);
    const QString user = firstMatch(QStringLiteral("\\b([UW][A-Z0-9]{8,})\\b"), userText);
    const QString quoted = firstMatch(kQuoted, userText);
    if (asksToPost(userText) && !channel.isEmpty() && !quoted.isEmpty() &&
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
    if (!userText.startsWith(kMentionStart))
        return std::nullopt;
    const QStringList lines = threadLines(userText);
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
