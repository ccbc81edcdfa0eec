"""What operators rely on in-process: health checks, metrics kept from the public, the
client's address behind a proxy, and a clear answer while the database is down."""
import logging

import pytest
from prometheus_client import REGISTRY

from config import Config, TestConfig
from consult import create_app
from tests.conftest import IsolatedClient, csrf_token, free_port, post_form


@pytest.fixture
def make_app(app):
    """Another app on the same database, with some settings changed."""

    def make(**settings):
        shared = {name: app.config[name] for name in ("SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR")}
        other = create_app(TestConfig, **(shared | settings))
        other.test_client_class = IsolatedClient
        return other

    return make


def test_health_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_not_ready_names_what_is_down_and_no_address(make_app):
    port = free_port()  # nothing listens there
    broken = make_app(REDIS_URL=f"redis://:hunter2@127.0.0.1:{port}/0")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "redis": "down"}
    assert str(port) not in response.get_data(as_text=True)


def test_ready_with_a_real_redis(make_app, redis_url):
    response = make_app(REDIS_URL=redis_url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "ok"


def test_metrics_count_requests_by_endpoint_and_status(client):
    client.get("/healthz")
    client.get("/no-such-page")
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'consult_http_requests_total{endpoint="operations.healthz",method="GET",status="200"}' in text
    assert 'endpoint="unmatched",method="GET",status="404"' in text
    assert "consult_http_request_duration_seconds_bucket" in text


def test_metrics_count_kept_pages_and_requests_refused_by_a_rate_limit(client, rate_limits):
    def answered(endpoint: str, method: str, status: str) -> float:
        return REGISTRY.get_sample_value("consult_http_requests_total", {
            "endpoint": endpoint, "method": method, "status": status}) or 0.0

    home, refused = answered("consultations.index", "GET", "200"), answered("accounts.login", "POST", "429")
    first = client.get("/")
    assert client.get("/").headers["ETag"] == first.headers["ETag"]  # the kept copy
    for _ in range(11):
        post_form(client, "/account/login", {"email": "x@example.org", "password": "mauvais essai"})
    assert answered("consultations.index", "GET", "200") == home + 2
    assert answered("accounts.login", "POST", "429") == refused + 1


def test_metrics_are_not_for_the_public(client, make_app):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 404
    # Behind a trusted proxy the visitor's own address decides, not the proxy's loopback one.
    proxied = make_app(TRUSTED_PROXIES=1).test_client()
    response = proxied.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                           headers={"X-Forwarded-For": "203.0.113.5"})
    assert response.status_code == 404
    allowed = make_app(METRICS_ALLOWED_NETWORKS="10.0.0.0/8").test_client()
    assert allowed.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def _wrong_logins(client, addresses):
    token = csrf_token(client, "/account/login")
    return [client.post("/account/login", headers={"X-Forwarded-For": address}, data={
        "email": "nobody@example.org", "password": "wrong", "csrf_token": token}).status_code
        for address in addresses]


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(
        client, rate_limits):
    statuses = _wrong_logins(client, [f"192.0.2.{n}" for n in range(11)])
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_behind_one_trusted_proxy_each_visitor_has_their_own_allowance(make_app, rate_limits):
    client = make_app(TRUSTED_PROXIES=1, RATE_LIMIT_LOGIN=Config.RATE_LIMIT_LOGIN).test_client()
    assert _wrong_logins(client, ["192.0.2.1"] * 11) == [200] * 10 + [429]
    assert _wrong_logins(client, ["192.0.2.2"]) == [200]


def test_a_database_outage_gets_a_clear_page_and_one_log_line(make_app, tmp_path, caplog):
    down = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/consult.sqlite")
    with caplog.at_level(logging.INFO):
        response = down.test_client().get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "briefly unavailable" in response.get_data(as_text=True)
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in records] == ["database unavailable: OperationalError"]
    assert all(r.exc_info is None for r in records)
    ready = down.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"] == "down"
