"""Full-text search over testimonies: two indexes, kept apart.

The public index holds only `public_title` and `public_body`, so nothing unpublished or
redacted can be found from a public page. The staff index holds the text as written
(`title`, `body`), confidential and unpublished testimonies included: only the reading
room of the commissioners and analysts searches it.

SQLite uses an FTS5 table per index, kept in step by triggers; PostgreSQL a stored
`tsvector` column (French configuration) per index, with a GIN index. They are created
by the migrations and are not part of the models.
"""
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, column, select, table, text

from consult.models import Testimony

FTS_TABLE = "testimony_search"
PG_SEARCH_COLUMN = "search_vector"
PG_SEARCH_INDEX = "ix_testimonies_search_vector"
STAFF_FTS_TABLE = "testimony_staff_search"
PG_STAFF_COLUMN = "staff_search_vector"
PG_STAFF_INDEX = "ix_testimonies_staff_search_vector"


@dataclass(frozen=True)
class Index:
    """One search index: its FTS5 table on SQLite, its tsvector column on PostgreSQL."""

    fts_table: str
    pg_column: str
    pg_index: str


PUBLIC = Index(FTS_TABLE, PG_SEARCH_COLUMN, PG_SEARCH_INDEX)
STAFF = Index(STAFF_FTS_TABLE, PG_STAFF_COLUMN, PG_STAFF_INDEX)
_WORD = re.compile(r"\w+", re.UNICODE)


def is_search_object(name: str | None) -> bool:
    """True for the tables, columns and indexes that serve search."""
    return bool(name) and any(
        name == index.fts_table or name.startswith(index.fts_table + "_")
        or name in (index.pg_column, index.pg_index)
        for index in (PUBLIC, STAFF)
    )


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects are managed by hand in the migrations."""
    return not is_search_object(name)


def fts5_query(words: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix."""
    return " ".join(f'"{word}"*' for word in _WORD.findall(words))


def has_words(words: str | None) -> bool:
    return bool(_WORD.search(words or ""))


def matching(query: Select, words: str, dialect: str,
             index: Index = PUBLIC) -> tuple[Select, ColumnElement]:
    """`query` (of testimonies) restricted to those whose text in `index` matches `words`,
    and the column to order and page it by (the same values as the testimony's id).

    On SQLite the search drives: FTS5 hands out matches in the order of its rowid, so a
    page of a rare word does not probe every testimony, nor a page of a common one sort
    every match.
    """
    if dialect == "sqlite":
        fts = table(index.fts_table, column("rowid"))
        query = query.select_from(fts).join(Testimony, Testimony.id == fts.c.rowid).where(
            text(f"{index.fts_table} MATCH :fts_query").bindparams(fts_query=fts5_query(words)))
        return query, fts.c.rowid
    query = query.where(
        text(f"testimonies.{index.pg_column} @@ websearch_to_tsquery('french', :ts_query)")
        .bindparams(ts_query=words)
    )
    return query, Testimony.id


def testimony_ids(words: str, dialect: str) -> tuple[Select, ColumnElement]:
    """A query of testimony ids, restricted to those whose public text matches `words`
    (when there are any), and the column to order and page it by."""
    if not has_words(words):
        return select(Testimony.id), Testimony.id
    return matching(select(Testimony.id), words, dialect)
