"""A TCP proxy that tests put between the service and PostgreSQL to cut the line at will.

``cut()`` closes every open connection in both directions and stops listening, so new
connects are refused at once; ``restore()`` listens again on the same port; ``blackhole()``
accepts connections but never answers, like a database host that went silent. Each call
returns only once the proxy is in its new state.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from types import TracebackType

CHUNK = 65536


class _Pair:
    """A client connection and its upstream twin; closed by the last of its two pumps."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.sockets = (client, upstream)
        self._lock = threading.Lock()
        self._pumps_left = 2

    def pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                target.sendall(data)
        except OSError:
            pass  # the other side or cut() ended the connection
        self.shut()
        with self._lock:
            self._pumps_left -= 1
            last = self._pumps_left == 0
        if last:
            for sock in self.sockets:
                sock.close()

    def shut(self) -> None:
        """Both directions end now; a pump blocked in ``recv`` wakes up with nothing."""
        for sock in self.sockets:
            with suppress(OSError):  # not connected any more
                sock.shutdown(socket.SHUT_RDWR)


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; a context manager that cleans up."""

    def __init__(self, upstream_host: str = "127.0.0.1", upstream_port: int = 5432) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0  # a free one is picked at the first start
        self.accepted = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._pairs: list[_Pair] = []
        self._pumps: list[threading.Thread] = []
        self._held: list[socket.socket] = []  # blackholed: accepted, never answered
        self._silent = False

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, _type: type[BaseException] | None, _error: BaseException | None,
                 _traceback: TracebackType | None) -> None:
        self.cut()

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def restore(self) -> None:
        """Forward again, on the same port; does nothing while already forwarding."""
        if self.listening and not self._silent:
            return
        self.cut()
        self._listen(silent=False)

    def blackhole(self) -> None:
        """Drop every connection, then accept new ones and never answer them."""
        self.cut()
        self._listen(silent=True)

    def cut(self) -> None:
        """Close every connection both ways and stop listening: connects are refused."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the acceptor blocked in accept(); close() alone would not.
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._acceptor is not None:
            self._acceptor.join()
            self._acceptor = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
            pumps, self._pumps = self._pumps, []
            held, self._held = self._held, []
        for pair in pairs:
            pair.shut()
        for pump in pumps:
            pump.join()
        for sock in held:
            sock.close()

    def _listen(self, silent: bool) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The closed connections linger in TIME_WAIT on our port: bind it again regardless.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        self._silent = silent
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,),
                                          name=f"tcp-proxy-{self.port}", daemon=True)
        self._acceptor.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut() closed the listener
            self.accepted += 1
            if self._silent:
                with self._lock:
                    self._held.append(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            pair = _Pair(client, upstream)
            pumps = [threading.Thread(target=pair.pump, args=(a, b), daemon=True,
                                      name=f"tcp-proxy-{self.port}-pump")
                     for a, b in ((client, upstream), (upstream, client))]
            with self._lock:
                self._pairs.append(pair)
                self._pumps.extend(pumps)
            for pump in pumps:
                pump.start()
