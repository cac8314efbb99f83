"""A gunicorn worker closes a finished connection at once: it does not wait for the reader's
own close (a sync worker would serve nobody meanwhile), unless the reader sent more than was
read, where gunicorn's lingering close keeps the answer from being cut off by a reset."""

from __future__ import annotations

import select
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from gunicorn import util

from bench.loopback import HOST
from moderation.gunicorn_config import install_prompt_close, prompt_close
from tests.support.gunicorn import gunicorn_serving

ROOT = Path(__file__).resolve().parent.parent
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


@pytest.fixture
def connection() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A loopback TCP connection: (the server's end, the reader's end)."""
    with closing(socket.create_server((HOST, 0))) as listener:
        reader = socket.create_connection(listener.getsockname())
        served, _ = listener.accept()
    with closing(reader), closing(served):
        yield served, reader


def recording(calls: list[socket.socket]) -> Callable[..., None]:
    """gunicorn's own lingering close, noting each socket it is given."""
    def lingering(sock: socket.socket, *args: object, **kwargs: object) -> None:
        calls.append(sock)
        util.close_graceful(sock, *args, **kwargs)
    return lingering


def test_a_finished_connection_is_closed_without_waiting_for_the_reader(connection):
    served, reader = connection
    calls: list[socket.socket] = []
    served.sendall(ANSWER)

    prompt_close(recording(calls))(served)  # the reader keeps its end open all along

    assert served.fileno() == -1 and calls == []
    reader.settimeout(5)
    assert reader.recv(1024) == ANSWER
    assert reader.recv(1024) == b""  # an orderly end (FIN), no reset


def test_bytes_the_reader_sent_and_nobody_read_are_drained_by_gunicorns_lingering_close(
        connection):
    served, reader = connection
    calls: list[socket.socket] = []
    reader.sendall(b"the rest of an upload nobody asked for " * 100)
    assert select.select([served], [], [], 5)[0]  # arrived, unread
    served.sendall(ANSWER)

    closer = threading.Thread(target=prompt_close(recording(calls)), args=(served,))
    closer.start()
    reader.settimeout(5)
    received = b""
    while chunk := reader.recv(1024):  # a reset here would raise ConnectionResetError
        received += chunk
    reader.shutdown(socket.SHUT_WR)  # the reader closes too: the lingering close ends
    closer.join(5)

    assert calls == [served] and not closer.is_alive()
    assert received == ANSWER


def test_installed_once_in_front_of_gunicorns_close(monkeypatch):
    def gunicorns(sock: socket.socket, *args: object, **kwargs: object) -> None:
        """Stands in for gunicorn's close, whatever an earlier test installed."""

    monkeypatch.setattr(util, "close_graceful", gunicorns)

    install_prompt_close()
    installed = util.close_graceful
    install_prompt_close()

    assert installed is not gunicorns and installed.prompt
    assert util.close_graceful is installed  # not wrapped twice


def answered_and_left_open(port: int) -> socket.socket:
    """A reader's connection: one request, its whole answer read, this end left open."""
    reader = socket.create_connection((HOST, port), timeout=5)
    reader.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
                   .encode())
    answer = b""
    while chunk := reader.recv(4096):  # to the server's FIN
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")
    return reader


@pytest.mark.parametrize("threads", [1, 2], ids=["sync", "gthread"])
def test_a_worker_serves_the_next_reader_while_the_last_ones_keep_their_connections_open(
        threads, database_url, database, tmp_path):
    """One worker process (sync, or gthread with two threads): gunicorn's own close would
    hold each thread up to 2 s for its reader's close; with ours the next reader is
    answered at once."""
    with gunicorn_serving(database_url, tmp_path, "-c", "python:moderation.gunicorn_config",
                          "--workers", "1", "--threads", str(threads)) as port:
        left_open = [answered_and_left_open(port) for _ in range(threads)]
        try:
            # gunicorn's own close would keep every thread 2 s after these answers.
            with urllib.request.urlopen(
                    f"http://{HOST}:{port}/healthz", timeout=1.5) as next_reader:
                assert next_reader.status == 200
        finally:
            for reader in left_open:
                reader.close()
