"""Runs a loaded sequence classifier (detoxify's, or any Hub checkpoint's) with ONNX Runtime,
float32 or int8.

The model is exported once (torch's TorchScript-based exporter) and quantized once, and the
files are kept on disk keyed by the checkpoint's hash: a worker restart loads them instead of
exporting again. A fresh export is checked against torch before it is kept, because tracing
records one path through transformers' mask code and a wrong path would score silently wrong.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.runner import Runner, pad

ONNX_INSTALL_HINT = "pip install 'moderation[detoxify,onnx]'"
OPSET = 17
# float32 ONNX Runtime against float32 torch: the same arithmetic in another order.
EXPORT_TOLERANCE = 1e-3


def onnx_runner(path: Path, *, threads: int | None, pad_id: int,
                activation: str = "sigmoid") -> Runner:
    """A function from token id rows to probability rows, running the ONNX model at ``path``;
    ``activation`` (``sigmoid`` or ``softmax``) turns its logits into probabilities."""
    try:
        import numpy as np
        import onnxruntime
    except ImportError as exc:
        raise ScorerUnavailable(
            f"ONNX Runtime is not installed ({exc}): {ONNX_INSTALL_HINT}"
        ) from exc

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or 0  # 0: one thread per core
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        raise ScorerUnavailable(
            f"cannot load the ONNX model {path} ({type(exc).__name__}: {exc}); delete it to "
            "have it exported again"
        ) from exc

    def run(rows: list[list[int]]) -> list[list[float]]:
        ids, mask = pad(rows, pad_id)
        feed = {"input_ids": np.array(ids, np.int64), "attention_mask": np.array(mask, np.int64)}
        [logits] = session.run(["logits"], feed)
        logits = logits.astype(np.float64)
        if activation == "softmax":
            exponents = np.exp(logits - logits.max(axis=1, keepdims=True))
            return (exponents / exponents.sum(axis=1, keepdims=True)).tolist()
        return (1.0 / (1.0 + np.exp(-logits))).tolist()

    return run


def onnx_file(network: Any, folder: Path, key: str, *, int8: bool, pad_id: int) -> Path:
    """The ONNX file of ``network`` for ``key`` (``folder/key.fp32.onnx``, or
    ``folder/key.int8.onnx`` for ``int8``): exported (and quantized) now unless a previous
    start did."""
    try:
        import onnxruntime.quantization  # noqa: F401  (needs onnx too)
    except ImportError as exc:
        raise ScorerUnavailable(
            f"ONNX Runtime is not installed ({exc}): {ONNX_INSTALL_HINT}"
        ) from exc
    fp32 = folder / f"{key}.fp32.onnx"
    int8_path = folder / f"{key}.int8.onnx"
    wanted = int8_path if int8 else fp32
    if wanted.is_file():
        return wanted
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not fp32.is_file():
            _write_atomically(fp32, lambda tmp: export(network, tmp, pad_id))
        if int8:
            _write_atomically(int8_path, lambda tmp: quantize(fp32, tmp))
    except OSError as exc:
        raise ScorerUnavailable(
            f"cannot write the ONNX model to {folder} ({exc}); set a writable ONNX folder"
        ) from exc
    except ScorerUnavailable:
        raise
    except Exception as exc:  # the exporter and quantizer fail in many ways
        raise ScorerUnavailable(
            f"cannot export the model to ONNX ({type(exc).__name__}: {exc}); run it without "
            "an ONNX mode"
        ) from exc
    return wanted


def export(network: Any, path: Path, pad_id: int) -> None:
    """Export ``network`` (ids and attention mask in, logits out) and check it against torch."""
    import numpy as np
    import onnxruntime
    import torch

    # The example batch must hold padding: transformers drops the attention mask when it
    # sees none, and tracing would record that path for every later batch.
    ids, mask = _example([16, 8], pad_id)
    with warnings.catch_warnings():
        # The legacy exporter is the one that handles these models (the torch.export based
        # one needs onnxscript and fails on transformers' mask code); tracing warns about
        # Python branches on tensors, which the check below covers.
        warnings.filterwarnings(
            "ignore", message="You are using the legacy TorchScript-based ONNX export",
            category=DeprecationWarning,
        )
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings(
            "ignore", message="Exporting aten::index operator", category=UserWarning
        )
        torch.onnx.export(
            network, (ids, mask), str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )

    # Another shape than the traced one, with padded and unpadded rows.
    ids, mask = _example([23, 5, 23], pad_id)
    with torch.inference_mode():
        expected = network(input_ids=ids, attention_mask=mask).logits.float().numpy()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    [actual] = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    difference = float(np.abs(actual - expected).max())
    if difference > EXPORT_TOLERANCE:
        raise ScorerUnavailable(
            f"the ONNX export differs from torch by {difference:.2g} logits; not using it"
        )


def quantize(fp32: Path, path: Path) -> None:
    """int8 weights for MatMul and Gather (the embedding table); activations on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantizer logs through the root logger that it would like a pre-processing step
    # (symbolic shape inference, which needs sympy); dynamic quantization works without.
    root = logging.getLogger()
    advice = _DropMessage("consider to run pre-processing before quantization")
    root.addFilter(advice)
    try:
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
    finally:
        root.removeFilter(advice)


class _DropMessage(logging.Filter):
    """Drops log records whose message contains ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def _example(lengths: list[int], pad_id: int) -> tuple[Any, Any]:
    """A right-padded batch of made-up token ids (never the padding id) and its mask."""
    import torch

    width = max(lengths)
    tokens = [token for token in range(3, width + 4) if token != pad_id][:width]
    ids = [tokens[:n] + [pad_id] * (width - n) for n in lengths]
    mask = [[1] * n + [0] * (width - n) for n in lengths]
    return torch.tensor(ids), torch.tensor(mask)


def _write_atomically(path: Path, write: Any) -> None:
    """Write through a temporary file and rename: a crash or a second worker exporting at the
    same time never leaves a half-written model under the final name."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".onnx")
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
