"""sealed drafts as bytes

The conversation draft is sealed with AES-GCM on every message. Stored as bytes in a column of
its own, it needs neither base64 nor a JSON wrapper on the way in or out. Drafts written
before (``draft`` as ``{"sealed": ...}`` or ``{"enc": ...}``) are still read, and are written
to the new column on the agent's next message.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:20:00
"""
import base64
import json

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Drafts in progress go back where earlier versions read them: {"sealed": base64}, the same
    # AES-GCM bytes and binding.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT agent_id, sealed FROM agent_sessions WHERE sealed IS NOT NULL")).all()
    value = "CAST(:draft AS json)" if connection.dialect.name == "postgresql" else ":draft"
    for agent_id, sealed in rows:
        draft = json.dumps({"sealed": base64.urlsafe_b64encode(bytes(sealed)).decode()})
        connection.execute(sa.text(f"UPDATE agent_sessions SET draft = {value} "
                                   "WHERE agent_id = :agent_id"),
                           {"draft": draft, "agent_id": agent_id})
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_column('sealed')
