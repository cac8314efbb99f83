"""replies index: a thread's replies by a partial index on root_id (top-level comments have
none), which SQLite's statistics rate right; statistics gathered after the change

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPLIES = sa.text('root_id IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_comments_root_id', table_name='comments')
    op.create_index('ix_comments_replies', 'comments', ['root_id', 'created_at'],
                    sqlite_where=_REPLIES, postgresql_where=_REPLIES)


def downgrade() -> None:
    op.drop_index('ix_comments_replies', table_name='comments')
    op.create_index('ix_comments_root_id', 'comments', ['root_id'])
