#pragma once

// Faults a fake provider can inject, for any wire format that streams server-sent events (OpenAI,
// Mistral, Vertex/Gemini): build the payloads with that format's streamPayloads(), then break them.
//
//     server.enqueue(faults::cutAfter(openai::streamPayloads(faults::tokens(60)), 41)); // role + 40
//     server.enqueue(faults::rateLimited(openai::errorReply(429, "slow down"), 3600));

#include "fakehttpserver.h"

#include <QStringList>

namespace agency::test::faults {

/// "t1 ", "t2 ", … "tN ": one streamed token each.
QStringList tokens(int count);
/// `response` (a 429 error body) with Retry-After: `seconds`.
FakeResponse rateLimited(FakeResponse response, int seconds);
/// The first `keep` payloads as SSE events, then the connection closes mid-body (no end of stream).
FakeResponse cutAfter(const QList<QByteArray> &payloads, int keep);
/// SSE headers, then nothing: the connection stays open and silent.
FakeResponse stall();
/// An event whose data is not JSON, before the stream's own events.
FakeResponse malformedFirst(const QList<QByteArray> &payloads);

} // namespace agency::test::faults
