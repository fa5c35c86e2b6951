#pragma once

// The service's value types under the names the console uses. The UI includes only service and
// core headers; when those types move between backend layers, only this file changes.

#include "service/agencyservice.h"

namespace agency::ui {

using Tenant = db::Tenant;
using Conversation = db::Conversation;
using ConversationQuery = db::ConversationQuery;
using Message = db::Message;
using SearchHit = db::SearchHit;
using SearchQuery = db::SearchQuery;
using TurnEvent = flows::TurnEvent;
using TurnRequest = flows::TurnRequest;
using TurnResult = flows::TurnResult;
using FlowDefinition = flows::FlowDefinition;
template <typename T> using Page = db::Page<T>;

} // namespace agency::ui
