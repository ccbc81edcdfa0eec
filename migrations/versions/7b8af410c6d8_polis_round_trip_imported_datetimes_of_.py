"""Polis round trip: imported datetimes of statements and votes

Revision ID: 7b8af410c6d8
Revises: 37bce1508b6d
Create Date: 2026-12-03 20:13:53.704216

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b8af410c6d8'
down_revision = '37bce1508b6d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_datetime', sa.String(length=64), nullable=True))

    with op.batch_alter_table('vote_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_datetime', sa.String(length=64), nullable=True))

    # An imported statement without a decision now exports as unmoderated; statements
    # imported before kept no such difference and were exported as accepted.
    op.execute("UPDATE proposals SET decided_at = created_at "
               "WHERE kind = 'imported' AND status = 'published' AND decided_at IS NULL")


def downgrade():
    with op.batch_alter_table('vote_history', schema=None) as batch_op:
        batch_op.drop_column('external_datetime')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('external_datetime')
