"""The personal-data pages are for the logged-in person only."""
import pytest

from tests.conftest import csrf_token

PAGES = ["/account/data/", "/account/data/download", "/account/data/delete"]


def test_every_privacy_route_is_checked(app):
    routes = {rule.rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("privacy.")}
    assert routes == set(PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_an_anonymous_post_to_delete_is_sent_to_log_in(client):
    response = client.post("/account/data/delete",
                           data={"csrf_token": csrf_token(client), "published": "withdraw",
                                 "password": "whatever it is"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


@pytest.mark.parametrize("path", PAGES)
def test_every_privacy_page_declares_that_it_needs_an_account(app, path):
    endpoint, _args = app.url_map.bind("localhost").match(path)
    assert app.view_functions[endpoint].access_rule == "authenticated"
