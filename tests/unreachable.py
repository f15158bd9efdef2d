"""Servers that cannot be reached, on 127.0.0.1, for the tests of failing to connect.

What the application sees when it opens a connection depends on what is at the other end:

- ``closed_port()``: nothing listens there; the connection is refused at once (RST).
- ``FullListenQueue``: a listener whose queue of not-yet-accepted connections is full, so
  Linux drops each new connection request (SYN) without an answer, as a firewall that
  drops packets, or a host that is down, does: the client's connect() gets no reply.
- ``SilentServer``: accepts TCP connections and never sends the server's greeting (a hung
  server, or a proxy that accepts and forwards to nothing).

A proxy that accepts and closes at once, its server being down, is middlebox.Middlebox in
front of ``closed_port()``.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FullListenQueue:
    """A listening socket that never accepts, its queue filled by connections of its own."""

    def __init__(self, fillers: int = 3) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self._fillers = []
        for _ in range(fillers):
            filler = socket.socket()
            filler.setblocking(False)
            with suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._fillers.append(filler)

    def close(self) -> None:
        for sock in (*self._fillers, self._listener):
            sock.close()

    def __enter__(self) -> FullListenQueue:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SilentServer:
    """Accepts every TCP connection and never sends a byte."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._accepted: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="silent-server").start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._accepted.append(conn)

    def close(self) -> None:
        """Stop listening, and close what was accepted (a client still waiting gets EOF)."""
        self._closed = True
        with suppress(OSError):
            self._listener.close()
        for conn in self._accepted:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
