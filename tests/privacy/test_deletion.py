"""Delete my account: the person chooses what becomes of their published testimonies,
confirms with their password, and afterwards nothing in the database names them."""
import pytest
from sqlalchemy import String, Text, cast, func, select, text

from consult.extensions import db
from consult.models import Role, RoleAssignment, Status, Testimony, User, UserSession, Visibility
from consult.search import FTS_TABLE, fts5_query
from tests.conftest import PASSWORD, log_in, post_form

EMAIL = "zephyrine.ouellet@example.org"
NAME = "Zéphyrine Ouellet-Brassard"
OTHER = "dominique.autre@example.org"
OTHER_NAME = "Dominique Autre"


def is_logged_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def delete_account(client, choice="withdraw", password=PASSWORD, **kwargs):
    data = {"published": choice, "password": password}
    return post_form(client, "/account/data/delete", data, **kwargs)


def places_holding(needle: str) -> dict[str, int]:
    """Every text column of every table (and, on SQLite, the search index) where
    `needle` appears, with the number of rows, case-insensitively."""
    found = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String):  # Text and enums are Strings too
                continue
            count = db.session.execute(
                select(func.count()).select_from(table).where(
                    func.lower(cast(column, Text)).contains(needle.lower(), autoescape=True))
            ).scalar_one()
            if count:
                found[f"{table.name}.{column.name}"] = count
    if db.engine.dialect.name == "sqlite":
        count = db.session.execute(
            text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :query"),
            {"query": fts5_query(needle)},
        ).scalar_one()
        count += db.session.execute(
            text(f"SELECT count(*) FROM {FTS_TABLE} WHERE lower(public_title) LIKE :like "
                 "OR lower(public_body) LIKE :like"),
            {"like": f"%{needle.lower()}%"},
        ).scalar_one()
        if count:
            found[FTS_TABLE] = count
    return found


@pytest.fixture
def person(client, make_user, make_consultation, make_testimony):
    """A participant with a role, a testimony of every status (one confidential), a
    testimony sent without an account giving their address, and another participant."""
    consultation = make_consultation("eg")
    user = make_user(EMAIL, NAME, roles=((consultation, Role.FACILITATOR),))
    log_in(client, EMAIL)
    mine = {}
    for status in Status:
        mine[status], _token = make_testimony(
            consultation, f"Mon témoignage {status.value}.", title=f"Titre {status.value}",
            status=status, visibility=Visibility.PUBLIC, display_name=NAME, author=user)
    mine["confidential"], _token = make_testimony(
        consultation, "Confidentiel.", visibility=Visibility.CONFIDENTIAL, author=user)
    mine["without account"], _token = make_testimony(
        consultation, "Envoyé sans compte.", status=Status.PENDING, contact_email=EMAIL)
    other = make_user(OTHER, OTHER_NAME)
    theirs, _token = make_testimony(consultation, "Le témoignage d’une autre personne.",
                                    visibility=Visibility.PUBLIC, display_name=OTHER_NAME,
                                    author=other)
    return user, mine, theirs


def state(testimony: Testimony) -> tuple:
    db.session.refresh(testimony)
    return (testimony.status, testimony.visibility, testimony.display_name,
            testimony.author_id, testimony.contact_email, testimony.is_public)


def test_the_confirmation_page_offers_the_choice_and_asks_for_the_password(client, person):
    page = client.get("/account/data/delete").get_data(as_text=True)
    assert "This cannot be undone." in page
    assert "You have 2 published testimonies." in page
    assert 'type="radio"' in page and 'value="withdraw"' in page and 'value="keep"' in page
    assert 'type="password"' in page
    assert 'name="csrf_token"' in page


def test_withdrawing_takes_every_published_testimony_off_the_public_pages(client, person):
    user, mine, theirs = person
    user_id = user.id
    published = mine[Status.PUBLISHED]
    assert client.get(f"/c/eg/testimonies/{published.id}").status_code == 200
    response = delete_account(client, "withdraw", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/"
    assert "Your account has been deleted." in page
    assert not is_logged_in(client)
    assert client.get(f"/c/eg/testimonies/{published.id}").status_code == 404
    listing = client.get("/c/eg/testimonies").get_data(as_text=True)
    assert f"/testimonies/{published.id}\"" not in listing and NAME not in listing
    assert f"/testimonies/{theirs.id}\"" in listing and OTHER_NAME in listing
    for testimony in (*(mine[s] for s in Status), mine["confidential"]):
        status, visibility, name, author, contact, public = state(testimony)
        assert (name, author, contact, public) == (None, None, None, False)
        assert visibility in (Visibility.ANONYMOUS, Visibility.CONFIDENTIAL)
        expected = Status.REJECTED if testimony is mine[Status.REJECTED] else Status.WITHDRAWN
        assert status is expected
    db.session.expire_all()
    assert db.session.get(User, user_id) is None


def test_keeping_leaves_published_testimonies_public_as_anonymous(client, person):
    _user, mine, theirs = person
    published = mine[Status.PUBLISHED]
    delete_account(client, "keep")
    response = client.get(f"/c/eg/testimonies/{published.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mon témoignage published." in page
    assert "Anonymous" in page and NAME not in page
    listing = client.get("/c/eg/testimonies").get_data(as_text=True)
    assert f"/testimonies/{published.id}\"" in listing and NAME not in listing
    assert state(published) == (Status.PUBLISHED, Visibility.ANONYMOUS, None, None, None, True)
    # Waiting ones are withdrawn all the same; the confidential one stays, never public.
    assert state(mine[Status.PENDING])[0] is Status.WITHDRAWN
    assert state(mine[Status.CHANGES_REQUESTED])[0] is Status.WITHDRAWN
    assert state(mine["confidential"]) == (
        Status.PUBLISHED, Visibility.CONFIDENTIAL, None, None, None, False)
    # The other person's testimony is untouched.
    assert state(theirs)[1:3] == (Visibility.PUBLIC, OTHER_NAME)


@pytest.mark.parametrize("choice", ["withdraw", "keep"])
def test_after_deletion_the_address_and_name_are_nowhere_in_the_database(
    client, person, choice
):
    _user, _mine, _theirs = person
    # The scan finds them before: it does look everywhere they are.
    assert places_holding(EMAIL) == {"users.email": 1, "testimonies.contact_email": 1}
    assert places_holding(NAME) == {"users.display_name": 1, "testimonies.display_name": 5}
    delete_account(client, choice)
    db.session.expire_all()
    assert places_holding(EMAIL) == {}
    assert places_holding(NAME) == {}
    # Everyone else's data is still there.
    assert places_holding(OTHER) == {"users.email": 1}
    assert places_holding(OTHER_NAME) == {"users.display_name": 1, "testimonies.display_name": 1}


def test_deletion_ends_every_session_and_takes_the_roles(client, app, person):
    user, _mine, _theirs = person
    user_id = user.id
    other_browser = app.test_client()
    other_browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    log_in(other_browser, EMAIL)
    assert is_logged_in(other_browser)
    delete_account(client)
    assert not is_logged_in(client)
    assert not is_logged_in(other_browser)
    for model in (UserSession, RoleAssignment):
        assert db.session.execute(
            select(func.count()).select_from(model).filter_by(user_id=user_id)
        ).scalar_one() == 0
    assert "Wrong e-mail address or password." in log_in(client, EMAIL).get_data(as_text=True)


def test_a_receipt_link_still_leads_to_a_kept_testimony(client, person, make_testimony):
    user, mine, _theirs = person
    _testimony, token = make_testimony(mine[Status.PUBLISHED].consultation, "Avec reçu.",
                                       author=user)
    delete_account(client, "keep")
    page = client.get(f"/receipt/{token}").get_data(as_text=True)
    assert "Avec reçu." in page and NAME not in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"published": "withdraw", "password": "not my password at all"},
         "This is not your password."),
        ({"published": "withdraw", "password": ""}, "Type your password to confirm."),
        ({"password": PASSWORD}, "Choose what happens to your published testimonies."),
        ({"published": "something else", "password": PASSWORD}, "Not a valid choice."),
    ],
)
def test_a_refused_confirmation_changes_nothing(client, person, data, message):
    user, mine, _theirs = person
    before = {key: state(t) for key, t in mine.items()}
    response = post_form(client, "/account/data/delete", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert PASSWORD not in page
    assert is_logged_in(client)
    db.session.expire_all()
    assert db.session.get(User, user.id) is not None
    assert {key: state(t) for key, t in mine.items()} == before
    assert places_holding(EMAIL) == {"users.email": 1, "testimonies.contact_email": 1}


def test_deletion_needs_the_form_token(client, person):
    user, _mine, _theirs = person
    response = client.post("/account/data/delete",
                           data={"published": "withdraw", "password": PASSWORD})
    assert response.status_code == 400
    assert db.session.get(User, user.id) is not None
