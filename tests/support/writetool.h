#pragma once

// A tool for tests of approval before writes: it "acts on another system" (requiresApproval()),
// records every call it gets, and answers with what it was given. Header-only.

#include "tools/tool.h"

#include <QJsonArray>

namespace agency::test {

class RecordingWriteTool : public tools::Tool
{
public:
    struct Call
    {
        QJsonObject arguments;
        QString tenantId;
    };

    QString name() const override { return QStringLiteral("post_note"); }
    QString description() const override { return QStringLiteral("Posts a note to the team board."); }
    QJsonObject parameters() const override
    {
        return {{QStringLiteral("type"), QStringLiteral("object")},
                {QStringLiteral("properties"),
                 QJsonObject{
                     {QStringLiteral("text"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                          {QStringLiteral("minLength"), 1}}},
                     {QStringLiteral("board"),
                      QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                  {QStringLiteral("default"), QStringLiteral("team")}}}}},
                {QStringLiteral("required"), QJsonArray{QStringLiteral("text")}},
                {QStringLiteral("additionalProperties"), false}};
    }
    bool requiresApproval() const override { return true; }

    core::Async<QJsonObject> execute(const QJsonObject &arguments, const tools::ToolContext &context,
                                     const core::CancelTokenPtr &) override
    {
        m_calls.append(Call{arguments, context.tenantId});
        return core::readyAsync<QJsonObject>(
            QJsonObject{{QStringLiteral("posted"), true},
                        {QStringLiteral("note_id"), m_calls.size()},
                        {QStringLiteral("text"), arguments.value(QStringLiteral("text"))}});
    }

    const QList<Call> &calls() const { return m_calls; }

private:
    QList<Call> m_calls;
};

} // namespace agency::test
