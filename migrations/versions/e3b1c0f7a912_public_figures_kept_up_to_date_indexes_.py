"""Public figures kept up to date (testimonies the public may read, in all and by
theme); indexes for the moderation queue and figures

Revision ID: e3b1c0f7a912
Revises: da6785ec87b9
Create Date: 2026-12-07 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e3b1c0f7a912'
down_revision = 'da6785ec87b9'
branch_labels = None
depends_on = None

PUBLIC = "testimonies.is_public = {true}"


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
    with op.batch_alter_table('testimonies', schema=None) as batch_op:
        batch_op.create_index('ix_testimonies_consultation_status_visibility', ['consultation_id', 'status', 'visibility'], unique=False)
        batch_op.create_index('ix_testimonies_consultation_decided', ['consultation_id', 'decided_at'], unique=False)
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_unresolved', ['resolved_at', 'testimony_id'], unique=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_consultation_action_at', ['consultation_id', 'action', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_consultation_action_at')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_unresolved')
    with op.batch_alter_table('testimonies', schema=None) as batch_op:
        batch_op.drop_index('ix_testimonies_consultation_decided')
        batch_op.drop_index('ix_testimonies_consultation_status_visibility')
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_column('public_testimonies')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('public_testimonies')
