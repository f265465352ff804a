#!/usr/bin/env python3
"""A dashboard of /api/v1/ws that stops reading at the TCP level, for the slow-client test.

Node cannot shrink a socket's receive buffer, so this client is Python (standard library
only). Before connecting (both are fixed in the TCP handshake) it sets SO_RCVBUF to a few KB
and TCP_MAXSEG to 536: on loopback the MSS is ~64 KB and Linux sizes the *server's* kernel
send buffer from it (megabytes: seconds of events before `ws` has to buffer anything); with a
small MSS that buffer holds some 50 KB. It does the WebSocket handshake by hand with a bearer
token, reads `ready`, subscribes to the topics given and prints {"client": "paused"}. From
then on it does not read the socket at all, not even the snapshots: its receive window
closes, the server's send buffer fills, and what the server still sends piles up in its `ws`
socket (bufferedAmount). A line on stdin resumes it; it then reads until the server closes.

stdout: one JSON object per line: every message the server sent, as received, plus the
client's own state changes shaped {"client": ...} (no server message has that key).
"""

import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
from urllib.parse import urlsplit

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x8, 0x9, 0xA


def emit(obj):
    print(json.dumps(obj), flush=True)


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buf += chunk

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def handshake(self, host, path, token):
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n"
            "\r\n"
        )
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        end = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        # What follows the headers is already the first frames: keep it.
        del self.buf[: end + 4]
        if head[0].split(" ")[1] != "101":
            raise RuntimeError(f"handshake refused: {head[0]}")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise RuntimeError("bad Sec-WebSocket-Accept")

    def send_frame(self, opcode, payload):
        """Client frames must be masked (RFC 6455 §5.3)."""
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_json(self, obj):
        self.send_frame(OP_TEXT, json.dumps(obj).encode())

    def read_message(self):
        """The next whole text message, or None once the server closes."""
        fragments = []
        while True:
            b0, b1 = self.read_exact(2)
            fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self.read_exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self.read_exact(8))
            mask = self.read_exact(4) if b1 & 0x80 else None
            payload = self.read_exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                emit({"client": "closed", "code": code})
                return None
            fragments.append(payload)
            if fin:
                return json.loads(b"".join(fragments).decode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url", help="ws://127.0.0.1:PORT/api/v1/ws")
    parser.add_argument("--token", required=True)
    parser.add_argument("--topic", action="append", required=True)
    parser.add_argument("--rcvbuf", type=int, default=4096)
    parser.add_argument("--mss", type=int, default=536)
    args = parser.parse_args()

    url = urlsplit(args.url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, args.mss)
    sock.connect((url.hostname, url.port))
    rcvbuf = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    conn = Connection(sock)
    conn.handshake(url.netloc, url.path or "/", args.token)
    emit({"client": "connected", "rcvbuf": rcvbuf})

    # Only the small `ready` is read: reading the snapshots with the window open would let the
    # server's congestion window, and with it its kernel send buffer, grow.
    message = conn.read_message()
    if message is None:
        return 1
    emit(message)
    for topic in args.topic:
        conn.send_json({"event": "subscribe", "data": {"topic": topic}})

    emit({"client": "paused"})
    if not sys.stdin.readline():
        return 0
    emit({"client": "resumed"})
    try:
        while (message := conn.read_message()) is not None:
            emit(message)
    except EOFError:
        emit({"client": "closed", "code": None})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The test stopped listening: nothing left to tell it.
        sys.exit(0)
