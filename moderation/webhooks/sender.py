"""One webhook POST to a checked target, bounded in time and size, that never raises for
the network: every attempt ends in a ``Response`` the caller can record."""

from __future__ import annotations

import functools
import http.client
import io
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from moderation.webhooks.ssrf import CheckedTarget

MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_BYTES = 1024
MAX_RETRY_AFTER = timedelta(hours=1)
USER_AGENT = "moderation-webhooks/1"


@dataclass(frozen=True)
class Response:
    """What came back: ``status`` is ``None`` when no response arrived, and ``error`` says
    what went wrong (a status may come with an error when the body failed to arrive)."""

    status: int | None
    headers: dict[str, str]  # names in lower case
    body_excerpt: str
    error: str | None
    elapsed_ms: float

    @property
    def succeeded(self) -> bool:
        """A 2xx received in full. Anything less is retried: the receiver deduplicates by
        ``webhook-id``, and a lost message is worse than a repeated one."""
        return self.error is None and self.status is not None and 200 <= self.status < 300


def send(target: CheckedTarget, body: bytes, headers: dict[str, str], *,
         timeout: float = 15.0, context: ssl.SSLContext | None = None) -> Response:
    """POST ``body`` as JSON to the target's checked addresses, within ``timeout`` seconds
    in all (connecting, TLS, sending and reading).

    Redirects are not followed: a 3xx is the answer. At most ``MAX_RESPONSE_BYTES`` of the
    body are read. ``context`` verifies https certificates (default: the system's trust).
    """
    started = time.monotonic()
    status, response_headers, content, error = None, {}, bytearray(), None
    connection = _Connection(target, started + timeout, context)
    try:
        connection.request("POST", target.path, body, {
            "User-Agent": USER_AGENT, **headers,
            "Content-Type": "application/json", "Connection": "close"})
        with connection.getresponse() as response:
            status = response.status
            response_headers = _headers(response.getheaders())
            # Drain a modest body so the receiver sees a clean close; a huge one is cut off.
            while len(content) < MAX_RESPONSE_BYTES and (
                    chunk := response.read1(MAX_RESPONSE_BYTES - len(content))):
                content += chunk
    except (OSError, http.client.HTTPException) as exc:
        error = "timeout" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    return Response(status, response_headers,
                    content[:EXCERPT_BYTES].decode("utf-8", errors="replace"), error,
                    (time.monotonic() - started) * 1000)


def retry_after(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """How long the receiver asked us to wait (``Retry-After`` in seconds or as an HTTP date),
    at most ``MAX_RETRY_AFTER`` so that no receiver can park a delivery for ever."""
    value = next((v.strip() for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return timedelta(seconds=min(int(value), MAX_RETRY_AFTER.total_seconds()))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # the asctime form carries no zone; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)


def _headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


@functools.cache
def _default_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _Connection(http.client.HTTPConnection):
    """Connects to the target's checked addresses, never to what its name resolves to now,
    while the Host header, SNI and the certificate check use the name."""

    def __init__(self, target: CheckedTarget, deadline: float,
                 context: ssl.SSLContext | None) -> None:
        super().__init__(target.host, target.port)
        self.default_port = 443 if target.scheme == "https" else 80  # Host omits it then
        self._target = target
        self._deadline = deadline
        self._context = context

    def connect(self) -> None:
        sock = _connect(self._target.addresses, self._target.port, self._deadline)
        if self._target.scheme == "https":
            try:
                # The handshake as a whole gets the time left (CPython times it in total).
                sock.settimeout(_remaining(self._deadline))
                context = self._context or _default_context()
                sock = context.wrap_socket(sock, server_hostname=self._target.host)
            except BaseException:
                sock.close()
                raise
        self.sock = _DeadlineSocket(sock, self._deadline)


def _connect(addresses: tuple[str, ...], port: int, deadline: float) -> socket.socket:
    """The first address that accepts; each try gets its share of the time left, so one
    unreachable address cannot use up the others' chance."""
    error: OSError = OSError("no address to connect to")
    for index, address in enumerate(addresses):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:
            error = exc
            continue
        try:
            sock.settimeout(_remaining(deadline) / (len(addresses) - index))
            sock.connect((address, port))
        except OSError as exc:
            sock.close()
            error = exc
        else:
            return sock
    raise error


class _DeadlineSocket:
    """The socket as http.client uses it (``sendall``, ``makefile``, ``close``), with every
    operation limited to the time left: a per-operation timeout alone would let an endpoint
    that trickles a byte at a time hold the worker for ever."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(_remaining(self._deadline))  # sendall's timeout is its total
        self._sock.sendall(data)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        self._sock.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        # The socket's own file keeps it open until the response is closed too.
        self._file = sock.makefile("rb", buffering=0)
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int | None:
        self._sock.settimeout(_remaining(self._deadline))
        return self._file.readinto(buffer)

    def close(self) -> None:
        self._file.close()
        super().close()
