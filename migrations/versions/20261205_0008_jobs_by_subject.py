"""jobs by subject: a delivery's job found by its delivery (webhook order, redelivery), a
comment's scoring job by its comment (erasure)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 21:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_subject', ['kind', 'subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_subject')
