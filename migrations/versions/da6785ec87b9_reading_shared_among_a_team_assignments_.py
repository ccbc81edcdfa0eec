"""Reading shared among a team: assignments, double-coded samples, the analyst role

Revision ID: da6785ec87b9
Revises: 7b8af410c6d8
Create Date: 2026-12-03 20:11:28.360846

"""
from alembic import op
import sqlalchemy as sa

ROLES_BEFORE = "'moderator', 'commissioner', 'facilitator'"
ROLES_AFTER = "'moderator', 'commissioner', 'facilitator', 'analyst'"


def _allow_roles(roles: str) -> None:
    with op.batch_alter_table('role_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_assignments_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_assignments_role'), f"role IN ({roles})")


# revision identifiers, used by Alembic.
revision = 'da6785ec87b9'
down_revision = '7b8af410c6d8'
branch_labels = None
depends_on = None


def upgrade():
    _allow_roles(ROLES_AFTER)
    op.create_table('coding_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('first_reader_id', sa.Integer(), nullable=False),
    sa.Column('second_reader_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_coding_samples_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_coding_samples_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_reader_id'], ['users.id'], name=op.f('fk_coding_samples_first_reader_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_reader_id'], ['users.id'], name=op.f('fk_coding_samples_second_reader_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_samples'))
    )
    with op.batch_alter_table('coding_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_samples_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('testimony_id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_assignments_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_assignments_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['coding_samples.id'], name=op.f('fk_assignments_sample_id_coding_samples'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['testimony_id'], ['testimonies.id'], name=op.f('fk_assignments_testimony_id_testimonies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('user_id', 'testimony_id', name=op.f('uq_assignments_user_id_testimony_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_consultation_user', ['consultation_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_sample_id'), ['sample_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_testimony_id'), ['testimony_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_testimony_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_sample_id'))
        batch_op.drop_index('ix_assignments_consultation_user')

    op.drop_table('assignments')
    with op.batch_alter_table('coding_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_samples_consultation_id'))

    op.drop_table('coding_samples')
    op.execute("DELETE FROM role_assignments WHERE role = 'analyst'")
    _allow_roles(ROLES_BEFORE)
