#include "networklanes.h"

#include <QNetworkRequest>

#include <algorithm>

namespace agency::llm {

NetworkLanes::NetworkLanes(int connectionsPerHost, QObject *parent) : QNetworkAccessManager(parent)
{
    const int lanes = std::max(1, (connectionsPerHost + kConnectionsPerLane - 1) / kConnectionsPerLane);
    for (int i = 0; i < lanes; ++i)
        m_lanes.push_back(new QNetworkAccessManager(this));
}

QNetworkReply *NetworkLanes::createRequest(Operation op, const QNetworkRequest &request,
                                           QIODevice *outgoingData)
{
    QByteArray verb;
    switch (op) {
    case HeadOperation:
        verb = "HEAD";
        break;
    case GetOperation:
        verb = "GET";
        break;
    case PutOperation:
        verb = "PUT";
        break;
    case PostOperation:
        verb = "POST";
        break;
    case DeleteOperation:
        verb = "DELETE";
        break;
    case CustomOperation:
        verb = request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
        break;
    case UnknownOperation:
        return QNetworkAccessManager::createRequest(op, request, outgoingData);
    }
    // Round robin: with every call about as long as the next, the lanes fill evenly.
    return nextLane()->sendCustomRequest(request, verb, outgoingData);
}

} // namespace agency::llm
