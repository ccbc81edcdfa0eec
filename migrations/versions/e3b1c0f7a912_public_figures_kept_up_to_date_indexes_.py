"""Public figures kept up to date (testimonies the public may read, in all and by
theme); decisions counted per day; indexes for the moderation queue and the audit log

Revision ID: e3b1c0f7a912
Revises: e3a9c07b5d12
Create Date: 2026-12-07 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e3b1c0f7a912'
down_revision = 'e3a9c07b5d12'
branch_labels = None
depends_on = None

PUBLIC = "testimonies.is_public = {true}"
DECISIONS = "'testimony.published', 'testimony.rejected', 'testimony.changes_requested'"


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_testimonies', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_testimonies', sa.Integer(), server_default='0', nullable=False))
    true = "true" if op.get_bind().dialect.name == "postgresql" else "1"
    op.execute(
        "UPDATE consultations SET public_testimonies = (SELECT count(*) FROM testimonies "
        f"WHERE testimonies.consultation_id = consultations.id AND {PUBLIC.format(true=true)})")
    op.execute(
        "UPDATE themes SET public_testimonies = (SELECT count(*) FROM testimony_themes "
        "JOIN testimonies ON testimonies.id = testimony_themes.testimony_id "
        f"WHERE testimony_themes.theme_id = themes.id AND {PUBLIC.format(true=true)})")
    op.create_table('decision_days',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_decision_days_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consultation_id', 'day', name=op.f('pk_decision_days'))
    )
    op.execute(
        "INSERT INTO decision_days (consultation_id, day, decisions) "
        "SELECT consultation_id, date(at), count(*) FROM audit_log "
        f"WHERE action IN ({DECISIONS}) "
        "AND consultation_id IN (SELECT id FROM consultations) "
        "GROUP BY consultation_id, date(at)")
    with op.batch_alter_table('testimonies', schema=None) as batch_op:
        batch_op.create_index('ix_testimonies_consultation_status_visibility', ['consultation_id', 'status', 'visibility'], unique=False)
        batch_op.create_index('ix_testimonies_consultation_decided', ['consultation_id', 'decided_at'], unique=False)
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_unresolved', ['resolved_at', 'testimony_id'], unique=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_consultation_id', ['consultation_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_consultation_action', ['consultation_id', 'action'], unique=False)
        batch_op.create_index('ix_audit_log_consultation_object_type', ['consultation_id', 'object_type'], unique=False)
        batch_op.create_index('ix_audit_log_consultation_actor', ['consultation_id', 'actor_id'], unique=False)


def downgrade():
    op.drop_table('decision_days')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_consultation_actor')
        batch_op.drop_index('ix_audit_log_consultation_object_type')
        batch_op.drop_index('ix_audit_log_consultation_action')
        batch_op.drop_index('ix_audit_log_consultation_id')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_unresolved')
    with op.batch_alter_table('testimonies', schema=None) as batch_op:
        batch_op.drop_index('ix_testimonies_consultation_decided')
        batch_op.drop_index('ix_testimonies_consultation_status_visibility')
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_column('public_testimonies')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('public_testimonies')
