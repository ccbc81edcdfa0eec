"""Outreach: organisations, local events and registrations, hearings, entered testimonies

On SQLite the testimonies table is rebuilt to add its foreign keys, which drops its
search triggers: they are created again afterwards, from the revision that wrote them.

Revision ID: 2922e6dae9fb
Revises: 8a6696e9d940
Create Date: 2026-11-25 03:18:43.211411

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2922e6dae9fb'
down_revision = '8a6696e9d940'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('community', 'institution', 'union', 'academic', 'other', name='organisation_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'refused', name='organisation_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_organisations_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organisations_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_organisations_region_id_regions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('consultation_id', 'name', name=op.f('uq_organisations_consultation_id_name'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('hearings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('heard', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('organisation_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), server_default='', nullable=False),
    sa.Column('publication_agreed', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_hearings_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_hearings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_hearings_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearings'))
    )
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.create_index('ix_hearings_consultation', ['consultation_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hearings_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('local_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), server_default='', nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('report', sa.Text(), server_default='', nullable=False),
    sa.Column('report_file_name', sa.String(length=255), nullable=True),
    sa.Column('report_file_stored', sa.String(length=64), nullable=True),
    sa.Column('report_file_type', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_local_events_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_local_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_local_events_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_local_events_region_id_regions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_events')),
    sa.UniqueConstraint('report_file_stored', name=op.f('uq_local_events_report_file_stored'))
    )
    with op.batch_alter_table('local_events', schema=None) as batch_op:
        batch_op.create_index('ix_local_events_agenda', ['consultation_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_local_events_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_organisation_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_organisation_invitations_token_hash'))
    )
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_invitations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('owner', 'facilitator', name='member_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_members_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organisation_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_members')),
    sa.UniqueConstraint('organisation_id', 'user_id', name=op.f('uq_organisation_members_organisation_id_user_id'))
    )
    with op.batch_alter_table('organisation_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_members_user_id'), ['user_id'], unique=False)

    op.create_table('event_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['local_events.id'], name=op.f('fk_event_registrations_event_id_local_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registrations')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_event_registrations_event_id_user_id'))
    )
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_event_registrations_queue', ['event_id', 'cancelled_at', 'queued_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registrations_user_id'), ['user_id'], unique=False)

    op.create_table('event_themes',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['local_events.id'], name=op.f('fk_event_themes_event_id_local_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_event_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'theme_id', name=op.f('pk_event_themes'))
    )
    op.create_table('hearing_themes',
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_hearing_themes_hearing_id_hearings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_hearing_themes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('hearing_id', 'theme_id', name=op.f('pk_hearing_themes'))
    )
    with op.batch_alter_table('testimonies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_method', sa.Enum('online', 'signed_form', 'oral', 'written', name='consent_method', native_enum=False, create_constraint=True, length=20), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_brief', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hearing_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_testimonies_entered_by_id'), ['entered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_testimonies_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_testimonies_hearing_id'), ['hearing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_testimonies_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_testimonies_hearing_id_hearings'), 'hearings', ['hearing_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_testimonies_event_id_local_events'), 'local_events', ['event_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_testimonies_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_testimonies_entered_by_id_users'), 'users', ['entered_by_id'], ['id'], ondelete='SET NULL')
    restore_search_triggers()


def restore_search_triggers():
    path = Path(__file__).with_name("37669fb4d7f3_moderation_redaction_flags_audit_log.py")
    spec = importlib.util.spec_from_file_location("moderation_revision", path)
    revision_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision_module)
    revision_module.restore_search_triggers()


def downgrade():
    with op.batch_alter_table('testimonies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_testimonies_entered_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_testimonies_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_testimonies_event_id_local_events'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_testimonies_hearing_id_hearings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_testimonies_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_testimonies_hearing_id'))
        batch_op.drop_index(batch_op.f('ix_testimonies_event_id'))
        batch_op.drop_index(batch_op.f('ix_testimonies_entered_by_id'))
        batch_op.drop_column('hearing_id')
        batch_op.drop_column('event_id')
        batch_op.drop_column('is_brief')
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_constraint('consent_method', type_='check')
        batch_op.drop_column('consent_method')
    restore_search_triggers()

    op.drop_table('hearing_themes')
    op.drop_table('event_themes')
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_registrations_user_id'))
        batch_op.drop_index('ix_event_registrations_queue')

    op.drop_table('event_registrations')
    with op.batch_alter_table('organisation_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_members_user_id'))

    op.drop_table('organisation_members')
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_invitations_organisation_id'))

    op.drop_table('organisation_invitations')
    with op.batch_alter_table('local_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_events_organisation_id'))
        batch_op.drop_index('ix_local_events_agenda')

    op.drop_table('local_events')
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hearings_organisation_id'))
        batch_op.drop_index('ix_hearings_consultation')

    op.drop_table('hearings')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_consultation_id'))

    op.drop_table('organisations')
