"""Full-text search over the public text of testimonies.

SQLite uses an FTS5 table kept in step by triggers; PostgreSQL a stored `tsvector`
column (French configuration) with a GIN index. Both are created by the migrations and
are not part of the models; both hold only `public_title` and `public_body`, so nothing
unpublished or redacted can be found by searching.
"""
import re

from sqlalchemy import ColumnElement, Select, column, select, table, text

from consult.models import Testimony

FTS_TABLE = "testimony_search"
PG_SEARCH_COLUMN = "search_vector"
PG_SEARCH_INDEX = "ix_testimonies_search_vector"

_fts = table(FTS_TABLE, column("rowid"))
_WORD = re.compile(r"\w+", re.UNICODE)


def is_search_object(name: str | None) -> bool:
    """True for the tables, columns and indexes that serve search."""
    return bool(name) and (
        name == FTS_TABLE
        or name.startswith(FTS_TABLE + "_")
        or name in (PG_SEARCH_COLUMN, PG_SEARCH_INDEX)
    )


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects are managed by hand in the migrations."""
    return not is_search_object(name)


def fts5_query(words: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix."""
    return " ".join(f'"{word}"*' for word in _WORD.findall(words))


def testimony_ids(words: str, dialect: str) -> tuple[Select, ColumnElement]:
    """A query of testimony ids, restricted to those whose public text matches `words`
    (when there are any), and the column to order and page it by.

    On SQLite the search drives: FTS5 hands out matches newest first, so a page of a
    rare word does not probe every public testimony.
    """
    if not _WORD.search(words or ""):
        return select(Testimony.id), Testimony.id
    if dialect == "sqlite":
        query = (
            select(Testimony.id)
            .select_from(_fts)
            .join(Testimony, Testimony.id == _fts.c.rowid)
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=fts5_query(words)))
        )
        return query, _fts.c.rowid
    query = select(Testimony.id).where(
        text(f"testimonies.{PG_SEARCH_COLUMN} @@ websearch_to_tsquery('french', :ts_query)")
        .bindparams(ts_query=words)
    )
    return query, Testimony.id
