"""Search: a stored tsvector column on PostgreSQL

A GIN index on an expression made PostgreSQL recompute to_tsvector for every row it
walked when the planner chose the primary key (words of medium frequency): a stored
column makes that walk cheap. SQLite keeps its FTS5 table.

Revision ID: 5b0e1f3c9a21
Revises: c4697493688d
Create Date: 2026-11-24 23:20:00

"""
from alembic import op

revision = "5b0e1f3c9a21"
down_revision = "c4697493688d"
branch_labels = None
depends_on = None

DOCUMENT = (
    "to_tsvector('french', coalesce(public_title, '') || ' ' || coalesce(public_body, ''))"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_testimonies_public_search")
    op.execute(
        f"ALTER TABLE testimonies ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    op.execute(
        "CREATE INDEX ix_testimonies_search_vector ON testimonies USING gin (search_vector)"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_testimonies_search_vector")
    op.execute("ALTER TABLE testimonies DROP COLUMN IF EXISTS search_vector")
    op.execute(
        "CREATE INDEX ix_testimonies_public_search ON testimonies USING gin ("
        f"to_tsvector('french', coalesce(testimonies.public_title, '') || ' ' "
        f"|| coalesce(testimonies.public_body, '')))"
    )
