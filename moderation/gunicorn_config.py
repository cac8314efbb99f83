"""gunicorn settings for the service's worker processes:
``gunicorn -c python:moderation.gunicorn_config "moderation:create_app()"``.

With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder only this gunicorn writes to), every
worker process writes its metrics there and ``/metrics`` adds them up, whichever worker
answers the scrape; without it the metrics hooks do nothing. Each worker keeps what it made
while loading the app out of the garbage collector's walks (``long_lived``), and closes a
finished connection at once unless the client sent more than was read (``prompt_close``).
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any


def on_starting(_server: Any) -> None:
    """Start from an empty folder (it may be a mount point, so it stays): files of an
    earlier run would count again."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for entry in Path(folder).iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def post_worker_init(_worker: Any) -> None:
    """The app is loaded and no request taken yet: freeze what loading made, and close
    connections without waiting for the client."""
    from moderation.long_lived import freeze_startup

    freeze_startup()
    install_prompt_close()


def install_prompt_close() -> None:
    """Put ``prompt_close`` in front of gunicorn's closing of a connection (since gunicorn
    26: ``util.close_graceful``; older ones close at once already)."""
    from gunicorn import util

    lingering = getattr(util, "close_graceful", None)
    if lingering is not None and not getattr(lingering, "prompt", False):
        util.close_graceful = prompt_close(lingering)


def prompt_close(lingering: Callable[..., None]) -> Callable[..., None]:
    """gunicorn's close (RFC 9112 §9.6) sends FIN, then waits until the client closes too,
    up to 2 s, draining what it still sends: closing over unread bytes makes the kernel
    send a reset, which can cut the answer short. A sync worker takes no request while it
    waits: a whole round trip to the reader per request (0.25 ms of 0.4–0.6 on loopback
    under load, ``bench/RESULTS.md``). The wait only helps when the client sent more than
    was read (a refused upload still arriving, pipelined bytes): then it lingers as gunicorn
    does; otherwise the connection is closed at once, with a FIN as before."""

    def close(sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        if isinstance(sock, ssl.SSLSocket) or _unread(sock):
            lingering(sock, *args, **kwargs)
            return
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            sock.close()

    close.prompt = True  # type: ignore[attr-defined]
    return close


def _unread(sock: socket.socket) -> bool:
    """Whether bytes the client sent wait unread on ``sock``."""
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except OSError:  # nothing there (EAGAIN), or the connection is gone
        return False


def child_exit(_server: Any, worker: Any) -> None:
    """A worker that exited no longer counts in the gauges of live processes (pool use)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
