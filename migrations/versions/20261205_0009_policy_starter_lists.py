"""policy starter lists: which shipped starter word lists a policy version includes

Versions saved before keep deciding as they did: they include none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starter_lists', json, nullable=False,
                                      server_default=sa.text("'{}'")))
    # The default only fills the versions already saved; the application writes every new one.
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.alter_column('starter_lists', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.drop_column('starter_lists')
