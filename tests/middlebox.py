"""A TCP proxy on 127.0.0.1 that ends connections the way a middlebox does.

Load balancers, NAT gateways and firewalls between an application and its database
keep a table of TCP connections and forget the ones that stay idle too long. What
the application sees then depends on the device: a clean close (FIN), a reset (RST),
or nothing at all (packets silently dropped). ``Middlebox`` reproduces the three on
loopback, in front of the test server, without touching the server.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from contextlib import suppress
from dataclasses import dataclass, field

# MySQL 8.0.24 and later, on a connection idle past wait_timeout, send error 4031 and then
# close it. Where: sql-common/net_serv.cc, net_read_raw_loop() (mysql/mysql-server, 8.0 and
# later): "if (net->pkt_nr == 0 && (vio_was_timeout(net->vio) || ...)) net->last_errno =
# ER_CLIENT_INTERACTION_TIMEOUT;" then "my_error(net->last_errno, MYF(0));", which the server
# sends as an ERR packet ("Attempt to send error message to client although the client won't
# be expecting messages") before it closes the socket. pkt_nr is 0 there: the server was
# waiting for the first packet of the next command (do_command() calls net_new_transaction()
# first), so the ERR packet carries sequence id 0. The client, which next sends a command
# (sequence 0) and expects its reply as 1, finds this 0 instead.
ER_CLIENT_INTERACTION_TIMEOUT = 4031
FAREWELL_SQLSTATE = b"HY000"  # MySQL's SQLSTATE for a server error with none of its own
FAREWELL_MESSAGE = (
    b"The client was disconnected by the server because of inactivity. "
    b"See wait_timeout and interactive_timeout for configuring this behavior."
)


def error_packet(code: int, sqlstate: bytes, message: bytes, sequence_id: int) -> bytes:
    """A MySQL protocol ERR packet (CLIENT_PROTOCOL_41): 3-byte little-endian payload
    length, sequence id; then 0xFF, the error code (2 bytes, little-endian), '#', the
    5-character SQLSTATE and the message."""
    payload = b"\xff" + struct.pack("<H", code) + b"#" + sqlstate + message
    return struct.pack("<I", len(payload))[:3] + bytes([sequence_id]) + payload


FAREWELL_4031 = error_packet(
    ER_CLIENT_INTERACTION_TIMEOUT, FAREWELL_SQLSTATE, FAREWELL_MESSAGE, sequence_id=0
)


@dataclass
class _Pair:
    """One proxied connection: the socket to the client, the one to the server."""

    client: socket.socket
    server: socket.socket
    ended: threading.Event = field(default_factory=threading.Event)
    blackholed: threading.Event = field(default_factory=threading.Event)
    pumps: list[threading.Thread] = field(default_factory=list)


class Middlebox:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        # A small receive window (inherited by every accepted socket): once the middlebox
        # stops reading a dropped connection, a client sending a large statement fills it
        # and its send blocks after a few MB, as when its packets are lost on the way.
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._closed = False
        self._drop_new = False
        threading.Thread(target=self._accept, daemon=True, name="middlebox-accept").start()

    # --- what a middlebox does to the connections it carries -----------------------

    def close_all(self) -> None:
        """End every current connection with a FIN to both sides (a polite close)."""
        for pair in self._take_pairs():
            pair.ended.set()
            for sock in (pair.client, pair.server):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def reset_all(self) -> None:
        """End every current connection with an RST to both sides."""
        for pair in self._take_pairs():
            pair.ended.set()
            for sock in (pair.client, pair.server):
                with suppress(OSError):
                    # Linger 0: closing sends RST instead of FIN. SHUT_RD wakes the pump
                    # thread blocked in recv() without sending anything; until it returns,
                    # the kernel would not really close the socket.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RD)
                sock.close()
            # The RST leaves when the last pump thread lets go of the socket. Wait for
            # that, so the client has the reset before it next sends: a real middlebox
            # resets long before the application's next query.
            for pump in pair.pumps:
                pump.join(timeout=5)
                if pump.is_alive():
                    raise RuntimeError("a middlebox pump still holds its socket: no RST sent")

    def say_farewell_4031_all(self) -> None:
        """End every current connection as MySQL 8.0.24+ ends one idle past wait_timeout:
        its ERR packet 4031 (FAREWELL_4031, byte for byte), then a FIN. The server behind
        the middlebox (MariaDB here) only sees its client go away: the packet is the
        middlebox's emulation of MySQL's, not a MySQL server's."""
        for pair in self._take_pairs():
            pair.ended.set()
            with suppress(OSError):
                pair.client.sendall(FAREWELL_4031)
            for sock in (pair.client, pair.server):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def drop_all(self) -> None:
        """Silently drop all traffic of every current connection, in both directions.

        The sockets stay open, so neither side learns anything: what it sends is never
        acknowledged (a large send blocks once the windows are full) and no reply ever
        comes. New connections still pass.
        """
        with self._lock:
            for pair in self._pairs:
                pair.blackholed.set()

    def drop_new(self) -> None:
        """From now on, also silently drop every new connection's traffic, in both
        directions: the TCP connection opens, then nothing ever answers (a server host
        that vanished behind a load balancer still accepting connections)."""
        self._drop_new = True

    def redirect_new(self, host: str, port: int) -> None:
        """Send every new connection to another server from now on; the current ones
        stay where they are. What a failover does: DNS or a virtual IP now names the
        new primary, while connections opened before still reach the old one."""
        self.upstream = (host, port)

    def url(self, database_url: str) -> str:
        """The same database URL, through this middlebox."""
        from sqlalchemy.engine import make_url

        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

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
            pair = _Pair(client, server)
            if self._drop_new:
                pair.blackholed.set()
            pair.pumps = [
                threading.Thread(
                    target=self._pump, args=(src, dst, pair.ended, pair.blackholed), daemon=True
                )
                for src, dst in ((client, server), (server, client))
            ]
            # Registered before any byte passes, so a reset can never miss it.
            with self._lock:
                self._pairs.append(pair)
                for pump in pair.pumps:
                    pump.start()

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
                # Nothing passes a dropped connection, not even a FIN, and nothing more is
                # read from it: the sender gets no acknowledgement, so its window fills.
                ended.wait()
                return
            if not data:  # one side closed: pass the FIN on
                with suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            try:
                dst.sendall(data)
            except OSError:
                return


def keepalive_by_connection(server_port: int) -> dict[int, bool]:
    """SO_KEEPALIVE of each of this process's TCP connections to `server_port`, by the
    connection's local port.

    Read from the sockets themselves (duplicates of this process's descriptors), so it
    shows what the driver, or the C library under it, really set.
    """
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:  # not a socket (or already gone)
            continue
        with sock, suppress(OSError):
            if sock.family == socket.AF_INET and sock.getpeername()[1] == server_port:
                keepalive = sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
                found[sock.getsockname()[1]] = bool(keepalive)
    return found
