#pragma once

#include <QtGlobal>

/// The domain's size limits, one definition each: the service, the repositories, the HTTP API
/// and the CLI all check against these. Over a limit is a validation error (InvalidArgument or
/// PayloadTooLarge), never a SQL error.
namespace agency::core::limits {

constexpr qsizetype kMaxContentChars = 1'000'000; ///< one message's text
constexpr qsizetype kMaxMetadataBytes = 65'536;   ///< one JSON metadata object, serialised
constexpr qsizetype kMaxTitleChars = 200;
constexpr qsizetype kMaxToolCallsPerMessage = 128;
constexpr int kMaxPageSize = 200; ///< the largest page a listing returns
constexpr int kMaxHistory = 10'000;
constexpr int kMaxMessagesPerSave = 1'000;

} // namespace agency::core::limits
