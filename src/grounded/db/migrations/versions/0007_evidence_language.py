"""Evidence language: each evidence item's detected language, cached; a sentiment score may
be empty (text in a language the analyzer does not read).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_language",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("detector", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_evidence_language_evidence_id_evidence"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_evidence_language_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_evidence_language")),
    )
    op.create_index(op.f("ix_evidence_language_workspace_id"), "evidence_language", ["workspace_id"], unique=False)
    with op.batch_alter_table("evidence_sentiment") as batch_op:
        batch_op.alter_column("score", existing_type=sa.Double(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM evidence_sentiment WHERE score IS NULL")
    with op.batch_alter_table("evidence_sentiment") as batch_op:
        batch_op.alter_column("score", existing_type=sa.Double(), nullable=False)
    op.drop_index(op.f("ix_evidence_language_workspace_id"), table_name="evidence_language")
    op.drop_table("evidence_language")
