"""model versions: registered models as candidate, live or retired, each with its manifest;
shadow decisions of a candidate model beside those of a candidate policy

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JsonDocument = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('model_versions',
    sa.Column('id', Id, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('version', sa.String(length=120), nullable=False),
    sa.Column('state', sa.Enum('candidate', 'live', 'retired', name='modelstate', native_enum=False, length=16), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('manifest', JsonDocument, nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_by', sa.String(length=120), nullable=True),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('previous_id', Id, nullable=True),
    sa.ForeignKeyConstraint(['previous_id'], ['model_versions.id'], name=op.f('fk_model_versions_previous_id_model_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_model_versions_version'))
    )
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_versions_state'), ['state'], unique=False)
    with op.batch_alter_table('shadow_decisions', schema=None) as batch_op:
        batch_op.alter_column('policy_version_id', existing_type=Id, nullable=True)
        batch_op.add_column(sa.Column('model_version_id', Id, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_shadow_decisions_model_version_id_model_versions'), 'model_versions', ['model_version_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('one_candidate', '(policy_version_id IS NULL) <> (model_version_id IS NULL)')
        batch_op.create_index(batch_op.f('ix_shadow_decisions_model_version_id'), ['model_version_id'], unique=False)


def downgrade() -> None:
    # A candidate model's shadow decisions cannot stay where only policies have candidates.
    op.execute("DELETE FROM shadow_decisions WHERE policy_version_id IS NULL")
    with op.batch_alter_table('shadow_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shadow_decisions_model_version_id'))
        batch_op.drop_constraint(batch_op.f('ck_shadow_decisions_one_candidate'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_shadow_decisions_model_version_id_model_versions'), type_='foreignkey')
        batch_op.drop_column('model_version_id')
        batch_op.alter_column('policy_version_id', existing_type=Id, nullable=False)
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_versions_state'))
    op.drop_table('model_versions')
