"""Stand-ins for detoxify's release downloads and the Hugging Face Hub, made of local files.

A "release" is a tiny detoxify checkpoint (``tests.support.tiny_detoxify``) published the way
detoxify publishes its models: as a file to download whose ``model_type`` names the place to
get the config and tokenizer from. Here that place is a local folder laid out like a Hub
repository (transformers' ``from_pretrained`` takes a folder exactly like a Hub name), and the
file is served over HTTP from 127.0.0.1 only.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import torch

from tests.support.tiny_detoxify import build_tiny_checkpoint

CHECKPOINT_NAME = "tiny_debiased-0123abcd.ckpt"


@dataclass(frozen=True)
class Release:
    """``checkpoint`` lies in ``www`` (the folder to serve); ``hub_dir`` is the Hub stand-in."""

    www: Path
    checkpoint: Path
    hub_dir: Path


def build_release(folder: Path, *, model_type: str | None = None) -> Release:
    """Publish a tiny detoxify checkpoint under ``folder``.

    Its ``model_type`` is ``model_type`` or else the absolute path of the Hub stand-in, whose
    ``config.json`` has no labels (transformers' default of 2), like a base model's on the Hub.
    """
    built_checkpoint, built_config = build_tiny_checkpoint(folder / "build")
    hub_dir = folder / "hub" / "tiny-bert-base"
    shutil.copytree(built_config, hub_dir)
    config = json.loads((hub_dir / "config.json").read_text(encoding="utf-8"))
    del config["id2label"], config["label2id"]
    (hub_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")

    content = torch.load(built_checkpoint, map_location="cpu", weights_only=False)
    content["config"]["arch"]["args"]["model_type"] = model_type or str(hub_dir)
    www = folder / "www"
    www.mkdir()
    torch.save(content, www / CHECKPOINT_NAME)
    # Only the Hub stand-in may supply the config: fail loudly if a fetch reached for this.
    shutil.rmtree(folder / "build")
    return Release(www=www, checkpoint=www / CHECKPOINT_NAME, hub_dir=hub_dir)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 from a thread; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=folder))
    thread = threading.Thread(target=server.serve_forever, name="fake-release-server")
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
