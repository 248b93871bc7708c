"""stories.search_key: folded words for searching in SQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.Text(), nullable=True))
    # Backfill stories stored before this column existed.
    from storage.search import search_key

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT s.id, s.title, i.description, i.text FROM stories s "
            "JOIN items i ON i.story_id = s.id WHERE i.text IS NOT NULL ORDER BY s.id, i.id"
        )
    ).all()
    done: set[int] = set()
    for story_id, title, description, text in rows:
        if story_id in done:
            continue
        done.add(story_id)
        conn.execute(
            sa.text("UPDATE stories SET search_key = :key WHERE id = :id"),
            {"key": search_key(title, description, text), "id": story_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("search_key")
