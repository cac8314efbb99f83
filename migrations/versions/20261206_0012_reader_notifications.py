"""reader notifications: readers' addresses (double opt-in, suppression), their subscribed
comments, and the mail outbox's second kind of recipient

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('reader_addresses',
    sa.Column('id', Id, nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suppressed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suppressed_reason', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_addresses')),
    sa.UniqueConstraint('email_key', name=op.f('uq_reader_addresses_email_key')),
    sa.UniqueConstraint('token', name=op.f('uq_reader_addresses_token'))
    )
    with op.batch_alter_table('reader_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_addresses_created_at'), ['created_at'], unique=False)
    op.create_table('reader_subscriptions',
    sa.Column('comment_id', Id, nullable=False),
    sa.Column('reader_address_id', Id, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_reader_subscriptions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reader_address_id'], ['reader_addresses.id'], name=op.f('fk_reader_subscriptions_reader_address_id_reader_addresses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_reader_subscriptions'))
    )
    with op.batch_alter_table('reader_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reader_subscriptions_reader_address_id'), ['reader_address_id'], unique=False)
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.alter_column('account_id', existing_type=Id, nullable=True)
        batch_op.add_column(sa.Column('reader_address_id', Id, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mail_messages_reader_address_id_reader_addresses'), 'reader_addresses', ['reader_address_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('one_recipient', '(account_id IS NULL) <> (reader_address_id IS NULL)')
        batch_op.create_index(batch_op.f('ix_mail_messages_reader_address_id'), ['reader_address_id'], unique=False)


def downgrade() -> None:
    # Readers' mails cannot stay in an outbox that knows only accounts.
    op.execute("DELETE FROM mail_messages WHERE account_id IS NULL")
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_reader_address_id'))
        batch_op.drop_constraint(batch_op.f('ck_mail_messages_one_recipient'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_mail_messages_reader_address_id_reader_addresses'), type_='foreignkey')
        batch_op.drop_column('reader_address_id')
        batch_op.alter_column('account_id', existing_type=Id, nullable=False)
    with op.batch_alter_table('reader_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reader_subscriptions_reader_address_id'))
    op.drop_table('reader_subscriptions')
    with op.batch_alter_table('reader_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reader_addresses_created_at'))
    op.drop_table('reader_addresses')
