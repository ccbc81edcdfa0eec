"""Every state-changing route refuses a request without its CSRF token, and no GET
changes anything, whoever sends it."""
from consult.extensions import db
from tests.security.conftest import ROLES
from tests.security.test_probes import probes


#: What a first view may have the worker compute (vote results, the open-data package
#: and the PDF report made once, and the jobs doing it, which moves the content version
#: of the pages kept for visitors): figures and files derived from the data, which no
#: request can choose.
DERIVED = {"vote_results", "jobs", "content_version"}


def whole_database(with_audit_log: bool = True) -> dict:
    """Every row of every table (the time a session was last seen aside)."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if (table.name == "audit_log" and not with_audit_log) or table.name in DERIVED:
            continue
        columns = [c for c in table.columns if not (table.name == "user_sessions"
                                                    and c.name == "last_seen_at")]
        rows[table.name] = sorted(map(tuple, db.session.execute(db.select(*columns)).all()),
                                  key=repr)
    return rows


def post_paths(w) -> list[str]:
    a, token = w.a.slug, w.own_token
    return [p.path for p in probes(w) if p.method == "POST"] + [
        "/account/login", "/account/register", "/account/forgot-password", "/account/confirm",
        "/account/reset-password/not-a-token", "/account/profile", "/account/password",
        "/account/second-factor", "/account/second-factor/setup", "/account/data/delete",
        f"/admin/consultations/{a}/lists/themes", f"/c/{a}/testify",
        f"/my-testimonies/{w.pending.id}/edit", f"/receipt/{token}/withdraw",
        f"/c/{a}/analysis",
    ]


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
    app, world, browser_as, figure
):
    post_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    adapter = app.url_map.bind("localhost")
    covered, refused = set(), 0
    for role in ("anonymous", "author", "admin"):
        client = browser_as(world, role)
        for path in post_paths(world):
            covered.add(adapter.match(path, method="POST", return_rule=True)[0].endpoint)
            before = whole_database()
            response = client.post(path, data={"action": "delete", "name": "x", "locale": "en",
                                               "password": "correct horse battery"})
            assert response.status_code == 400, (role, path, response.status_code)
            assert whole_database() == before, (role, path)
            refused += 1
    assert post_endpoints - covered == set()
    figure(f"CSRF: {refused} requests without a token, {refused} refused")


def test_no_get_changes_anything(world, browser_as):
    gets = [p.path for p in probes(world) if p.method == "GET"]
    for role in ROLES:
        client = browser_as(world, role)
        for path in gets:
            # Reading a confidential testimony is itself recorded in the audit log, by
            # design; nothing else may change.
            before = whole_database(with_audit_log=False)
            client.get(path)
            db.session.expire_all()
            assert whole_database(with_audit_log=False) == before, (role, path)
