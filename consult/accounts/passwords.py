"""Password rules: long enough, and not one of the passwords every attacker tries first."""
import re
from functools import lru_cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_TRAILING_DIGITS_OR_SYMBOLS = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip() and line[0] != "#")


def is_common(password: str) -> bool:
    """A breached password, one with digits or symbols tacked on, or one character repeated."""
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        return True
    known = common_passwords()
    stem = _TRAILING_DIGITS_OR_SYMBOLS.sub("", lowered)
    return lowered in known or (len(stem) >= 4 and stem in known)
