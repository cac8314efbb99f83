"""Labelled comments from CSV files: any file with a text, a label and (optionally) a split
column. Rows are read as a stream; labels may be written 0/1, true/false, yes/no or
OFFENSE/OTHER (GermEval's coarse labels)."""

from __future__ import annotations

import csv
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

POSITIVE = frozenset({"1", "1.0", "true", "yes", "offense", "offensive", "toxic"})
NEGATIVE = frozenset({"0", "0.0", "false", "no", "other", "not", "none", "non-toxic"})


class DataError(ValueError):
    """A CSV that cannot be used as asked: missing columns, unknown labels, no rows."""


@dataclass(frozen=True)
class Columns:
    """Which CSV columns hold what; ``split=None`` (or "") takes every row. ``fine_label``
    may be absent from a file."""

    text: str = "text"
    label: str = "label"
    split: str | None = "split"
    fine_label: str | None = None


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: int
    split: str
    fine_label: str


def parse_label(raw: str, where: str) -> int:
    value = raw.strip().lower()
    if value in POSITIVE:
        return 1
    if value in NEGATIVE:
        return 0
    raise DataError(f"{where}: label {raw!r} is neither 0/1, true/false, yes/no nor "
                    "OFFENSE/OTHER")


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise DataError(f"{path}: {error.strerror or error}") from error


def header(path: Path) -> list[str]:
    """The file's column names."""
    with _open(path) as handle:
        return csv.DictReader(handle).fieldnames or []


def read_rows(path: Path, columns: Columns, splits: frozenset[str] | None = None
              ) -> Iterator[LabelledText]:
    """The file's rows (only those whose split is in ``splits``, if given), one at a time."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # comments can be long
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        wanted = [columns.text, columns.label]
        if columns.split:
            wanted.append(columns.split)
        missing = [c for c in wanted if c not in header]
        if missing:
            raise DataError(f"{path.name}: no column {', '.join(map(repr, missing))} "
                            f"(columns: {', '.join(header) or 'none'})")
        # Fine labels are optional: a file without them trains the main head only.
        fine = columns.fine_label if columns.fine_label in header else None
        for number, row in enumerate(reader, start=1):
            split = (row[columns.split] or "").strip() if columns.split else ""
            if splits is not None and split not in splits:
                continue
            yield LabelledText(
                text=row[columns.text] or "",
                label=parse_label(row[columns.label] or "", f"{path.name} row {number}"),
                split=split,
                fine_label=(row[fine] or "").strip() if fine else "")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
