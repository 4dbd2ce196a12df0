"""training loop: dataset snapshots, lineage, model registry, nightly runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_PROMOTED = sa.text("status = 'promoted'")


def upgrade() -> None:
    op.create_table(
        "dataset_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_snapshots")),
        sa.UniqueConstraint("content_sha256", name=op.f("uq_dataset_snapshots_content_sha256")),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=160), nullable=False),
        sa.Column("artifact_path", sa.Text(), nullable=False),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=False),
        sa.Column("base_model", sa.String(length=128), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("promoted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("promoted_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["dataset_snapshots.id"],
            name=op.f("fk_model_versions_snapshot_id_dataset_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_model_versions_version")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_versions_snapshot_id"), ["snapshot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_versions_status"), ["status"], unique=False)
        batch_op.create_index(
            "ux_model_versions_promoted",
            ["status"],
            unique=True,
            sqlite_where=ONE_PROMOTED,
            postgresql_where=ONE_PROMOTED,
        )

    op.create_table(
        "nightly_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("triggered_by", sa.String(length=64), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("new_cases", sa.Integer(), nullable=False),
        sa.Column("candidate_version", sa.String(length=160), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("report_path", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["dataset_snapshots.id"],
            name=op.f("fk_nightly_runs_snapshot_id_dataset_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nightly_runs")),
    )
    with op.batch_alter_table("nightly_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nightly_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "dataset_lineage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("example_id", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("split", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_dataset_lineage_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["dataset_snapshots.id"],
            name=op.f("fk_dataset_lineage_snapshot_id_dataset_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_lineage")),
        sa.UniqueConstraint("snapshot_id", "example_id", name=op.f("uq_dataset_lineage_snapshot_id")),
    )
    with op.batch_alter_table("dataset_lineage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_lineage_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_lineage_snapshot_id"), ["snapshot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dataset_lineage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_lineage_snapshot_id"))
        batch_op.drop_index(batch_op.f("ix_dataset_lineage_case_id"))
    op.drop_table("dataset_lineage")
    with op.batch_alter_table("nightly_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nightly_runs_started_at"))
    op.drop_table("nightly_runs")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("ux_model_versions_promoted")
        batch_op.drop_index(batch_op.f("ix_model_versions_status"))
        batch_op.drop_index(batch_op.f("ix_model_versions_snapshot_id"))
    op.drop_table("model_versions")
    op.drop_table("dataset_snapshots")
