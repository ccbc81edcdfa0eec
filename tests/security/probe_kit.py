"""What the access probes are made of, shared by the probe lists of every area."""
from dataclasses import dataclass

from tests.security.conftest import ROLES

STAFF = {"moderator_a", "moderator_b", "commissioner_a", "analyst_a", "admin"}
#: Who reads and codes conso-a's testimonies, confidential ones included.
READERS_A = {"commissioner_a", "analyst_a", "admin"}
MODERATORS_A = {"moderator_a", "commissioner_a", "admin"}
LOGGED_IN = set(ROLES) - {"anonymous"}
EVERYONE = set(ROLES)


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    #: Who may reach it: a 200 for GET; for POST, a form handled (shown again or redirected,
    #: but not to the log-in page).
    allowed: frozenset
    data: tuple = ()
    #: Nobody's request may change anything, whoever they are.
    changes_nothing: bool = False


def get(path: str, allowed) -> Probe:
    return Probe("GET", path, frozenset(allowed))


def post(path: str, allowed, changes_nothing: bool = False, **data) -> Probe:
    return Probe("POST", path, frozenset(allowed), tuple(sorted(data.items())), changes_nothing)
