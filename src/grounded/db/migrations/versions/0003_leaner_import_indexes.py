"""Two indexes fewer on the hottest insert path; quarantined rows remember their id.

Every index costs each of the million rows an import writes. ``ix_evidence_workspace_kind``
duplicated ``ix_evidence_workspace_occurred`` for listings by kind (which walk the time
index and filter); ``search_rowmap_workspace`` served no query (search finds rows through
the FTS index and filters the few hits; deletes go through the row map's entity id).

``quarantined_row.external_id`` lets a later import that stores the same row resolve it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quarantined_row") as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
    op.drop_index("ix_evidence_workspace_kind", table_name="evidence")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS search_rowmap_workspace")


def downgrade() -> None:
    with op.batch_alter_table("quarantined_row") as batch_op:
        batch_op.drop_column("external_id")
    op.create_index("ix_evidence_workspace_kind", "evidence", ["workspace_id", "kind", "occurred_at"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE INDEX search_rowmap_workspace ON search_rowmap (workspace_id, entity_type)")
