"""Loopback helpers for the benchmarks: a free port, a server's processes awaited and
stopped, and a webhook receiver in its own process."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


# --- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    """A port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def answers(port: int, path: str = "/healthz") -> bool:
    """Whether a server on ``port`` answers ``path`` (with any status)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], processes: Sequence[subprocess.Popen],
               seconds: float, name: str, log: Path | None = None,
               pause: float = 0.2) -> None:
    """Return once ``ready()``; RuntimeError (with the end of ``log``) when ``seconds`` pass
    or one of ``processes`` exits first."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            tail = f":\n{log.read_text()[-3000:]}" if log else ""
            raise RuntimeError(f"{name} did not start{tail}")
        time.sleep(pause)


def stop(processes: Sequence[subprocess.Popen], seconds: float = 30) -> None:
    """SIGTERM to each process still running; SIGKILL to one still there after ``seconds``."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the webhook receiver (its own process: it must not compete with the bench for the GIL) ---

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default listen backlog of 5 drops SYNs under load


def serve_receiver(port_pipe) -> None:  # type: ignore[no-untyped-def]
    """Answer every POST with 204 and note (webhook-id, arrival, body); GET /arrivals hands
    the notes over and forgets them; GET /shutdown ends the process."""
    arrivals: list[tuple[str, float, float, bytes]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrived, wall = time.monotonic(), time.time()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with lock:
                arrivals.append((self.headers.get("webhook-id", ""), arrived, wall, body))

        def do_GET(self) -> None:
            if self.path == "/shutdown":
                threading.Thread(target=server.shutdown).start()
                payload = b"{}"
            else:
                with lock:
                    taken = arrivals[:]
                    arrivals.clear()
                payload = json.dumps([[wid, at, wall, json.loads(body)["data"]["comment_id"]]
                                      for wid, at, wall, body in taken]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            pass

    server = _Server((HOST, 0), Handler)
    port_pipe.send(server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()


@dataclass
class Arrival:
    webhook_id: str
    at: float  # time.monotonic(): CLOCK_MONOTONIC, the same clock in every process
    wall: float  # time.time(): to set against the database's timestamps
    comment_id: str


class Receiver:
    """The receiver process, started; subscribe ``url``, ``take()`` what arrived since."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(target=serve_receiver, args=(child,),
                                       name="webhook-receiver")
        self.process.start()
        if not parent.poll(60):
            self.process.terminate()
            raise RuntimeError("the receiver did not start")
        self.port = parent.recv()
        self.url = f"http://{HOST}:{self.port}/hook"

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def take(self) -> list[Arrival]:
        with urllib.request.urlopen(f"http://{HOST}:{self.port}/arrivals", timeout=30) as r:
            return [Arrival(*row) for row in json.load(r)]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://{HOST}:{self.port}/shutdown", timeout=5).close()
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
