"""What each entry point imports: the API and the command stay free of the training lab and
the classifier, and entry points do not import each other. Each check runs in a fresh
interpreter, since this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,  # noqa: S603
                            check=True, cwd=ROOT, timeout=120)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_command_and_the_app_import_neither_the_training_lab_nor_the_classifier(
        tmp_path: Path) -> None:
    modules = imported_after(
        "from pathlib import Path\n"
        "import moderation.cli\n"
        "from moderation import create_app\n"
        "from moderation.config import Config\n"
        f"create_app(Config(database_url='sqlite:///{tmp_path / 'a.db'}', "
        f"instance_path=Path({str(tmp_path)!r}), embedded_worker=False))")

    assert "moderation.cli" in modules
    assert "moderation.training.evaluation" in modules  # `moderation eval` stays
    for heavy in ("sklearn", "scipy", "moderation.training.train",
                  "moderation.training.search", "torch", "detoxify", "transformers"):
        assert heavy not in modules


@pytest.mark.parametrize(("entry_point", "not_imported"), [
    ("moderation.scoring.onnx_backend", "moderation.scoring.detoxify"),
    ("moderation.workers.delivery", "moderation.workers.scoring"),
    ("moderation.workers.purge", "moderation.workers.scoring"),
    ("moderation.api.editor", "moderation.api.public"),
])
def test_no_module_imports_its_neighbour(entry_point: str, not_imported: str) -> None:
    modules = imported_after(f"import {entry_point}")

    assert entry_point in modules
    assert not_imported not in modules
