"""shared delivery pace: chats.next_send_at and rate_buckets

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_send_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "rate_buckets",
        sa.Column("name", sa.String(64), nullable=False),
        # Float: DOUBLE PRECISION on PostgreSQL, REAL (8 bytes) on SQLite; epoch
        # seconds keep microseconds at that width.
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_buckets")),
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("next_send_at")
