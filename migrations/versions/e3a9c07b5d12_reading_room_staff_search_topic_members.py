"""Reading room: a search index of the texts as written, for staff; topic members

The staff index is separate from the public one, which holds only the masked public
copy: on SQLite an FTS5 table kept by triggers, on PostgreSQL a stored tsvector column
with a GIN index. The members of each topic of an analysis and the similar testimonies
of each testimony get tables, so that a page of the reading room no longer reads a
whole analysis result; each run keeps its topics without their members in a column.

Revision ID: e3a9c07b5d12
Revises: 4b7e2d1c9a05
Create Date: 2026-12-07 01:40:00

"""
import json

from alembic import op
import sqlalchemy as sa

revision = "e3a9c07b5d12"
down_revision = "4b7e2d1c9a05"
branch_labels = None
depends_on = None

STAFF_DOCUMENT = "to_tsvector('french', coalesce(title, '') || ' ' || body)"


def upgrade():
    op.create_table(
        "topic_members",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Integer(), nullable=False),
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.id"],
                                name=op.f("fk_topic_members_run_id_analysis_runs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["testimony_id"], ["testimonies.id"],
                                name=op.f("fk_topic_members_testimony_id_testimonies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "topic", "testimony_id", name=op.f("pk_topic_members")),
    )
    with op.batch_alter_table("topic_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_members_testimony_id"), ["testimony_id"],
                              unique=False)
    op.create_table(
        "similar_testimonies",
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("similar_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.id"],
                                name=op.f("fk_similar_testimonies_run_id_analysis_runs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["similar_id"], ["testimonies.id"],
                                name=op.f("fk_similar_testimonies_similar_id_testimonies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["testimony_id"], ["testimonies.id"],
                                name=op.f("fk_similar_testimonies_testimony_id_testimonies"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("testimony_id", "run_id", "rank",
                                name=op.f("pk_similar_testimonies")),
    )
    with op.batch_alter_table("similar_testimonies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similar_testimonies_similar_id"), ["similar_id"],
                              unique=False)
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topics", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.alter_column("topics", server_default=None)
    _split_results()
    _create_staff_search()


def _split_results():
    """Existing results: their topics' members and similar testimonies into the tables,
    the topics without their members into `topics`."""
    connection = op.get_bind()
    runs = sa.table("analysis_runs", sa.column("id"), sa.column("state"), sa.column("result"),
                    sa.column("topics"))
    members = sa.table("topic_members", sa.column("run_id"), sa.column("topic"),
                       sa.column("testimony_id"))
    similar = sa.table("similar_testimonies", sa.column("testimony_id"), sa.column("run_id"),
                       sa.column("rank"), sa.column("similar_id"), sa.column("score"))
    existing = sa.select(sa.table("testimonies", sa.column("id")).c.id)
    known = set(connection.execute(existing).scalars())
    for run_id, text in connection.execute(
            sa.select(runs.c.id, runs.c.result).where(runs.c.state == "done")).all():
        result = json.loads(text)
        topics = [(t["number"], t["top_terms"],
                   [id_ for id_ in t["testimony_ids"] if id_ in known])
                  for t in result.get("topics", [])]
        connection.execute(runs.update().where(runs.c.id == run_id).values(topics=json.dumps(
            [{"number": number, "top_terms": terms, "size": len(ids)}
             for number, terms, ids in topics], ensure_ascii=False)))
        for table, rows in (
            (members, [{"run_id": run_id, "topic": number, "testimony_id": id_}
                       for number, _terms, ids in topics for id_ in ids]),
            (similar, [{"run_id": run_id, "testimony_id": int(key), "rank": rank,
                        "similar_id": other, "score": score}
                       for key, found in result.get("similar", {}).items() if int(key) in known
                       for rank, (other, score) in enumerate(found) if other in known]),
        ):
            if rows:
                connection.execute(table.insert(), rows)


def _create_staff_search():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE testimony_staff_search USING fts5("
            "title, body, content='testimonies', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute("INSERT INTO testimony_staff_search(testimony_staff_search) VALUES ('rebuild')")
        op.execute(
            "CREATE TRIGGER testimony_staff_search_insert AFTER INSERT ON testimonies BEGIN "
            "INSERT INTO testimony_staff_search(rowid, title, body) "
            "VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER testimony_staff_search_delete AFTER DELETE ON testimonies BEGIN "
            "INSERT INTO testimony_staff_search(testimony_staff_search, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER testimony_staff_search_update AFTER UPDATE OF title, body "
            "ON testimonies BEGIN "
            "INSERT INTO testimony_staff_search(testimony_staff_search, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO testimony_staff_search(rowid, title, body) "
            "VALUES (new.id, new.title, new.body); END"
        )
    else:
        op.execute(
            f"ALTER TABLE testimonies ADD COLUMN staff_search_vector tsvector "
            f"GENERATED ALWAYS AS ({STAFF_DOCUMENT}) STORED"
        )
        op.execute("CREATE INDEX ix_testimonies_staff_search_vector ON testimonies "
                   "USING gin (staff_search_vector)")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS testimony_staff_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS testimony_staff_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_testimonies_staff_search_vector")
        op.execute("ALTER TABLE testimonies DROP COLUMN IF EXISTS staff_search_vector")
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.drop_column("topics")
    with op.batch_alter_table("similar_testimonies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similar_testimonies_similar_id"))
    op.drop_table("similar_testimonies")
    with op.batch_alter_table("topic_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_members_testimony_id"))
    op.drop_table("topic_members")
