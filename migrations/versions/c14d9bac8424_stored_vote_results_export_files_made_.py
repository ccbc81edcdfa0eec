"""Stored vote results; export files made by jobs

Revision ID: c14d9bac8424
Revises: 6bf408916073
Create Date: 2026-12-03 20:13:09.682164

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14d9bac8424'
down_revision = '6bf408916073'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vote_results',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_vote_results_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_vote_results'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parameters', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('file_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('file_name', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('file_name')
        batch_op.drop_column('file_path')
        batch_op.drop_column('parameters')

    op.drop_table('vote_results')
