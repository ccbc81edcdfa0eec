"""Public pages shared among anonymous readers (consult.http_cache): what the cache must
never do — serve a signed-in page, a confidential testimony, one visitor's message or an
out-of-date page — and the 304s it saves."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from werkzeug.http import http_date

from config import TestConfig
from consult import create_app
from consult.extensions import db
from consult.models import ContentVersion, Role, Status, Visibility, utcnow
from consult.testimonies.services import refresh_public_copy
from tests.conftest import log_in, post_form
from tests.testimonies.test_follow import withdraw_form


@pytest.fixture
def consultation(make_consultation):
    return make_consultation()


def list_path(consultation) -> str:
    return f"/c/{consultation.slug}/testimonies"


def test_a_visitor_gets_validators_and_a_304_until_the_content_changes(
        client, make_client, consultation, make_testimony):
    make_testimony(consultation, "Le premier récit publié.")
    first = client.get(list_path(consultation))
    assert first.status_code == 200 and "Le premier récit publié." in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert {"Cookie", "Accept-Language"} <= set(first.vary)
    etag = first.headers["ETag"]

    again = make_client().get(list_path(consultation), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag

    make_testimony(consultation, "Un second récit, publié ensuite.")
    after = make_client().get(list_path(consultation), headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "Un second récit, publié ensuite." in after.get_data(as_text=True)


def test_a_page_unchanged_since_its_date_is_answered_304(client, consultation, make_testimony):
    make_testimony(consultation, "Un récit daté.")
    # The last change an hour ago: a browser that read the page since gets a 304.
    db.session.execute(update(ContentVersion).values(changed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    page = client.get(list_path(consultation))
    assert page.headers["Last-Modified"]
    again = client.get(list_path(consultation),
                       headers={"If-Modified-Since": page.headers["Last-Modified"]})
    assert again.status_code == 304


def test_a_change_in_the_second_a_page_was_read_is_never_answered_304(
        client, consultation, make_testimony):
    make_testimony(consultation, "Un récit daté.")
    read_at = http_date(time.time())  # a browser read the page this very second
    make_testimony(consultation, "Un récit plus récent.")  # and a change came in that second
    after = client.get(list_path(consultation), headers={"If-Modified-Since": read_at})
    assert after.status_code == 200
    assert "Un récit plus récent." in after.get_data(as_text=True)


def test_a_withdrawn_testimony_leaves_the_shared_pages_at_once(
        client, make_client, consultation, make_testimony):
    testimony, token = make_testimony(consultation, "Bientôt retiré de la liste.")
    path = f"/c/{consultation.slug}/testimonies/{testimony.id}"
    assert "Bientôt retiré de la liste." in client.get(list_path(consultation)).get_data(as_text=True)
    assert client.get(path).status_code == 200

    author = make_client()
    author.post(f"/receipt/{token}/withdraw", data=withdraw_form(author, f"/receipt/{token}/withdraw"))

    assert "Bientôt retiré de la liste." not in client.get(list_path(consultation)).get_data(as_text=True)
    assert client.get(path).status_code == 404


def test_a_testimony_made_confidential_is_never_served_from_the_cache(
        client, consultation, make_testimony, make_user):
    testimony, _ = make_testimony(consultation, "Un récit qui deviendra confidentiel.")
    path = f"/c/{consultation.slug}/testimonies/{testimony.id}"
    etag = client.get(path).headers["ETag"]

    testimony.visibility = Visibility.CONFIDENTIAL
    refresh_public_copy(testimony)
    db.session.commit()

    for headers in ({}, {"If-None-Match": etag}):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert "Un récit qui deviendra confidentiel." not in response.get_data(as_text=True)
    assert "Un récit qui deviendra confidentiel." not in client.get(
        list_path(consultation)).get_data(as_text=True)


def test_nothing_is_kept_for_or_shown_from_a_signed_in_person(
        client, make_client, consultation, make_testimony, make_user):
    make_testimony(consultation, "Un récit lu par tout le monde.")
    staff = make_user("com@example.org", "Commissaire Lefebvre",
                      roles=((consultation, Role.COMMISSIONER),))
    signed_in = make_client()
    log_in(signed_in, staff.email)
    for path in ("/", f"/c/{consultation.slug}", list_path(consultation)):
        mine = signed_in.get(path)
        assert mine.status_code == 200 and mine.headers["Cache-Control"] == "no-store"
        assert "ETag" not in mine.headers and "Log out" in mine.get_data(as_text=True)

        visitor = client.get(path)
        assert visitor.headers["Cache-Control"] == "public, no-cache"
        page = visitor.get_data(as_text=True)
        assert "Log out" not in page and "Commissaire Lefebvre" not in page
        assert 'name="csrf_token"' not in page

        # And the visitors' copy never reaches the signed-in person.
        assert "Log out" in signed_in.get(
            path, headers={"If-None-Match": visitor.headers["ETag"]}).get_data(as_text=True)


def test_one_visitors_message_never_reaches_another(
        client, make_client, consultation, make_testimony):
    testimony, _ = make_testimony(consultation, "Un récit signalé.")
    flagger = make_client()
    post_form(flagger, f"/c/{consultation.slug}/testimonies/{testimony.id}/flag",
              {"reason": "spam"})
    own = flagger.get(list_path(consultation))
    assert "a moderator will look at this testimony again" in own.get_data(as_text=True)
    assert own.headers.get("Cache-Control") != "public, no-cache"
    other = client.get(list_path(consultation)).get_data(as_text=True)
    assert "a moderator will look at this testimony again" not in other


def test_each_language_has_its_own_copy(make_client, consultation, make_testimony):
    make_testimony(consultation, "Un récit bilingue.")
    english = make_client().get(list_path(consultation))
    french_client = make_client()
    french_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    french = french_client.get(list_path(consultation),
                               headers={"If-None-Match": english.headers["ETag"]})
    assert french.status_code == 200 and french.headers["ETag"] != english.headers["ETag"]
    assert '<html lang="fr">' in french.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_unpublished_testimonies_stay_off_the_shared_list(client, consultation, make_testimony):
    make_testimony(consultation, "Publié.")
    client.get(list_path(consultation))
    make_testimony(consultation, "En attente de modération.", status=Status.PENDING)
    assert "En attente de modération." not in client.get(list_path(consultation)).get_data(as_text=True)


def test_shared_pages_still_answer_and_change_after_the_database_drops_its_connections(
        client, consultation, make_testimony):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only a database server drops its connections (a restart, a fail-over)")
    make_testimony(consultation, "Un récit écrit avant la coupure.")
    assert "Un récit écrit avant la coupure." in client.get(list_path(consultation)).get_data(as_text=True)

    # The server ends every other connection to this database, the pages' own included.
    db.session.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.session.commit()
    make_testimony(consultation, "Un récit écrit après la coupure.")

    page = client.get(list_path(consultation))
    assert page.status_code == 200
    assert "Un récit écrit après la coupure." in page.get_data(as_text=True)


def test_a_database_in_memory_keeps_pages_too():
    # Its one connection belongs to the pool: the version is read through the pool.
    application = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with application.app_context():
        db.create_all()
        client = application.test_client()
        first = client.get("/")
        assert first.status_code == 200 and first.headers["Cache-Control"] == "public, no-cache"
        assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_kept_page_is_the_same_with_or_without_cookies(make_client, consultation, make_testimony, method):
    # Without cookies the page is answered before Flask (KeptPages); with a cookie that
    # names no one, by Flask's hook: both answer the same page with the same headers.
    make_testimony(consultation, "Un récit lu deux fois.")
    path = list_path(consultation)
    made = make_client().get(path)
    without = make_client().open(path, method=method)
    with_cookie = make_client().open(path, method=method, headers={"Cookie": "preference=1"})
    for kept in (without, with_cookie):
        assert kept.status_code == 200 and kept.get_data() == (made.get_data() if method == "GET" else b"")
        assert kept.headers["ETag"] == made.headers["ETag"]

    def shown(response):
        return sorted((name, value) for name, value in response.headers.items()
                      if name not in ("X-Request-ID", "Date"))

    assert shown(without) == shown(with_cookie)
    assert without.headers["X-Request-ID"] != with_cookie.headers["X-Request-ID"]
    for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "Content-Length"):
        assert without.headers[name] == made.headers[name]

    not_modified = [make_client().get(path, headers={"If-None-Match": made.headers["ETag"], **cookie})
                    for cookie in ({}, {"Cookie": "preference=1"})]
    assert [r.status_code for r in not_modified] == [304, 304]
    assert shown(not_modified[0]) == shown(not_modified[1])
