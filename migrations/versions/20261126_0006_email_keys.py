"""email keys: authors' and reporters' emails found by a key made in Python

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:12:31.418205
"""

import hashlib
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def email_key(email: str | None) -> str | None:
    """The key as this revision defines it (a copy: the history must not move with the
    application's code): SHA-256 of the NFC-normalised, casefolded, trimmed address."""
    if email is None:
        return None
    normalised = unicodedata.normalize("NFC", email.strip()).casefold()
    if not normalised:
        return None
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_email_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_comments_author_email_key'), ['author_email_key'], unique=False)

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_email_key', sa.String(length=64), nullable=True))
        batch_op.drop_index(batch_op.f('ix_reports_reporter_email'))
        batch_op.create_index(batch_op.f('ix_reports_reporter_email_key'), ['reporter_email_key'], unique=False)

    # The key is made in Python (NFC + casefold, hashed), as the models make it: no SQL
    # function folds case the same way on SQLite and PostgreSQL.
    _fill_keys('comments', 'author_email', 'author_email_key')
    _fill_keys('reports', 'reporter_email', 'reporter_email_key')


def _fill_keys(table_name: str, email_column: str, key_column: str) -> None:
    table = sa.table(table_name, sa.column('id', sa.Integer), sa.column(email_column, sa.String),
                     sa.column(key_column, sa.String))
    email, key = table.c[email_column], table.c[key_column]
    fill = sa.update(table).where(table.c.id == sa.bindparam('row_id')).values(
        {key_column: sa.bindparam('email_key')})
    connection = op.get_bind()
    last_id = 0
    # In batches by id: memory stays flat however many rows there are.
    while rows := connection.execute(
            sa.select(table.c.id, email).where(table.c.id > last_id, email.is_not(None),
                                               key.is_(None))
            .order_by(table.c.id).limit(BATCH)).all():
        connection.execute(fill, [{'row_id': row_id, 'email_key': email_key(address)}
                                  for row_id, address in rows])
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_reporter_email_key'))
        batch_op.create_index(batch_op.f('ix_reports_reporter_email'), ['reporter_email'], unique=False)
        batch_op.drop_column('reporter_email_key')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_author_email_key'))
        batch_op.drop_column('author_email_key')
