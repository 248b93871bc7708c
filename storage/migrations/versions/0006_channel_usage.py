"""channel_usage: a channel's monthly messages outside the outbox, warnings given

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_usage",
        sa.Column("channel", sa.String(16), nullable=False),
        # The month's first day in the bot's time zone: a plain DATE on both engines.
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("extra", sa.Integer(), nullable=False),
        sa.Column("warned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "month", name=op.f("pk_channel_usage")),
    )


def downgrade() -> None:
    op.drop_table("channel_usage")
