"""Theme centres: each theme's centre and radius, so new evidence can join it between runs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("theme") as batch_op:
        batch_op.add_column(sa.Column("centre", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("radius", sa.Double(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of ``theme`` would drop
    # the table, and its ON DELETE CASCADE would empty evidence_theme and problem_link.
    op.execute("ALTER TABLE theme DROP COLUMN radius")
    op.execute("ALTER TABLE theme DROP COLUMN centre")
