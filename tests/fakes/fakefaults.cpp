#include "fakefaults.h"

namespace agency::test::faults {

QStringList tokens(int count)
{
    QStringList list;
    for (int i = 1; i <= count; ++i)
        list.append(QStringLiteral("t%1 ").arg(i));
    return list;
}

FakeResponse rateLimited(FakeResponse response, int seconds)
{
    response.header("Retry-After", QByteArray::number(seconds));
    return response;
}

FakeResponse cutAfter(const QList<QByteArray> &payloads, int keep)
{
    FakeResponse response = FakeResponse::sse(payloads.mid(0, keep));
    response.end(FakeResponse::Ending::Close);
    return response;
}

FakeResponse stall()
{
    FakeResponse response = FakeResponse::sseChunks({{QByteArray(": waiting\n\n"), 0}});
    response.end(FakeResponse::Ending::Hang);
    return response;
}

FakeResponse malformedFirst(const QList<QByteArray> &payloads)
{
    QList<QByteArray> broken = payloads;
    broken.prepend(QByteArrayLiteral("{\"choices\": [ this is not json"));
    return FakeResponse::sse(broken);
}

} // namespace agency::test::faults
