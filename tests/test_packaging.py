"""What an installed (not editable) package holds: every template, static file, catalogue,
starter list and model file that the code reads from the package must be declared as
package data, or a wheel — the Docker image's install — ships without it."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_FOLDERS = {
    "moderation.workspace": ("templates", "static", "translations"),
    "moderation.api": ("static",),
    "moderation.widget": ("static",),
    "moderation": ("starter_lists",),
    "moderation.mail": ("templates",),
    "moderation.readers": ("templates", "static"),
    "moderation.scoring": ("compact_model",),
}
NOT_READ_AT_RUN_TIME = {".pot", ".cfg", ".md"}


def declared(package: str) -> set[str]:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"].get(package, [])
    folder = ROOT / package.replace(".", "/")
    return {found for pattern in patterns
            for found in glob.glob(pattern, root_dir=folder, recursive=True)}


@pytest.mark.parametrize("package", sorted(DATA_FOLDERS))
def test_every_data_file_the_code_reads_is_declared_package_data(package):
    folder = ROOT / package.replace(".", "/")
    present = {str(path.relative_to(folder)) for name in DATA_FOLDERS[package]
               for path in (folder / name).rglob("*")
               if path.is_file() and path.suffix not in NOT_READ_AT_RUN_TIME}
    assert present, f"nothing found under {package}'s data folders"
    assert sorted(present - declared(package)) == []
