#include "socketwrite.h"

#include <QTcpSocket>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#include <sys/types.h>
#endif

namespace agency::httpserver {

void writeToClient(QTcpSocket *socket, QByteArrayView bytes)
{
    Q_ASSERT(!socket->inherits("QSslSocket"));
    qsizetype sent = 0;
#ifdef Q_OS_UNIX
    // Only when Qt holds nothing unsent, or these bytes would overtake it.
    if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesToWrite() == 0 &&
        socket->socketDescriptor() >= 0 && !bytes.isEmpty()) {
        // MSG_NOSIGNAL: a client that left is an error return (handled by Qt below), not SIGPIPE.
        const ssize_t n = ::send(static_cast<int>(socket->socketDescriptor()), bytes.data(),
                                 static_cast<size_t>(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            sent = n;
    }
#endif
    if (sent < bytes.size())
        socket->write(bytes.data() + sent, bytes.size() - sent);
}

} // namespace agency::httpserver
