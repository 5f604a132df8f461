"""Metric values: which part of a metric a value is (a funnel step, a retention period, a
percentile) and the engine that computed it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("metric_value") as batch_op:
        batch_op.add_column(
            sa.Column(
                "detail",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )
        batch_op.add_column(sa.Column("engine", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metric_value") as batch_op:
        batch_op.drop_column("engine")
        batch_op.drop_column("detail")
