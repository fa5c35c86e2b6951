#pragma once

// Field checks shared by the OpenAI-compatible request parsers (chat completions, responses):
// every failure is BadRequest with details {"param": the offending member}, as OpenAI answers.

#include "core/error.h"
#include "core/result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace agency::http::openai {

core::Error invalid(const QString &param, const QString &message);
/// onlyKnownFields() in this format's terms: BadRequest with the first unknown member as `param`.
core::Status onlyDocumentedFields(const QJsonObject &object, const QStringList &fields,
                                  const QString &parent = {});
/// A message's content: a string, null (empty) or an array of parts whose `type` is one of
/// `textTypes`, their `text` joined. Any other part (image, audio, file) is BadRequest naming it.
core::Result<QString> contentText(const QJsonValue &content, const QString &param,
                                  const QStringList &textTypes);
/// false when absent or null; BadRequest when not a boolean.
core::Result<bool> optionalBool(const QJsonObject &object, const QString &key, const QString &param);

/// The members both APIs read alike: `model` names the flow type; `stream`; `stream_options`,
/// whose members are limited to `streamOptions` (`include_usage` is read when listed there).
struct ModelAndStream
{
    QString flowType;
    bool stream = false;
    bool includeUsage = false;
};
core::Result<ModelAndStream> readModelAndStream(const QJsonObject &body, const QStringList &streamOptions);

} // namespace agency::http::openai
