"""Reading room: near-duplicates found by the text analysis; indexes for staff lists

Revision ID: de9f835e991b
Revises: 6b7091cc29d2
Create Date: 2026-11-25 00:43:28.765600

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de9f835e991b'
down_revision = '6b7091cc29d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('near_duplicates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('testimony_id', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['representative_id'], ['testimonies.id'], name=op.f('fk_near_duplicates_representative_id_testimonies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_runs.id'], name=op.f('fk_near_duplicates_run_id_analysis_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['testimony_id'], ['testimonies.id'], name=op.f('fk_near_duplicates_testimony_id_testimonies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_near_duplicates')),
    sa.UniqueConstraint('run_id', 'testimony_id', name=op.f('uq_near_duplicates_run_id_testimony_id'))
    )
    with op.batch_alter_table('near_duplicates', schema=None) as batch_op:
        batch_op.create_index('ix_near_duplicates_run_representative', ['run_id', 'representative_id'], unique=False)
    op.create_index('ix_testimonies_consultation', 'testimonies', ['consultation_id', 'id'])
    op.create_index('ix_testimonies_consultation_status', 'testimonies',
                    ['consultation_id', 'status', 'id'])



def downgrade():
    op.drop_index('ix_testimonies_consultation_status', table_name='testimonies')
    op.drop_index('ix_testimonies_consultation', table_name='testimonies')
    with op.batch_alter_table('near_duplicates', schema=None) as batch_op:
        batch_op.drop_index('ix_near_duplicates_run_representative')

    op.drop_table('near_duplicates')
