"""The message catalogues: German complete, and the compiled .mo files what the .po say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from moderation.workspace.i18n import TRANSLATIONS

WORKSPACE = TRANSLATIONS.parent
LANGUAGES = ["de", "en"]


def _text(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A message's id or translation; a plural one (a list in .mo, a tuple in .po) as a
    tuple of its forms."""
    return value if isinstance(value, str) else tuple(value)


def _translated(message) -> bool:
    """A plural message compiled without a translation holds its English forms (babel's
    fallback): it counts as untranslated, as in the .po."""
    if isinstance(message.string, str):
        return bool(message.string)
    return all(message.string) and _text(message.string) != _text(message.id)


def messages(path: Path, reader) -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    """msgid -> translation of every message a catalogue translates (an untranslated one
    shows its English msgid, and compiled catalogues leave it out); plural messages with
    every form translated."""
    with path.open("rb") as file:
        return {_text(message.id): _text(message.string) for message in reader(file)
                if message.id and _translated(message)
                and "fuzzy" not in message.flags}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date(language: str):
    folder = TRANSLATIONS / language / "LC_MESSAGES"

    assert messages(folder / "messages.mo", read_mo) == messages(folder / "messages.po", read_po)


def test_german_translates_every_message_the_workspace_uses(tmp_path: Path):
    template = tmp_path / "messages.pot"
    subprocess.run([Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg",  # noqa: S603
                    "-k", "_l", "-o", str(template), "--no-location", "--omit-header", "."],
                   cwd=WORKSPACE, check=True, capture_output=True, timeout=120)
    with template.open("rb") as file:
        used = {message.id for message in read_po(file) if message.id}
    german = messages(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", read_po)

    assert sorted(used - set(german)) == []
