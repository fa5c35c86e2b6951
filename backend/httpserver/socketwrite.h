#pragma once

#include <QByteArrayView>

class QTcpSocket;

namespace agency::httpserver {

/// Writes `bytes` to a connected plain-TCP client socket (the ConnectionGate's; never a TLS socket,
/// whose bytes must go through its encryption), straight into the kernel when QTcpSocket has
/// nothing queued; whatever the kernel does not take at once (a full send buffer, an error) goes
/// through QTcpSocket::write as before, so ordering, back-pressure (bytesToWrite) and error
/// handling stay Qt's.
///
/// Why: a plain QTcpSocket::write only appends to Qt's buffer and arms a write notifier; the bytes
/// leave on the next event-loop pass, and disarming the notifier then costs a walk over every
/// polled descriptor (GLib's poll list). With 256 keep-alive connections that was about a fifth of
/// a small request's CPU (perf, README "Benchmarks", server); sending at once skips it.
void writeToClient(QTcpSocket *socket, QByteArrayView bytes);

} // namespace agency::httpserver
