"""Case-insensitive text search that folds German alike on SQLite and PostgreSQL.

SQLite's ``lower()`` and ``LIKE`` fold ASCII only, so each SQLite connection gets Python's
``str.casefold`` as the SQL function ``casefold`` (see ``db.py``). PostgreSQL folds with
``lower()`` under the database's locale (``LC_CTYPE``); umlauts and ß are folded explicitly
on top, so that German matches even in a database created with the ``C`` locale. Both sides
of a comparison are folded by the same database, so text and query always agree.

No index serves a search inside texts: it reads every comment the other filters leave (the
review queue: a few; ``all``: every one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FUNCTION = "casefold"


def casefold(text: str | None) -> str | None:
    """The SQLite function: Python's full case folding (``Ärger`` → ``ärger``, ``ß`` → ``ss``)."""
    return None if text is None else text.casefold()


class folded(FunctionElement[str]):  # noqa: N801 - reads as SQL: folded(column)
    """A text expression case-folded by the database."""

    type = Text()
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


# After lower(): what a C-locale database leaves, and ß as casefold has it. Nested replace()
# because translate() took twice as long on long texts.
_GERMAN_FOLDS = (("Ä", "ä"), ("Ö", "ö"), ("Ü", "ü"), ("ẞ", "ss"), ("ß", "ss"))


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    sql = f"lower({compiler.process(element.clauses, **kw)})"
    for letter, folded_letter in _GERMAN_FOLDS:
        sql = f"replace({sql}, '{letter}', '{folded_letter}')"
    return sql


def contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """``column`` holds ``text``, case-insensitively; ``%``, ``_`` and ``\\`` in ``text``
    are literal characters, not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = folded(cast(literal(f"%{escaped}%"), Text))
    return folded(column).like(pattern, escape="\\")
