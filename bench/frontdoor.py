#!/usr/bin/env python3
"""One address holds 1,000 half-open sockets; does another address still get answers, and how fast?

Usage: frontdoor.py PORT [HOLD_COUNT] [REQUESTS]

Measures GET /health from 127.0.0.2 (its own address: the per-address connection cap counts
127.0.0.1's sockets only), one new connection per request as a fresh client would, first with
nothing held (the baseline), then while 127.0.0.1 holds HOLD_COUNT sockets that each sent a partial
request (`GET /flows HTTP/1.1\\r\\nHost: x\\r\\n` and nothing more). Prints one Markdown table
row per phase and how the held sockets fared (kept open by the server, refused at once).
"""
import resource
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
HOLD = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
REQUESTS = int(sys.argv[3]) if len(sys.argv) > 3 else 500
PARTIAL = b"GET /flows HTTP/1.1\r\nHost: x\r\n"

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, HOLD + 256)), hard))


def one_request():
    """Milliseconds for a GET /health on a new connection from 127.0.0.2; None when it failed."""
    start = time.perf_counter()
    try:
        s = socket.socket()
        s.settimeout(5)
        s.bind(("127.0.0.2", 0))
        s.connect(("127.0.0.1", PORT))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 200"):
        return None
    return (time.perf_counter() - start) * 1000


def measure(label):
    times, failed = [], 0
    for _ in range(REQUESTS):
        t = one_request()
        if t is None:
            failed += 1
        else:
            times.append(t)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")
    print(f"| {label} | {REQUESTS} | {failed} | {p(0.50):.2f} | {p(0.99):.2f} | {times[-1] if times else float('nan'):.2f} |")
    return failed


def hold_sockets(held, slow):
    """Opens HOLD sockets from 127.0.0.1, each sending a partial request, into `held`; counts in
    slow[0] the connects that took over 100 ms (a full accept queue makes the kernel retry)."""
    for _ in range(HOLD):
        begin = time.perf_counter()
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", PORT))
            s.sendall(PARTIAL)
        except OSError:
            s.close()
            continue
        if time.perf_counter() - begin > 0.1:
            slow[0] += 1
        held.append(s)


def still_open(held):
    """Sockets the server has neither answered nor closed."""
    alive = 0
    for s in held:
        s.setblocking(False)
        try:
            data = s.recv(65536)
            if data == b"":
                continue  # closed
            continue  # answered (503 too_many_client_connections)
        except BlockingIOError:
            alive += 1
        except OSError:
            continue
    return alive


print("| phase | requests from 127.0.0.2 | failed | p50 ms | p99 ms | max ms |")
print("|---|---:|---:|---:|---:|---:|")
failed = measure("nothing held (baseline)")
held, slow = [], [0]
start = time.perf_counter()
opener = threading.Thread(target=hold_sockets, args=(held, slow))
opener.start()
# While 127.0.0.1 opens its sockets (the attack under way), then once all of them are held.
failed += measure(f"while 127.0.0.1 opens {HOLD} half-open sockets")
opener.join()
opened = (time.perf_counter() - start) * 1000
failed += measure(f"{HOLD} half-open sockets held by 127.0.0.1")
alive = still_open(held)
print()
print(f"127.0.0.1 opened {len(held)} of {HOLD} sockets in {opened:.0f} ms ({slow[0]} connects took over "
      f"100 ms); after the measurement the server still held {alive} of them open (the rest were answered "
      f"503 at once, or 408 once HTTP_HEADER_TIMEOUT_MS passed, and closed)")
for s in held:
    s.close()
sys.exit(1 if failed else 0)
