"""conversations: a chat's turns, each a decision judged on the whole conversation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index("ix_conversations_user_updated", "conversations", ["user_name", "updated_at"])
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("turn", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("history", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.create_foreign_key(
            op.f("fk_decisions_conversation_id_conversations"), "conversations", ["conversation_id"], ["id"]
        )
        batch_op.create_unique_constraint(op.f("uq_decisions_conversation_id"), ["conversation_id", "turn"])


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_constraint(op.f("uq_decisions_conversation_id"), type_="unique")
        batch_op.drop_constraint(op.f("fk_decisions_conversation_id_conversations"), type_="foreignkey")
        batch_op.drop_column("history")
        batch_op.drop_column("turn")
        batch_op.drop_column("conversation_id")
    op.drop_index("ix_conversations_user_updated", table_name="conversations")
    op.drop_table("conversations")
