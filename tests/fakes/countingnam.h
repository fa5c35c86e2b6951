#pragma once

#include <QNetworkAccessManager>
#include <QUrl>

namespace agency::test {

/// A QNetworkAccessManager that records every request it is asked to send, at the moment it is
/// asked (createRequest() runs inside get()/post()): the event that comes before any byte leaves.
/// After draining the event loop, an empty list proves that nothing was sent or queued to be sent.
class CountingNetworkAccessManager : public QNetworkAccessManager
{
public:
    using QNetworkAccessManager::QNetworkAccessManager;

    const QList<QUrl> &requested() const { return m_requested; }

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *outgoingData = nullptr) override
    {
        m_requested.append(request.url());
        return QNetworkAccessManager::createRequest(op, request, outgoingData);
    }

private:
    QList<QUrl> m_requested;
};

} // namespace agency::test
