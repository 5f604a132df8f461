"""The whole data model: every table, constraint and index the models declare.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    op.create_table(
        "workspace",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("settings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
        sa.UniqueConstraint("slug", name=op.f("uq_workspace_slug")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=True),
        sa.Column("plan", sa.String(length=64), nullable=True),
        sa.Column("arr", sa.BigInteger(), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("attributes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_account_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("workspace_id", "external_id", name=op.f("uq_account_workspace_id_external_id")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_account_workspace_segment", ["workspace_id", "segment"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "viewer",
                "contributor",
                "editor",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_api_token_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_api_token_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("entity_key", sa.String(length=32), nullable=True),
        sa.Column("before", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("after", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_audit_event_actor_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_audit_event_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_audit_event_workspace_key", ["workspace_id", "entity_key"], unique=False)
        batch_op.create_index("ix_audit_event_workspace_occurred", ["workspace_id", "occurred_at"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("facing", sa.Text(), nullable=False),
        sa.Column("to_achieve", sa.Text(), nullable=False),
        sa.Column("accepting", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("non_goals", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "proposed",
                "accepted",
                "rejected",
                "under_review",
                "reaffirmed",
                "superseded",
                "deprecated",
                name="decision_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "reversibility",
            sa.Enum(
                "two_way",
                "costly",
                "one_way",
                name="reversibility",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("deciders", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("consulted", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("informed", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_decision_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_decision_workspace_number"),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_decision_workspace_status", ["workspace_id", "status"], unique=False)

    op.create_table(
        "event_source",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "parquet",
                "csv",
                "duckdb",
                "ibis",
                name="event_source_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("column_mapping", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_event_source_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_source")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_event_source_workspace_id_name")),
    )
    with op.batch_alter_table("event_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_source_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "viewer",
                "contributor",
                "editor",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_membership_user_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_membership_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("workspace_id", "user_id", name=op.f("uq_membership_workspace_id_user_id")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "metric",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "count",
                "unique",
                "active_users",
                "adoption",
                "retention",
                "funnel",
                "stickiness",
                "failure_rate",
                "time_to_complete",
                "nps",
                "csat",
                "ratio",
                "derived",
                name="metric_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("definition", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column(
            "good_direction",
            sa.Enum("up", "down", name="good_direction", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_metric_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_metric_workspace_id_key")),
    )
    with op.batch_alter_table("metric", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "option_set",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_option_set_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_option_set")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_option_set_workspace_number"),
    )
    with op.batch_alter_table("option_set", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_option_set_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "problem",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("struggle", sa.Text(), nullable=False),
        sa.Column("why_it_matters", sa.Text(), nullable=False),
        sa.Column("current_workaround", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "hypothesis",
                "validated",
                "invalidated",
                "solved",
                "parked",
                name="problem_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_problem_owner_id_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["problem.id"], name=op.f("fk_problem_parent_id_problem"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_problem_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_problem_workspace_number"),
    )
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_problem_workspace_status", ["workspace_id", "status"], unique=False)

    op.create_table(
        "scoring_model",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rice",
                "ice",
                "wsjf",
                "weighted",
                name="scoring_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("weights", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_scoring_model_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_model")),
        sa.UniqueConstraint("workspace_id", "name", "version", name=op.f("uq_scoring_model_workspace_id_name_version")),
    )
    with op.batch_alter_table("scoring_model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scoring_model_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "source",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("file_hash", sa.String(length=64), nullable=True),
        sa.Column("mapping", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("options", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "completed",
                "incomplete",
                "failed",
                name="source_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("new_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("quarantined_count", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_source_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_source_workspace_number"),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_source_workspace_key", ["workspace_id", "source_key"], unique=False)

    op.create_table(
        "stakeholder_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_stakeholder_group_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_group")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_stakeholder_group_workspace_id_slug")),
    )
    with op.batch_alter_table("stakeholder_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stakeholder_group_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "theme_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("parameters", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "completed",
                "failed",
                name="run_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("theme_count", sa.Integer(), nullable=False),
        sa.Column("unthemed_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_theme_run_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_run")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_theme_run_workspace_number"),
    )
    with op.batch_alter_table("theme_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_run_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "workspace_counter",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_workspace_counter_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "prefix", name=op.f("pk_workspace_counter")),
    )
    op.create_table(
        "decision_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("from_decision_id", sa.Uuid(), nullable=False),
        sa.Column("to_decision_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "supersedes",
                "amends",
                "depends_on",
                "conflicts_with",
                name="decision_link_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("from_decision_id <> to_decision_id", name=op.f("ck_decision_link_not_self")),
        sa.ForeignKeyConstraint(
            ["from_decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_link_from_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_link_to_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_decision_link_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_link")),
        sa.UniqueConstraint(
            "from_decision_id",
            "to_decision_id",
            "kind",
            name=op.f("uq_decision_link_from_decision_id_to_decision_id_kind"),
        ),
    )
    with op.batch_alter_table("decision_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_link_to_decision_id"), ["to_decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_link_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "decision_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "proposed",
                "accepted",
                "rejected",
                "under_review",
                "reaffirmed",
                "superseded",
                "deprecated",
                name="decision_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("snapshot", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["user.id"], name=op.f("fk_decision_revision_changed_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_decision_revision_decision_id_decision"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_decision_revision_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_revision")),
        sa.UniqueConstraint("decision_id", "revision", name=op.f("uq_decision_revision_decision_id_revision")),
    )
    with op.batch_alter_table("decision_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_revision_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "exception",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=200), nullable=False),
        sa.Column("stakeholder_group_id", sa.Uuid(), nullable=True),
        sa.Column("cost_weeks", sa.Double(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                name="exception_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_exception_decision_id_decision"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_group.id"],
            name=op.f("fk_exception_stakeholder_group_id_stakeholder_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_exception_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_exception_workspace_number"),
    )
    with op.batch_alter_table("exception", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exception_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "metric_value",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("metric_id", sa.Uuid(), nullable=False),
        sa.Column("metric_version", sa.Integer(), nullable=False),
        sa.Column("event_source_id", sa.Uuid(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("segment", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_source_id"],
            ["event_source.id"],
            name=op.f("fk_metric_value_event_source_id_event_source"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_metric_value_metric_id_metric"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_metric_value_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_value")),
    )
    with op.batch_alter_table("metric_value", schema=None) as batch_op:
        batch_op.create_index("ix_metric_value_metric_period", ["metric_id", "period_start"], unique=False)
        batch_op.create_index(batch_op.f("ix_metric_value_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "metric_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("metric_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "count",
                "unique",
                "active_users",
                "adoption",
                "retention",
                "funnel",
                "stickiness",
                "failure_rate",
                "time_to_complete",
                "nps",
                "csat",
                "ratio",
                "derived",
                name="metric_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("definition", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_metric_version_metric_id_metric"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_metric_version_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_version")),
        sa.UniqueConstraint("metric_id", "version", name=op.f("uq_metric_version_metric_id_version")),
    )
    with op.batch_alter_table("metric_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metric_version_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "outcome",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("metric_id", sa.Uuid(), nullable=True),
        sa.Column("baseline", sa.Double(), nullable=True),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "achieved",
                "missed",
                "dropped",
                name="outcome_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_outcome_metric_id_metric"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_outcome_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_outcome_workspace_number"),
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=320), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("identity_hash", sa.String(length=64), nullable=True),
        sa.Column("is_redacted", sa.Boolean(), nullable=False),
        sa.Column("attributes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_person_account_id_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_person_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("workspace_id", "external_id", name=op.f("uq_person_workspace_id_external_id")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("capacity_weeks", sa.Double(), nullable=False),
        sa.Column("scoring_model_id", sa.Uuid(), nullable=True),
        sa.Column("constraints", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("selected", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("cut_line", sa.Double(), nullable=True),
        sa.Column("explanations", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_plan_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["scoring_model_id"],
            ["scoring_model.id"],
            name=op.f("fk_plan_scoring_model_id_scoring_model"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_plan_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_plan_workspace_number"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "problem_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["user.id"], name=op.f("fk_problem_revision_changed_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_problem_revision_problem_id_problem"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_problem_revision_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_revision")),
        sa.UniqueConstraint("problem_id", "revision", name=op.f("uq_problem_revision_problem_id_revision")),
    )
    with op.batch_alter_table("problem_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_revision_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "quarantined_row",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_quarantined_row_source_id_source"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_quarantined_row_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_row")),
    )
    with op.batch_alter_table("quarantined_row", schema=None) as batch_op:
        batch_op.create_index("ix_quarantined_row_source_row", ["source_id", "row_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantined_row_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "signal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("metric_id", sa.Uuid(), nullable=True),
        sa.Column("evidence_query", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column(
            "comparator",
            sa.Enum(">", ">=", "<", "<=", name="comparator", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("periods", sa.Integer(), nullable=False),
        sa.Column("min_sample", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "inform", "review", "reopen", name="signal_action", native_enum=False, create_constraint=True, length=24
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "armed",
                "ok",
                "breached",
                "acknowledged",
                "dismissed",
                name="signal_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("last_value", sa.Double(), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("metric_id IS NOT NULL OR evidence_query IS NOT NULL", name=op.f("ck_signal_has_subject")),
        sa.CheckConstraint("window_days > 0 AND periods > 0", name=op.f("ck_signal_positive_window")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_signal_decision_id_decision"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_signal_metric_id_metric"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_signal_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_signal_workspace_number"),
    )
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signal_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "theme",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("keywords", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("representative_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["theme.id"], name=op.f("fk_theme_parent_id_theme"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["theme_run.id"], name=op.f("fk_theme_run_id_theme_run"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_theme_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_theme_run_id_number")),
    )
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_theme_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_theme_workspace_number", ["workspace_id", "number"], unique=False)

    op.create_table(
        "bet",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("hypothesis", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("opportunity", "solution", name="bet_kind", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "idea",
                "shaping",
                "committed",
                "building",
                "measuring",
                "done",
                "dropped",
                "not_yet",
                name="bet_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("outcome_id", sa.Uuid(), nullable=True),
        sa.Column("option_set_id", sa.Uuid(), nullable=True),
        sa.Column("metric_id", sa.Uuid(), nullable=True),
        sa.Column("effort_low_weeks", sa.Double(), nullable=True),
        sa.Column("effort_high_weeks", sa.Double(), nullable=True),
        sa.Column("user_value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("viability", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("feasibility", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "effort_low_weeks IS NULL OR effort_high_weeks IS NULL OR effort_low_weeks <= effort_high_weeks",
            name=op.f("ck_bet_effort_range"),
        ),
        sa.ForeignKeyConstraint(
            ["metric_id"], ["metric.id"], name=op.f("fk_bet_metric_id_metric"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["option_set_id"], ["option_set.id"], name=op.f("fk_bet_option_set_id_option_set"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcome.id"], name=op.f("fk_bet_outcome_id_outcome"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_bet_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bet")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_bet_workspace_number"),
    )
    with op.batch_alter_table("bet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bet_option_set_id"), ["option_set_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bet_outcome_id"), ["outcome_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bet_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_bet_workspace_status", ["workspace_id", "status"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ticket",
                "interview_note",
                "quote",
                "survey_response",
                "request",
                "sales_call",
                "review",
                "usage_observation",
                "note",
                name="evidence_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "mode",
            sa.Enum("stated", "observed", name="evidence_mode", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("stakeholder_group_id", sa.Uuid(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("attributes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.Column("sentiment", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_evidence_account_id_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["evidence.id"], name=op.f("fk_evidence_parent_id_evidence"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_evidence_person_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_evidence_source_id_source"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_group.id"],
            name=op.f("fk_evidence_stakeholder_group_id_stakeholder_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_evidence_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_evidence_workspace_number"),
        sa.UniqueConstraint(
            "workspace_id", "source_key", "external_id", name=op.f("uq_evidence_workspace_id_source_key_external_id")
        ),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_account", ["account_id"], unique=False)
        batch_op.create_index(
            "ix_evidence_parent",
            ["parent_id"],
            unique=False,
            sqlite_where=sa.text("parent_id IS NOT NULL"),
            postgresql_where=sa.text("parent_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_evidence_stakeholder_group",
            ["stakeholder_group_id"],
            unique=False,
            sqlite_where=sa.text("stakeholder_group_id IS NOT NULL"),
            postgresql_where=sa.text("stakeholder_group_id IS NOT NULL"),
        )
        batch_op.create_index("ix_evidence_workspace_kind", ["workspace_id", "kind", "occurred_at"], unique=False)
        batch_op.create_index("ix_evidence_workspace_occurred", ["workspace_id", "occurred_at"], unique=False)

    op.create_table(
        "assumption",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("bet_id", sa.Uuid(), nullable=True),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "desirability",
                "viability",
                "feasibility",
                "usability",
                "ethics",
                name="assumption_type",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.Column("evidence_level", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "testing",
                "supported",
                "refuted",
                "accepted_risk",
                name="assumption_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("bet_id IS NOT NULL OR decision_id IS NOT NULL", name=op.f("ck_assumption_has_owner")),
        sa.CheckConstraint("evidence_level BETWEEN 0 AND 4", name=op.f("ck_assumption_evidence_level_range")),
        sa.CheckConstraint("importance BETWEEN 1 AND 5", name=op.f("ck_assumption_importance_range")),
        sa.ForeignKeyConstraint(["bet_id"], ["bet.id"], name=op.f("fk_assumption_bet_id_bet"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_assumption_decision_id_decision"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_assumption_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assumption")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_assumption_workspace_number"),
    )
    with op.batch_alter_table("assumption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assumption_bet_id"), ["bet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assumption_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assumption_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "bet_problem",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("bet_id", sa.Uuid(), nullable=False),
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["bet_id"], ["bet.id"], name=op.f("fk_bet_problem_bet_id_bet"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_bet_problem_problem_id_problem"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_bet_problem_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("bet_id", "problem_id", name=op.f("pk_bet_problem")),
    )
    with op.batch_alter_table("bet_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bet_problem_problem_id"), ["problem_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bet_problem_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "decision_option",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("user_value", sa.Text(), nullable=False),
        sa.Column("viability", sa.Text(), nullable=False),
        sa.Column("feasibility", sa.Text(), nullable=False),
        sa.Column("bet_id", sa.Uuid(), nullable=True),
        sa.Column("is_chosen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bet_id"], ["bet.id"], name=op.f("fk_decision_option_bet_id_bet"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decision.id"], name=op.f("fk_decision_option_decision_id_decision"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_decision_option_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_option")),
        sa.UniqueConstraint("decision_id", "position", name=op.f("uq_decision_option_decision_id_position")),
    )
    with op.batch_alter_table("decision_option", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_option_bet_id"), ["bet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_option_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "evidence_theme",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=False),
        sa.Column("distance", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_evidence_theme_evidence_id_evidence"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_evidence_theme_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_evidence_theme_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_id", "theme_id", name=op.f("pk_evidence_theme")),
    )
    with op.batch_alter_table("evidence_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_theme_theme_id"), ["theme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_theme_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "exception_displaced_bet",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("exception_id", sa.Uuid(), nullable=False),
        sa.Column("bet_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bet_id"], ["bet.id"], name=op.f("fk_exception_displaced_bet_bet_id_bet"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["exception.id"],
            name=op.f("fk_exception_displaced_bet_exception_id_exception"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_exception_displaced_bet_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("exception_id", "bet_id", name=op.f("pk_exception_displaced_bet")),
    )
    with op.batch_alter_table("exception_displaced_bet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exception_displaced_bet_bet_id"), ["bet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exception_displaced_bet_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "increment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("bet_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("learn", "ship", name="increment_kind", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "dropped",
                name="increment_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bet_id"], ["bet.id"], name=op.f("fk_increment_bet_id_bet"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_increment_plan_id_plan"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_increment_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_increment")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_increment_workspace_number"),
    )
    with op.batch_alter_table("increment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_increment_bet_id"), ["bet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_increment_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("stakeholder_group_id", sa.Uuid(), nullable=True),
        sa.Column("requester_name", sa.String(length=200), nullable=True),
        sa.Column("deal_value", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column(
            "deadline_kind",
            sa.Enum("hard", "soft", name="deadline_kind", native_enum=False, create_constraint=True, length=24),
            nullable=True,
        ),
        sa.Column(
            "disposition",
            sa.Enum(
                "new",
                "triaged",
                "scheduled",
                "not_yet",
                "declined",
                "merged",
                name="disposition",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("reevaluate_on", sa.Date(), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("bet_id", sa.Uuid(), nullable=True),
        sa.Column("evidence_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bet_id"], ["bet.id"], name=op.f("fk_request_bet_id_bet"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_request_evidence_id_evidence"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["request.id"], name=op.f("fk_request_merged_into_id_request"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_group.id"],
            name=op.f("fk_request_stakeholder_group_id_stakeholder_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_request_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_request_workspace_number"),
    )
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_bet_id"), ["bet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_stakeholder_group_id"), ["stakeholder_group_id"], unique=False)
        batch_op.create_index("ix_request_workspace_disposition", ["workspace_id", "disposition"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "experiment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("assumption_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("we_believe", sa.Text(), nullable=False),
        sa.Column("we_will", sa.Text(), nullable=False),
        sa.Column("we_measure", sa.Text(), nullable=False),
        sa.Column("right_if", sa.Text(), nullable=False),
        sa.Column("cost", sa.Double(), nullable=True),
        sa.Column("duration_days", sa.Integer(), nullable=True),
        sa.Column("value_of_information", sa.Double(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "running",
                "completed",
                "abandoned",
                name="experiment_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.Enum(
                "supported",
                "refuted",
                "inconclusive",
                name="experiment_result",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("observed", sa.Text(), nullable=False),
        sa.Column("learned", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assumption_id"],
            ["assumption.id"],
            name=op.f("fk_experiment_assumption_id_assumption"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_experiment_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiment")),
        sa.UniqueConstraint("workspace_id", "number", name="uq_experiment_workspace_number"),
    )
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experiment_assumption_id"), ["assumption_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_experiment_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "problem_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("problem_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=True),
        sa.Column("theme_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "supports",
                "contradicts",
                "symptom",
                name="link_role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum("human", "suggested", name="link_origin", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "suggested",
                "accepted",
                "rejected",
                name="link_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("receipts", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN evidence_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN theme_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_problem_link_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_problem_link_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_problem_link_evidence_id_evidence"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_problem_link_problem_id_problem"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_problem_link_request_id_request"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["user.id"], name=op.f("fk_problem_link_reviewed_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_problem_link_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_problem_link_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_link")),
        sa.UniqueConstraint("problem_id", "evidence_id", name=op.f("uq_problem_link_problem_id_evidence_id")),
        sa.UniqueConstraint("problem_id", "request_id", name=op.f("uq_problem_link_problem_id_request_id")),
        sa.UniqueConstraint("problem_id", "theme_id", name=op.f("uq_problem_link_problem_id_theme_id")),
    )
    with op.batch_alter_table("problem_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_link_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_link_problem_id"), ["problem_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_link_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_link_theme_id"), ["theme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_link_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "request_account",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("deal_value", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_request_account_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_request_account_request_id_request"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_request_account_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "account_id", name=op.f("pk_request_account")),
    )
    with op.batch_alter_table("request_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_account_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_account_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_account_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_request_account_account_id"))

    op.drop_table("request_account")
    with op.batch_alter_table("problem_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_link_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_problem_link_theme_id"))
        batch_op.drop_index(batch_op.f("ix_problem_link_request_id"))
        batch_op.drop_index(batch_op.f("ix_problem_link_problem_id"))
        batch_op.drop_index(batch_op.f("ix_problem_link_evidence_id"))

    op.drop_table("problem_link")
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiment_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_experiment_assumption_id"))

    op.drop_table("experiment")
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_workspace_id"))
        batch_op.drop_index("ix_request_workspace_disposition")
        batch_op.drop_index(batch_op.f("ix_request_stakeholder_group_id"))
        batch_op.drop_index(batch_op.f("ix_request_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_request_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_request_bet_id"))

    op.drop_table("request")
    with op.batch_alter_table("increment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_increment_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_increment_bet_id"))

    op.drop_table("increment")
    with op.batch_alter_table("exception_displaced_bet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_displaced_bet_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_exception_displaced_bet_bet_id"))

    op.drop_table("exception_displaced_bet")
    with op.batch_alter_table("evidence_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_theme_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_theme_theme_id"))

    op.drop_table("evidence_theme")
    with op.batch_alter_table("decision_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_option_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_decision_option_bet_id"))

    op.drop_table("decision_option")
    with op.batch_alter_table("bet_problem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bet_problem_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_bet_problem_problem_id"))

    op.drop_table("bet_problem")
    with op.batch_alter_table("assumption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assumption_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_assumption_decision_id"))
        batch_op.drop_index(batch_op.f("ix_assumption_bet_id"))

    op.drop_table("assumption")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_workspace_occurred")
        batch_op.drop_index("ix_evidence_workspace_kind")
        batch_op.drop_index(
            "ix_evidence_stakeholder_group",
            sqlite_where=sa.text("stakeholder_group_id IS NOT NULL"),
            postgresql_where=sa.text("stakeholder_group_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_evidence_parent",
            sqlite_where=sa.text("parent_id IS NOT NULL"),
            postgresql_where=sa.text("parent_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_evidence_account")

    op.drop_table("evidence")
    with op.batch_alter_table("bet", schema=None) as batch_op:
        batch_op.drop_index("ix_bet_workspace_status")
        batch_op.drop_index(batch_op.f("ix_bet_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_bet_outcome_id"))
        batch_op.drop_index(batch_op.f("ix_bet_option_set_id"))

    op.drop_table("bet")
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_workspace_number")
        batch_op.drop_index(batch_op.f("ix_theme_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_theme_parent_id"))

    op.drop_table("theme")
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signal_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_signal_decision_id"))

    op.drop_table("signal")
    with op.batch_alter_table("quarantined_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_row_workspace_id"))
        batch_op.drop_index("ix_quarantined_row_source_row")

    op.drop_table("quarantined_row")
    with op.batch_alter_table("problem_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_revision_workspace_id"))

    op.drop_table("problem_revision")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_workspace_id"))

    op.drop_table("plan")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_person_account_id"))

    op.drop_table("person")
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_workspace_id"))

    op.drop_table("outcome")
    with op.batch_alter_table("metric_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_version_workspace_id"))

    op.drop_table("metric_version")
    with op.batch_alter_table("metric_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_value_workspace_id"))
        batch_op.drop_index("ix_metric_value_metric_period")

    op.drop_table("metric_value")
    with op.batch_alter_table("exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_workspace_id"))

    op.drop_table("exception")
    with op.batch_alter_table("decision_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_revision_workspace_id"))

    op.drop_table("decision_revision")
    with op.batch_alter_table("decision_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_link_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_decision_link_to_decision_id"))

    op.drop_table("decision_link")
    op.drop_table("workspace_counter")
    with op.batch_alter_table("theme_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_run_workspace_id"))

    op.drop_table("theme_run")
    with op.batch_alter_table("stakeholder_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stakeholder_group_workspace_id"))

    op.drop_table("stakeholder_group")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index("ix_source_workspace_key")
        batch_op.drop_index(batch_op.f("ix_source_workspace_id"))

    op.drop_table("source")
    with op.batch_alter_table("scoring_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scoring_model_workspace_id"))

    op.drop_table("scoring_model")
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_index("ix_problem_workspace_status")
        batch_op.drop_index(batch_op.f("ix_problem_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_problem_parent_id"))

    op.drop_table("problem")
    with op.batch_alter_table("option_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_option_set_workspace_id"))

    op.drop_table("option_set")
    with op.batch_alter_table("metric", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_workspace_id"))

    op.drop_table("metric")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))

    op.drop_table("membership")
    with op.batch_alter_table("event_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_source_workspace_id"))

    op.drop_table("event_source")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_workspace_status")
        batch_op.drop_index(batch_op.f("ix_decision_workspace_id"))

    op.drop_table("decision")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_workspace_occurred")
        batch_op.drop_index("ix_audit_event_workspace_key")
        batch_op.drop_index(batch_op.f("ix_audit_event_workspace_id"))
        batch_op.drop_index("ix_audit_event_entity")

    op.drop_table("audit_event")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index("ix_account_workspace_segment")
        batch_op.drop_index(batch_op.f("ix_account_workspace_id"))

    op.drop_table("account")
    op.drop_table("workspace")
    op.drop_table("user")
