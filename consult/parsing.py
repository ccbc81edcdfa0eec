"""Reading numbers out of requests (query strings, hidden fields, cookies, paths)."""
from werkzeug.routing import IntegerConverter

#: Ids and versions fit in a signed 64-bit column; a longer number cannot name anything.
MAX_ID_DIGITS = 18


def as_id(value) -> int | None:
    """A whole number sent in a request (an id, a version, a position), or None for
    anything else: no sign, no other digits than 0-9 (not "²"), nothing too large for
    the database."""
    text = "" if value is None else str(value)
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None


class IdConverter(IntegerConverter):
    """`<int:…>` in routes, bounded like the database's ids: a longer number is a 404,
    not an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 10**MAX_ID_DIGITS - 1)
        super().__init__(url_map, *args, **kwargs)
