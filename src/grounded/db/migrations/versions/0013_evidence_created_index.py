"""Evidence by when it was added: the home page counts this week's new evidence by kind from
this index instead of reading every row of the workspace.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_evidence_workspace_created", "evidence", ["workspace_id", "created_at", "kind"])


def downgrade() -> None:
    op.drop_index("ix_evidence_workspace_created", table_name="evidence")
