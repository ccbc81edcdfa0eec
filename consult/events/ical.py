"""An iCalendar feed (RFC 5545) of local events, written by hand: content lines end with
CRLF and are folded at 75 octets, and text values are escaped."""
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from consult.models import LocalEvent

#: Longest content line, in octets, before the line break (RFC 5545 §3.1).
LINE_OCTETS = 75
#: Control characters a TEXT value may not hold (tab aside; line breaks are escaped).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon, comma and line breaks escaped."""
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded into lines of at most 75 octets (the space that opens a
    continuation counts), never inside a UTF-8 character; each ends with CRLF."""
    pieces, current, size = [], "", 0
    for character in line:
        width = len(character.encode("utf-8"))
        if size + width > LINE_OCTETS:
            pieces.append(current)
            current, size = " ", 1
        current += character
        size += width
    pieces.append(current)
    return "".join(piece + "\r\n" for piece in pieces)


def utc(moment: datetime) -> str:
    """A naive UTC date and time as a DATE-TIME in UTC (§3.3.5, form 2)."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Feed:
    """What the calendar says about itself, and how to name and link its events."""

    name: str
    host: str
    online: str  # the LOCATION of an event without a place, in the reader's language
    url: Callable[[LocalEvent], str]


def _event_lines(event: LocalEvent, feed: Feed) -> list[str]:
    description = "\n\n".join(part for part in (event.description.strip(),
                                                 event.organisation.name) if part)
    return [
        "BEGIN:VEVENT",
        f"UID:event-{event.id}@{feed.host}",
        # Without a METHOD, DTSTAMP is when the event was last changed (§3.8.7.2).
        f"DTSTAMP:{utc(event.updated_at)}",
        f"LAST-MODIFIED:{utc(event.updated_at)}",
        f"DTSTART:{utc(event.starts_at)}",
        f"DTEND:{utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.title)}",
        f"LOCATION:{escape_text(event.place or feed.online)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{feed.url(event)}",
        f"STATUS:{'CANCELLED' if event.is_cancelled else 'CONFIRMED'}",
        "END:VEVENT",
    ]


def calendar(events: Iterable[LocalEvent], feed: Feed) -> str:
    """The whole VCALENDAR object."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Consult//Local events//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(feed.name)}",
    ]
    for event in events:
        lines.extend(_event_lines(event, feed))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
