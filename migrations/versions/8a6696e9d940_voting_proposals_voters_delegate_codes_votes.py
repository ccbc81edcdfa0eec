"""Voting: proposals, voters, delegate codes, votes and their history

Revision ID: 8a6696e9d940
Revises: de9f835e991b
Create Date: 2026-11-25 00:56:35.635376

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a6696e9d940'
down_revision = 'de9f835e991b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delegate_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['participant_categories.id'], name=op.f('fk_delegate_codes_category_id_participant_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_delegate_codes_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegate_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_delegate_codes_code_hash'))
    )
    with op.batch_alter_table('delegate_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegate_codes_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('voters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('delegate_code_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=40), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['participant_categories.id'], name=op.f('fk_voters_category_id_participant_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_voters_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegate_code_id'], ['delegate_codes.id'], name=op.f('fk_voters_delegate_code_id_delegate_codes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_voters_region_id_regions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_voters_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voters')),
    sa.UniqueConstraint('consultation_id', 'external_id', name=op.f('uq_voters_consultation_id_external_id')),
    sa.UniqueConstraint('consultation_id', 'user_id', name=op.f('uq_voters_consultation_id_user_id')),
    sa.UniqueConstraint('delegate_code_id', name=op.f('uq_voters_delegate_code_id'))
    )
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('recommendation', 'measure', 'statement', 'imported', name='proposal_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'published', 'rejected', name='proposal_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=True),
    sa.Column('measure_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=40), nullable=True),
    sa.Column('external_author_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposals_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_proposals_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_proposals_measure_id_measures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'], name=op.f('fk_proposals_recommendation_id_recommendations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('consultation_id', 'external_id', name=op.f('uq_proposals_consultation_id_external_id')),
    sa.UniqueConstraint('measure_id', name=op.f('uq_proposals_measure_id')),
    sa.UniqueConstraint('recommendation_id', name=op.f('uq_proposals_recommendation_id'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_consultation_status', ['consultation_id', 'status'], unique=False)

    op.create_table('vote_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('cast_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('value IN (-1, 0, 1)', name=op.f('ck_vote_history_value')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_vote_history_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['voters.id'], name=op.f('fk_vote_history_voter_id_voters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_history'))
    )
    with op.batch_alter_table('vote_history', schema=None) as batch_op:
        batch_op.create_index('ix_vote_history_voter_proposal', ['voter_id', 'proposal_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('cast_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('value IN (-1, 0, 1)', name=op.f('ck_votes_value')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_votes_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['voters.id'], name=op.f('fk_votes_voter_id_voters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('voter_id', 'proposal_id', name=op.f('uq_votes_voter_id_proposal_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_proposal', ['proposal_id', 'value', 'voter_id'], unique=False)

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_statements', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('shuffle_votes', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('min_votes_for_groups', sa.Integer(), server_default='7', nullable=False))



def downgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('min_votes_for_groups')
        batch_op.drop_column('shuffle_votes')
        batch_op.drop_column('participant_statements')

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_proposal')

    op.drop_table('votes')
    with op.batch_alter_table('vote_history', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_history_voter_proposal')

    op.drop_table('vote_history')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_consultation_status')

    op.drop_table('proposals')
    op.drop_table('voters')
    with op.batch_alter_table('delegate_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegate_codes_consultation_id'))

    op.drop_table('delegate_codes')
