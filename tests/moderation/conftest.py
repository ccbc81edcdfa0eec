import pytest

from consult.models import Role, Status, Visibility
from tests.conftest import log_in

MODERATOR = "mod@example.org"


@pytest.fixture
def desk(make_consultation, make_user, make_testimony):
    """A consultation with its moderator, commissioner and a few testimonies waiting."""
    consultation = make_consultation("desk")
    other = make_consultation("ailleurs")
    people = {
        "moderator": make_user(MODERATOR, "Modératrice", roles=((consultation, Role.MODERATOR),)),
        "commissioner": make_user("com@example.org", roles=((consultation, Role.COMMISSIONER),)),
        "other_moderator": make_user("autre@example.org", roles=((other, Role.MODERATOR),)),
        "author": make_user("auteur@example.org", "Auteur"),
    }
    pending, token = make_testimony(
        consultation, "Appelez-moi au 514-555-0199, je vis au 1234, rue Saint-Denis.",
        title="Mon histoire", status=Status.PENDING, author=people["author"])
    confidential, _ = make_testimony(consultation, "Secret bien gardé.", status=Status.PENDING,
                                     visibility=Visibility.CONFIDENTIAL)
    anonymous, anonymous_token = make_testimony(
        consultation, "Sans compte.", status=Status.PENDING, contact_email="sanscompte@example.org")
    return {"consultation": consultation, "other": other, "people": people,
            "pending": pending, "token": token, "confidential": confidential,
            "anonymous": anonymous, "anonymous_token": anonymous_token}


@pytest.fixture
def moderator(client, desk):
    log_in(client, MODERATOR)
    return client
