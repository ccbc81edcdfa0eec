"""The hand-written iCalendar pieces: escaping and folding (RFC 5545 §3.1, §3.3.11)."""
from consult.events.ical import escape_text, fold


def test_text_values_are_escaped():
    assert escape_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    assert escape_text("bell\x07 and tab\t") == "bell and tab\t"


def test_lines_fold_at_75_octets_without_cutting_a_character():
    line = "SUMMARY:" + "é" * 40 + "🎉" * 20
    folded = fold(line).encode("utf-8")
    parts = folded.split(b"\r\n")
    assert parts[-1] == b""
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:-1])
    for part in parts:
        part.decode("utf-8")  # each line holds whole characters
    assert folded.replace(b"\r\n ", b"").decode() == line + "\r\n"


def test_a_short_line_is_left_alone():
    assert fold("VERSION:2.0") == "VERSION:2.0\r\n"
