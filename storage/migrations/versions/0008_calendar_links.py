"""calendar_links: each chat's secret calendar feed address (/lich)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_links",
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("chat_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_pk"],
            ["chats.id"],
            name=op.f("fk_calendar_links_chat_pk_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("secret", name=op.f("pk_calendar_links")),
        sa.UniqueConstraint("chat_pk", name=op.f("uq_calendar_links_chat_pk")),
    )
    op.create_index("ix_calendar_links_chat_pk", "calendar_links", ["chat_pk"])


def downgrade() -> None:
    op.drop_index("ix_calendar_links_chat_pk", table_name="calendar_links")
    op.drop_table("calendar_links")
