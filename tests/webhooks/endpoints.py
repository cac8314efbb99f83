"""Webhook receivers on 127.0.0.1 (a well-behaved one and misbehaving ones) and a fake resolver."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], bytes | Iterable[bytes]]


def resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[tuple[Any, ...]]]:
    """A stand-in for ``socket.getaddrinfo`` answering from ``table``: tests never use DNS."""

    def resolve(host: str, port: int) -> list[tuple[Any, ...]]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (a, port)) for a in table[host]]

    return resolve


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class _Server(ThreadingHTTPServer):
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: the sender hangs up on purpose (huge bodies, rejected certificates)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver.requests.append(Received(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        status, headers, content = receiver.reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if isinstance(content, bytes):
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        self.send_header("Connection", "close")  # no length: the body ends when we close
        self.end_headers()
        for chunk in content:
            if receiver.stopped.is_set():
                break
            self.wfile.write(chunk)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each request and answers with ``reply``;
    with ``tls``, ``server_names`` records the SNI each client sent."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self.server_names: list[str | None] = []
        self.reply: Reply = (204, {}, b"")
        self.stopped = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.stopped.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


Script = Callable[[socket.socket, threading.Event], None]


class RawEndpoint:
    """A TCP server on 127.0.0.1 that reads the request and then plays ``script`` on the
    connection: the endpoints no HTTP server library would play (silent, trickling)."""

    def __init__(self, script: Script) -> None:
        self.connections = 0
        self._script = script
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # to notice ``close``
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                self.connections += 1
                connection.settimeout(5)
                try:
                    connection.recv(65536)
                    self._script(connection, self._stop)
                except OSError:
                    pass  # the sender hung up, as it should

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()


def silent(connection: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def trickle(head: bytes, drip: bytes, every: float) -> Script:
    """Send ``head`` at once, then ``drip`` one byte every ``every`` seconds."""

    def play(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(head)
        for byte in drip:
            if stop.wait(every):
                return
            connection.sendall(bytes([byte]))

    return play


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it did a moment ago)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]
