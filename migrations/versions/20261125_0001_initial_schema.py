"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:57:30.081875
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('editor', 'admin', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('name', name=op.f('uq_api_keys_name')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_keys_secret_hash'))
    )
    op.create_table('articles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('comments_open', sa.Boolean(), nullable=False),
    sa.Column('moderation_mode', sa.Enum('auto', 'pre', 'post', name='moderationmode', native_enum=False, length=16), nullable=False),
    sa.Column('public_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('key', name=op.f('uq_articles_key'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=120), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['kind', 'run_at'], unique=False)

    op.create_table('worker_heartbeats',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scorer_state', sa.String(length=16), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_heartbeats'))
    )
    op.create_table('comments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('article_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('root_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('author_email', sa.String(length=254), nullable=True),
    sa.Column('author_token_hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'review', 'approved', 'rejected', name='commentstatus', native_enum=False, length=16), nullable=False),
    sa.Column('status_reason_code', sa.String(length=64), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('scores', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=True),
    sa.Column('scored_by', sa.String(length=200), nullable=True),
    sa.Column('editor_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_comments_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['root_id'], ['comments.id'], name=op.f('fk_comments_root_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('public_id', name=op.f('uq_comments_public_id'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_public_roots', ['article_id', 'status', 'parent_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_queue', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_queue_risk', ['status', 'max_score'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_root_id'), ['root_id'], unique=False)

    op.create_table('moderation_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('comment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('api_key_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('from_status', sa.Enum('pending', 'review', 'approved', 'rejected', name='commentstatus', native_enum=False, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('pending', 'review', 'approved', 'rejected', name='commentstatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason_code', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_moderation_events_api_key_id_api_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_moderation_events_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_events'))
    )
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_events_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_events_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_moderation_events_comment_id'))

    op.drop_table('moderation_events')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_root_id'))
        batch_op.drop_index('ix_comments_queue_risk')
        batch_op.drop_index('ix_comments_queue')
        batch_op.drop_index('ix_comments_public_roots')

    op.drop_table('comments')
    op.drop_table('worker_heartbeats')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
    op.drop_table('articles')
    op.drop_table('api_keys')
