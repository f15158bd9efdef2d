"""A TCP proxy on 127.0.0.1 that ends connections the way a middlebox does.

Load balancers, NAT gateways and firewalls between an application and its database
keep a table of TCP connections and forget the ones that stay idle too long. What
the application sees then depends on the device: a clean close (FIN), a reset (RST),
or nothing at all (packets silently dropped). ``Middlebox`` reproduces the three on
loopback, in front of the test server, without touching the server.
"""

from __future__ import annotations

import socket
import struct
import threading
from contextlib import suppress


class Middlebox:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        # (client side, server side, ended, blackholed) per connection
        self._pairs: list[
            tuple[socket.socket, socket.socket, threading.Event, threading.Event]
        ] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="middlebox-accept").start()

    # --- what a middlebox does to the connections it carries -----------------------

    def close_all(self) -> None:
        """End every current connection with a FIN to both sides (a polite close)."""
        for client, server, ended, _ in self._take_pairs():
            ended.set()
            for sock in (client, server):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def reset_all(self) -> None:
        """End every current connection with an RST to both sides."""
        for client, server, ended, _ in self._take_pairs():
            ended.set()
            for sock in (client, server):
                with suppress(OSError):
                    # Linger 0: closing sends RST instead of FIN. SHUT_RD wakes the pump
                    # thread blocked in recv() without sending anything; until it returns,
                    # the kernel would not really close the socket.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RD)
                sock.close()

    def drop_all(self) -> None:
        """Silently drop all traffic of every current connection, in both directions.

        The sockets stay open, so neither side learns anything: what it sends is
        swallowed and no reply ever comes. New connections still pass.
        """
        with self._lock:
            for pair in self._pairs:
                pair[3].set()

    def stop(self) -> None:
        self._closed = True
        with suppress(OSError):
            self._listener.close()
        self.reset_all()

    def __enter__(self) -> Middlebox:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- plumbing ---------------------------------------------------------------------

    def _take_pairs(self):
        with self._lock:
            pairs, self._pairs = self._pairs, []
        return pairs

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            ended, blackholed = threading.Event(), threading.Event()
            with self._lock:
                self._pairs.append((client, server, ended, blackholed))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pump, args=(src, dst, ended, blackholed), daemon=True
                ).start()

    @staticmethod
    def _pump(
        src: socket.socket, dst: socket.socket, ended: threading.Event, blackholed: threading.Event
    ) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if ended.is_set():
                return  # the middlebox is ending this connection its own way
            if blackholed.is_set():
                if not data:
                    return  # nothing passes a dropped connection, not even a FIN
                continue  # swallowed
            if not data:  # one side closed: pass the FIN on
                with suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            try:
                dst.sendall(data)
            except OSError:
                return
