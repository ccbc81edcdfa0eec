"""Reading numbers out of requests (query strings, hidden fields, cookies, paths)."""
from werkzeug.routing import IntegerConverter

#: Ids and versions are INTEGER columns (32 bits on PostgreSQL): nothing larger can name
#: a row, and the database refuses to compare with it.
MAX_ID = 2**31 - 1


def as_id(value) -> int | None:
    """A whole number sent in a request (an id, a version, a position), or None for
    anything else: no sign, no other digits than 0-9 (not "²"), nothing too large for
    the database."""
    text = "" if value is None else str(value)
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) \
            and int(text) <= MAX_ID:
        return int(text)
    return None


class IdConverter(IntegerConverter):
    """`<int:…>` in routes, bounded like the database's ids: a longer number is a 404,
    not an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
