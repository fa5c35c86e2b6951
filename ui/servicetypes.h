#pragma once

// The service's value types under the names the console uses. The UI includes only service and
// core headers; when those types move or are renamed, only this file changes.

#include "service/agencyservice.h"

namespace agency::ui {

using Tenant = core::Tenant;
using Conversation = core::Conversation;
using ConversationQuery = core::ConversationQuery;
using Message = core::Message;
using SearchHit = core::SearchHit;
using SearchQuery = core::SearchQuery;
using TurnEvent = core::TurnEvent;
using TurnRequest = core::TurnRequest;
using TurnResult = core::TurnResult;
using FlowDefinition = core::FlowDefinition;
using ProviderInfo = core::ProviderInfo;
using UsageSummaryRow = core::UsageSummaryRow;
using LimitStatus = core::LimitStatus;
using WindowStatus = core::WindowStatus;
template <typename T> using Page = core::Page<T>;

} // namespace agency::ui
