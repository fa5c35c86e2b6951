#pragma once

#include "core/mcpserver.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace agency::core {

/// A flow is data plus tools (docs/design.md#flows-and-tools): what the agent is told, which tools it may
/// call, and how far a turn may go. Built-ins ship as JSON in resources/flows/; users add JSON files to the
/// config directory (flows::parseFlowDefinition reads and validates them). Plain value.
struct FlowDefinition
{
    QString flowType; ///< ^[a-z0-9][a-z0-9_-]{0,63}$, the key stored with every conversation
    QString title;
    QString description;
    QString systemPrompt;
    QStringList tools;                 ///< tool names from the registry
    QString provider;                  ///< empty: the configured default provider
    QString model;                     ///< empty: the provider's default model
    std::optional<double> temperature; ///< 0..2
    std::optional<int> maxTokens;      ///< per provider call
    int maxToolRounds = 4;             ///< provider calls that may end in tool calls, 0..16
    int historyWindow = 50;            ///< most recent messages sent with each call, 1..1000
    QString route;                     ///< a core::Route in text form; empty: none (see Route)
    /// A turn needing no tools whose prompt fits in this many tokens goes to the route's `small=`
    /// target first; 0: never.
    int smallMaxTokens = 0;
    bool cacheResponses = false; ///< "cache": answer repeated requests from the response cache
    /// "store_answer_as_document": a completed run's answer is also stored as a document of the
    /// tenant in this collection (docs/design.md#runs); empty: runs store only their conversation.
    QString answerCollection;
    /// MCP servers whose tools the model gets beside `tools` (docs/mcp.md#using-mcp-servers-in-flows).
    QList<McpServerConfig> mcpServers;
    QString source; ///< where it was loaded from (for messages)

    /// The flow file's JSON shape (snake_case keys; unset optionals left out).
    QJsonObject toJson() const;
};

} // namespace agency::core
