"""public revision notices: on PostgreSQL a trigger announces every change of an article's
public revision (and an article's removal) with NOTIFY, so that API processes can keep
revisions in memory (moderation/revision_watch.py); nothing on SQLite

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION moderation_announce_public_revision() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('moderation_public_revisions', OLD.key);
            IF TG_OP = 'UPDATE' AND NEW.key IS DISTINCT FROM OLD.key THEN
                PERFORM pg_notify('moderation_public_revisions', NEW.key);
            END IF;
            RETURN NULL;
        END
        $$""")
    op.execute("""
        CREATE TRIGGER articles_public_revision_moved
        AFTER UPDATE OF public_revision, key ON articles FOR EACH ROW
        WHEN (OLD.public_revision IS DISTINCT FROM NEW.public_revision
              OR OLD.key IS DISTINCT FROM NEW.key)
        EXECUTE FUNCTION moderation_announce_public_revision()""")
    op.execute("""
        CREATE TRIGGER articles_removed
        AFTER DELETE ON articles FOR EACH ROW
        EXECUTE FUNCTION moderation_announce_public_revision()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER articles_removed ON articles")
    op.execute("DROP TRIGGER articles_public_revision_moved ON articles")
    op.execute("DROP FUNCTION moderation_announce_public_revision()")
