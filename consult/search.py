"""Full-text search over the public text of testimonies.

SQLite uses an FTS5 table kept in step by triggers; PostgreSQL uses an expression GIN
index with the French configuration. Both are created by the migrations, and both
index only `public_title` and `public_body`, so nothing unpublished or redacted can be
found by searching.
"""
import re

from sqlalchemy import ColumnElement, Select, column, table, text

FTS_TABLE = "testimony_search"
PG_SEARCH_INDEX = "ix_testimonies_public_search"
PG_DOCUMENT = (
    "to_tsvector('french', coalesce(testimonies.public_title, '') || ' ' "
    "|| coalesce(testimonies.public_body, ''))"
)

_fts = table(FTS_TABLE, column("rowid"))
_WORD = re.compile(r"\w+", re.UNICODE)


def is_search_object(name: str | None) -> bool:
    """True for the tables and indexes that serve search (not part of the models)."""
    return bool(name) and (
        name == FTS_TABLE or name.startswith(FTS_TABLE + "_") or name == PG_SEARCH_INDEX
    )


def fts5_query(words: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix."""
    return " ".join(f'"{word}"*' for word in _WORD.findall(words))


def apply_search(query: Select, id_column: ColumnElement, words: str, dialect: str) -> Select:
    """Restrict `query` to testimonies whose public text matches `words`."""
    if dialect == "sqlite":
        match = fts5_query(words)
        if not match:
            return query
        return query.join(_fts, _fts.c.rowid == id_column).where(
            text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=match)
        )
    if not _WORD.search(words):
        return query
    return query.where(
        text(f"{PG_DOCUMENT} @@ websearch_to_tsquery('french', :ts_query)").bindparams(
            ts_query=words
        )
    )


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects are managed by hand in the migrations."""
    return not is_search_object(name)
