#include "demoprovider.h"
#include "demogithub.h"
#include "demoslack.h"
#include "schemaexample.h"

#include "core/async/resultpromise.h"
#include "core/json.h"
#include "core/text.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QRegularExpression>
#include <QTimer>

namespace agency::llm {

namespace {

const QString kWeatherTool = QStringLiteral("get_weather");
const QString kSearchTool = QStringLiteral("search_documents");

/// A search_documents result (its name, or its shape when the history lost the name).
bool isDocumentSearch(const core::ChatMessage &tool, const QJsonObject &payload)
{
    return tool.name == kSearchTool ||
           (tool.name.isEmpty() && payload.value(QLatin1String("hits")).isArray() &&
            payload.contains(QLatin1String("indexing")));
}

/// Quotes the best passage with its citation, so the offline path shows a cited answer.
QString answerFromDocuments(const QJsonObject &payload, const QString &question)
{
    const QJsonArray hits = payload.value(QLatin1String("hits")).toArray();
    const int indexing = payload.value(QLatin1String("indexing")).toInt();
    const QString stillIndexing =
        indexing > 0 ? QStringLiteral(" (%1 documents are still being indexed: results may be incomplete.)")
                           .arg(indexing)
                     : QString();
    if (hits.isEmpty()) {
        return QStringLiteral("I searched your documents for \"%1\" and found no passage about it.%2")
            .arg(core::truncateGraphemes(question.simplified(), 201), stillIndexing);
    }
    const QJsonObject best = hits.first().toObject();
    const QString title = best.value(QLatin1String("title")).toString();
    const int page = best.value(QLatin1String("page")).toInt();
    const QString passage =
        core::truncateGraphemes(best.value(QLatin1String("passage")).toString().simplified(), 600);
    const QString where = page > 0 ? QStringLiteral("%1, p. %2").arg(title).arg(page) : title;
    return QStringLiteral("According to %1: \"%2\" [%3]%4")
        .arg(where, passage)
        .arg(best.value(QLatin1String("citation")).toInt(1))
        .arg(stillIndexing);
}

/// The latest user message, the question a search answers.
QString lastUserText(const QList<core::ChatMessage> &messages)
{
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        if (messages.at(i).role == core::Role::User)
            return messages.at(i).content;
    }
    return {};
}

QString callId(const CompletionRequest &request, const QString &args)
{
    const QByteArray seed = "demo|" + QByteArray::number(request.messages.size()) + '|' + args.toUtf8();
    return QStringLiteral("call_demo_") +
           QString::fromLatin1(QCryptographicHash::hash(seed, QCryptographicHash::Sha256).toHex().left(16));
}

bool offered(const CompletionRequest &request, const QString &tool)
{
    const bool listed = std::any_of(request.tools.begin(), request.tools.end(),
                                    [&tool](const core::ToolDefinition &t) { return t.name == tool; });
    return listed && request.toolChoice.mode != ToolChoice::Mode::None &&
           (request.toolChoice.mode != ToolChoice::Mode::Function || request.toolChoice.functionName == tool);
}

/// Looks for the first of `keys` in `obj` or one level down (e.g. {"current": {...}}).
QJsonValue findValue(const QJsonObject &obj, const QStringList &keys, int depth = 2)
{
    for (const QString &key : keys) {
        if (obj.contains(key) && !obj.value(key).isNull() && !obj.value(key).isObject())
            return obj.value(key);
    }
    if (depth <= 0)
        return {};
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (it.value().isObject()) {
            const QJsonValue found = findValue(it.value().toObject(), keys, depth - 1);
            if (!found.isUndefined())
                return found;
        }
    }
    return {};
}

QString valueText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 4);
    if (v.isArray() && !v.toArray().isEmpty()) {
        const QJsonValue first = v.toArray().first();
        return first.isObject() ? first.toObject().value(QStringLiteral("description")).toString()
                                : valueText(first);
    }
    return {};
}

QString answerFromToolResult(const core::ChatMessage &tool, const QString &question)
{
    const QJsonDocument doc = QJsonDocument::fromJson(tool.content.toUtf8());
    if (doc.object().value(QLatin1String("success")).toBool(false)) {
        if (auto slack = demo::slackResultAnswer(tool.name, doc.object()))
            return *slack;
    }
    if (doc.isObject() && isDocumentSearch(tool, doc.object()) &&
        doc.object().value(QLatin1String("success")).toBool(true))
        return answerFromDocuments(doc.object(), question);
    const QString toolName = tool.name.isEmpty() ? QStringLiteral("the tool") : tool.name;
    if (!doc.isObject()) {
        return QStringLiteral("Here is what %1 returned: %2").arg(toolName, tool.content.left(500));
    }
    const QJsonObject obj = doc.object();
    const QJsonValue success = obj.value(QStringLiteral("success"));
    const QString error = valueText(findValue(obj, {QStringLiteral("error"), QStringLiteral("message")}, 1));
    if ((success.isBool() && !success.toBool()) ||
        (!error.isEmpty() && obj.contains(QStringLiteral("error")))) {
        return QStringLiteral("Sorry, I could not get that information: %1")
            .arg(error.isEmpty() ? QStringLiteral("the tool reported a failure") : error);
    }
    const QString place = valueText(findValue(obj, {QStringLiteral("location"), QStringLiteral("name"),
                                                    QStringLiteral("city"), QStringLiteral("place")}));
    const QString temperature =
        valueText(findValue(obj, {QStringLiteral("temperature"), QStringLiteral("temp"),
                                  QStringLiteral("temperature_c"), QStringLiteral("temperature_2m")}));
    const QString condition = valueText(findValue(
        obj, {QStringLiteral("condition"), QStringLiteral("conditions"), QStringLiteral("description"),
              QStringLiteral("summary"), QStringLiteral("weather")}));
    if (temperature.isEmpty() && condition.isEmpty()) {
        return QStringLiteral("Here is what %1 returned: %2")
            .arg(toolName, QString::fromUtf8(core::toCompactJson(obj)).left(500));
    }
    // State the units the tool reported: its own labels first, else derived from its unit system
    // (get_weather: metric = °C and m/s, imperial = °F and mph, standard = K and m/s).
    const QString units = valueText(findValue(obj, {QStringLiteral("units"), QStringLiteral("unit")}));
    const bool imperial = units == QLatin1String("imperial") ||
                          units.compare(QLatin1String("F"), Qt::CaseInsensitive) == 0 ||
                          units == QLatin1String("°F");
    const bool kelvin = units == QLatin1String("standard") || units == QLatin1String("K");
    QString degrees = valueText(obj.value(QStringLiteral("temperature_unit")));
    if (degrees.isEmpty())
        degrees = imperial ? QStringLiteral("°F") : kelvin ? QStringLiteral("K") : QStringLiteral("°C");
    degrees.prepend(u' ');
    QString windUnit = valueText(obj.value(QStringLiteral("wind_speed_unit")));
    if (windUnit.isEmpty())
        windUnit = imperial ? QStringLiteral("mph") : QStringLiteral("m/s");
    QString text = QStringLiteral("The current weather in %1:")
                       .arg(place.isEmpty() ? QStringLiteral("that place") : place);
    if (!temperature.isEmpty())
        text += u' ' + temperature + degrees;
    if (!condition.isEmpty())
        text += (temperature.isEmpty() ? QStringLiteral(" ") : QStringLiteral(", ")) + condition.toLower();
    text += u'.';
    const QString humidity =
        valueText(findValue(obj, {QStringLiteral("humidity"), QStringLiteral("relative_humidity_2m")}));
    const QString wind = valueText(findValue(
        obj, {QStringLiteral("wind_speed"), QStringLiteral("wind_speed_10m"), QStringLiteral("wind")}));
    if (!humidity.isEmpty())
        text += QStringLiteral(" Humidity %1%.").arg(humidity);
    if (!wind.isEmpty())
        text += QStringLiteral(" Wind %1 %2.").arg(wind, windUnit);
    return text;
}

QString introduction(const QString &userText)
{
    const QString quoted = core::truncateGraphemes(userText.simplified(), 201);
    QString text =
        QStringLiteral("Hello! I am the offline demo provider of Agency Console: this answer was made "
                       "locally, without an AI model or network access.");
    if (!quoted.isEmpty())
        text += QStringLiteral(" You wrote: \"%1\".").arg(quoted);
    // Said to consoles, servers and terminals alike: Settings is where the console's users go;
    // the manual covers the others.
    text += QStringLiteral(
        " To talk to a real model, open Settings (Ctrl+,), enter a provider's API key and choose it "
        "as the default provider; the next message goes to it (a server reads the same settings from "
        "its configuration). Ask me about the weather in a city to "
        "see tool calling at work, or, in the GitHub flow, about a repository (\"what is failing in "
        "owner/name?\").");
    return text;
}

} // namespace

DemoProvider::DemoProvider(QString defaultModel, int wordDelayMs, QObject *parent)
    : Provider(parent), m_defaultModel(std::move(defaultModel)), m_wordDelayMs(wordDelayMs)
{
}

core::ProviderInfo DemoProvider::info() const
{
    core::ProviderInfo info;
    info.name = QStringLiteral("demo");
    info.displayName = QStringLiteral("Demo (offline)");
    info.defaultModel = m_defaultModel;
    info.configured = true;
    info.offline = true;
    return info;
}

QString DemoProvider::weatherPlace(const QString &text)
{
    static const QRegularExpression topic(
        QStringLiteral(
            "\\b(weather|forecast|temperature|rain(ing|y)?|sunny|snow(ing|y)?|wind(y)?|hot|cold|warm)\\b"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression place(QStringLiteral("\\b(?:in|for|at)\\s+([^?!.,;:\\n\"]+)"),
                                          QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression trailing(
        QStringLiteral(
            "\\s+(today|tomorrow|tonight|now|right now|currently|please|this (morning|afternoon|evening|"
            "week|weekend)|like|at the moment)$"),
        QRegularExpression::CaseInsensitiveOption);
    const auto topicMatch = topic.match(text);
    if (!topicMatch.hasMatch())
        return {};
    auto match = place.match(text, topicMatch.capturedStart());
    if (!match.hasMatch())
        match = place.match(text);
    if (!match.hasMatch())
        return {};
    QString name = match.captured(1).simplified();
    for (QString previous; previous != name;) {
        previous = name;
        name.remove(trailing);
        name = name.simplified();
    }
    QStringList words = name.split(u' ', Qt::SkipEmptyParts);
    if (words.isEmpty() || words.size() > 5)
        return {};
    if (name == name.toLower()) {
        for (QString &w : words)
            w[0] = w[0].toUpper();
    }
    return words.join(u' ');
}

Completion DemoProvider::answer(const CompletionRequest &request)
{
    Completion c;
    c.provider = QStringLiteral("demo");
    c.finishReason = finish::Stop;
    const core::ChatMessage *last = nullptr;
    for (qsizetype i = request.messages.size() - 1; i >= 0; --i) {
        if (request.messages.at(i).role != core::Role::System) {
            last = &request.messages.at(i);
            break;
        }
    }
    if (last && last->role == core::Role::Tool) {
        // The results of the last round of tool calls, in order (several when it asked several).
        QList<core::ChatMessage> results;
        for (qsizetype i = request.messages.size() - 1;
             i >= 0 && request.messages.at(i).role == core::Role::Tool; --i)
            results.prepend(request.messages.at(i));
        if (const QString report = demo::gitHubSummary(results); !report.isEmpty()) {
            c.content = formatAnswer(request.responseFormat, report);
            return c;
        }
        c.content =
            formatAnswer(request.responseFormat, answerFromToolResult(*last, lastUserText(request.messages)));
        return c;
    }
    const QString userText = last ? last->content : QString();
    const bool asked = last && last->role == core::Role::User;
    if (asked) {
        auto slack =
            demo::slackCall(userText, [&request](const QString &tool) { return offered(request, tool); });
        if (slack) {
            const QString args = QString::fromUtf8(core::toCompactJson(slack->second));
            c.toolCalls.append(core::ToolCall{callId(request, args), slack->first, args});
            c.finishReason = finish::ToolCalls;
            return c;
        }
        if (auto mention = demo::mentionAnswer(userText)) {
            c.content = formatAnswer(request.responseFormat, *mention);
            return c;
        }
    }
    if (asked && offered(request, kWeatherTool)) {
        const QString place = weatherPlace(userText);
        if (!place.isEmpty()) {
            const QString args =
                QString::fromUtf8(core::toCompactJson(QJsonObject{{QStringLiteral("location"), place}}));
            c.toolCalls.append(core::ToolCall{callId(request, args), kWeatherTool, args});
            c.finishReason = finish::ToolCalls;
            return c;
        }
    }
    if (asked) {
        QStringList offeredNames;
        for (const core::ToolDefinition &tool : request.tools) {
            if (offered(request, tool.name))
                offeredNames.append(tool.name);
        }
        const auto calls = demo::gitHubCalls(userText, offeredNames);
        for (const auto &[tool, arguments] : calls) {
            const QString args = QString::fromUtf8(core::toCompactJson(arguments));
            c.toolCalls.append(core::ToolCall{callId(request, tool + args), tool, args});
        }
        if (!calls.isEmpty()) {
            c.finishReason = finish::ToolCalls;
            return c;
        }
    }
    // Offered only while the tenant has documents (flows::OfferedToolsSource): ask them.
    const QString question = userText.simplified().left(2000);
    if (asked && !question.isEmpty() && offered(request, kSearchTool)) {
        const QString args =
            QString::fromUtf8(core::toCompactJson(QJsonObject{{QStringLiteral("query"), question}}));
        c.toolCalls.append(core::ToolCall{callId(request, args), kSearchTool, args});
        c.finishReason = finish::ToolCalls;
        return c;
    }
    c.content = formatAnswer(request.responseFormat, introduction(userText));
    return c;
}

core::Async<Completion> DemoProvider::complete(const CompletionRequest &request, CallOptions options)
{
    if (options.cancel && options.cancel->isCancelled())
        return core::failedAsync<Completion>(
            core::makeError(core::ErrorCode::Cancelled, QStringLiteral("Demo: cancelled")));
    core::ResultPromise<Completion> promise;
    Completion full = answer(request);
    full.model = request.model.isEmpty() ? m_defaultModel : request.model;
    auto finalised = finaliseCompletion(full, request, QStringLiteral("Demo"));

    // The pieces the caller sees: words with their trailing spaces, then each tool call.
    QList<Delta> pieces;
    if (options.streaming()) {
        static const QRegularExpression word(QStringLiteral("\\s*\\S+\\s*"));
        for (auto it = word.globalMatch(full.content); it.hasNext();)
            pieces.append(Delta{it.next().captured(0), -1, {}, {}, {}});
        for (int i = 0; i < full.toolCalls.size(); ++i) {
            const core::ToolCall &call = full.toolCalls.at(i);
            pieces.append(Delta{{}, i, call.id, call.name, call.arguments});
        }
    }

    // One timer per call, parented to the provider: destroying the provider ends the call.
    auto *timer = new QTimer(this);
    timer->setInterval(m_wordDelayMs);
    auto next = std::make_shared<qsizetype>(0);
    auto finishCall = [promise, timer](core::Result<Completion> result) {
        timer->stop();
        timer->deleteLater();
        promise.finish(std::move(result));
    };
    connect(timer, &QTimer::timeout, timer,
            [pieces, next, onDelta = options.onDelta, finalised, finishCall, promise] {
                if (promise.isDone())
                    return;
                if (*next < pieces.size()) {
                    onDelta(pieces.at((*next)++));
                    return;
                }
                finishCall(finalised);
            });
    if (options.cancel) {
        // Stop at once; report on the next event-loop turn, not inside the caller's cancel().
        options.cancel->onCancel(timer, [timer, finishCall] {
            timer->stop();
            QMetaObject::invokeMethod(
                timer,
                [finishCall] {
                    finishCall(
                        core::makeError(core::ErrorCode::Cancelled, QStringLiteral("Demo: cancelled")));
                },
                Qt::QueuedConnection);
        });
    }
    timer->start();
    return promise.future();
}

} // namespace agency::llm
