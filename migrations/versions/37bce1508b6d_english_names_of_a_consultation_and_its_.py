"""English names of a consultation and its lists

Revision ID: 37bce1508b6d
Revises: c14d9bac8424
Create Date: 2026-12-03 20:14:31.261917

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '37bce1508b6d'
down_revision = 'c14d9bac8424'
branch_labels = None
depends_on = None

#: The lists of a consultation, each with a name in English beside the French one.
LISTS = ('themes', 'participant_categories', 'regions', 'rejection_reasons')


def upgrade():
    op.add_column('consultations', sa.Column('title_en', sa.String(length=200), server_default='', nullable=False))
    op.add_column('consultations', sa.Column('description_en', sa.Text(), server_default='', nullable=False))
    for table in LISTS:
        op.add_column(table, sa.Column('name_en', sa.String(length=150), server_default='', nullable=False))


def downgrade():
    for table in LISTS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('name_en')
    with op.batch_alter_table('consultations') as batch_op:
        batch_op.drop_column('description_en')
        batch_op.drop_column('title_en')
