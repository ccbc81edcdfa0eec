"""Every route, as every kind of person, on every kind of object: nobody reaches what
they should not, and confidential or unpublished text shows up nowhere it should not."""
from consult.extensions import db
from consult.models import Testimony, Theme
from tests.conftest import csrf_token
from tests.security import (
    probes_entries,
    probes_events,
    probes_hearings,
    probes_operations,
    probes_organisations,
    probes_paper,
    probes_reading,
)
from tests.security.conftest import PENDING, ROLES, SECRET
from tests.security.probe_kit import (
    EVERYONE,
    LOGGED_IN,
    MODERATORS_A,
    READERS_A,
    STAFF,
    Probe,
    get,
    post,
)

#: The probes of the outreach areas, each in its own module.
AREAS = (probes_organisations, probes_events, probes_entries, probes_paper, probes_hearings,
         probes_operations, probes_reading)


def probes(w) -> list[Probe]:
    a, pub, conf, pend = w.a.slug, w.published.id, w.confidential.id, w.pending.id
    theme_a = w.a.themes[0].id
    theme_b = w.b.themes[0].id
    token = w.own_token
    mine, theirs = w.orientation, w.orientation_in_b

    return [
        get("/", EVERYONE),
        get("/terms", EVERYONE),
        get(f"/c/{a}", EVERYONE),
        get("/c/conso-brouillon", {"admin"}),
        get(f"/c/{a}/testimonies", EVERYONE),
        get("/c/conso-brouillon/testimonies", {"admin"}),
        get(f"/c/{a}/testimonies?q=Canari", EVERYONE),
        get(f"/c/{a}/testimonies/{pub}", EVERYONE),
        get(f"/c/{a}/testimonies/{conf}", set()),
        get(f"/c/{a}/testimonies/{pend}", set()),
        get(f"/c/conso-b/testimonies/{pub}", set()),
        get(f"/c/{a}/testify", EVERYONE),
        get(f"/c/{a}/testimonies/{pub}/attachments/{w.attachment.id}", EVERYONE),
        get(f"/c/{a}/testimonies/{pub}/attachments/{w.other_attachment.id}", set()),
        get(f"/c/{a}/testimonies/{conf}/attachments/{w.confidential_attachment.id}", set()),
        get(f"/c/{a}/testimonies/{pend}/attachments/{w.pending_attachment.id}", set()),
        get(f"/c/conso-b/testimonies/{pub}/attachments/{w.attachment.id}", set()),
        get(f"/c/{a}/recommendations", EVERYONE),
        get(f"/c/{a}/reading", READERS_A),
        get(f"/c/{a}/reading/{conf}", READERS_A),
        get(f"/c/{a}/reading/{w.in_b.id}", set()),
        get(f"/c/{a}/codes", READERS_A),
        get(f"/c/{a}/codes/999999", set()),
        post(f"/c/{a}/reading/{pend}/code", READERS_A, code=""),
        post(f"/c/{a}/reading/{w.in_b.id}/code", set(), code=""),
        post(f"/c/{a}/reading/{pend}/read", READERS_A),
        post(f"/c/{a}/codes", READERS_A, name=""),
        get(f"/c/{a}/synthesis", {"commissioner_a", "admin"}),
        get(f"/c/{a}/analysis", {"commissioner_a", "admin"}),
        get("/c/conso-b/analysis", {"admin"}),
        get("/c/conso-b/synthesis", {"admin"}),
        post(f"/c/{a}/synthesis/add", {"commissioner_a", "admin"}, kind="orientation", text=""),
        get(f"/c/{a}/synthesis/import", {"commissioner_a", "admin"}),
        get("/c/conso-b/synthesis/import", {"admin"}),
        post(f"/c/{a}/synthesis/import", {"commissioner_a", "admin"}, changes_nothing=True),
        post(f"/c/{a}/synthesis/import/confirm", {"commissioner_a", "admin"},
             text="Orientation 1 : Agir\n1. Ouvrir le soir\n", unit="text"),
        post("/c/conso-b/synthesis/import/confirm", {"admin"},
             text="Orientation 1 : Agir\n1. Ouvrir le soir\n", unit="text"),
        post(f"/c/{a}/synthesis/recommendations/999999/move", set(), orientation="1",
             position="1"),
        post(f"/c/{a}/synthesis/orientations/999999/status", set(), published="1"),
        get(f"/c/{a}/synthesis/orientations/{mine.id}/edit", {"commissioner_a", "admin"}),
        get(f"/c/{a}/synthesis/orientations/{theirs.id}/edit", set()),
        post(f"/c/{a}/synthesis/recommendations/{mine.recommendations[0].id}/edit",
             {"commissioner_a", "admin"}, text=""),
        post(f"/c/{a}/synthesis/measures/{theirs.recommendations[0].measures[0].id}/edit",
             set(), text="Changé"),
        get(f"/c/{a}/synthesis/recommendations/{mine.recommendations[0].id}/delete",
            {"commissioner_a", "admin"}),
        post(f"/c/{a}/synthesis/orientations/{theirs.id}/delete", set()),
        post(f"/c/{a}/synthesis/measures/{mine.recommendations[0].measures[0].id}/shift",
             {"commissioner_a", "admin"}, direction="up"),
        post(f"/c/{a}/synthesis/recommendations/{theirs.recommendations[0].id}/shift", set(),
             direction="up"),
        post(f"/c/{a}/reading/{pend}/evidence", {"commissioner_a", "admin"}, recommendation=""),
        post(f"/c/{a}/reading/{w.in_b.id}/evidence", set(), recommendation="1"),
        get("/c/conso-brouillon/recommendations", {"admin"}),
        get("/c/conso-brouillon/testify", set()),
        get(f"/receipt/{token}", EVERYONE),
        get(f"/receipt/{token}/edit", set()),  # published: no longer editable
        get(f"/receipt/{token}/attachments/{w.attachment.id}", EVERYONE),
        get(f"/receipt/{token}/attachments/{w.other_attachment.id}", set()),
        get("/receipt/not-a-real-token", set()),
        get("/my-testimonies", LOGGED_IN),
        get(f"/my-testimonies/{pub}", {"author"}),
        get(f"/my-testimonies/{conf}", {"author"}),
        get(f"/my-testimonies/{w.other_published.id}", {"participant"}),
        get(f"/my-testimonies/{w.in_b.id}", set()),
        get(f"/my-testimonies/{pend}/edit", {"author"}),
        get(f"/my-testimonies/{pub}/attachments/{w.attachment.id}", {"author"}),
        get(f"/my-testimonies/{pub}/attachments/{w.other_attachment.id}", set()),
        get("/admin/consultations", {"admin"}),
        get("/admin/consultations/new", {"admin"}),
        get(f"/admin/consultations/{a}/edit", {"admin"}),
        get("/admin/consultations/conso-brouillon/edit", {"admin"}),
        get(f"/admin/consultations/{a}/lists/themes", {"admin"}),
        get("/account/login", {"anonymous"}),
        get("/account/register", EVERYONE),
        get("/account/forgot-password", EVERYONE),
        get("/account/confirm", EVERYONE),
        get("/account/confirm/not-a-token", set()),
        get("/account/reset-password/not-a-token", set()),
        get("/account/profile", LOGGED_IN),
        get("/account/password", LOGGED_IN),
        get("/account/second-factor", STAFF),
        get("/account/second-factor/setup", LOGGED_IN),
        get("/account/data/", LOGGED_IN),
        get("/account/data/download", LOGGED_IN),
        get("/account/data/delete", LOGGED_IN),
        post(f"/admin/consultations/{a}/lists/themes/{theme_a}", {"admin"}, action="up"),
        # Another consultation's theme, through this consultation's address.
        post(f"/admin/consultations/{a}/lists/themes/{theme_b}", {"admin"}, changes_nothing=True,
             action="rename", name="Volé"),
        post(f"/admin/consultations/{a}/lists/themes", {"admin"}, name="Nouveau thème"),
        post(f"/admin/consultations/{a}/edit", {"admin"}, slug=a, title="Titre"),
        post("/admin/consultations/new", {"admin"}, slug="nouvelle", title="Nouvelle"),
        get(f"/my-testimonies/{w.other_published.id}/withdraw", {"participant"}),
        get(f"/my-testimonies/{w.in_b.id}/withdraw", set()),
        get("/receipt/not-a-real-token/withdraw", set()),
        post(f"/my-testimonies/{w.other_published.id}/withdraw", {"participant"}, confirm="y"),
        post(f"/my-testimonies/{w.in_b.id}/withdraw", set(), confirm="y"),
        post("/receipt/not-a-real-token/withdraw", set(), confirm="y"),
        post("/c/conso-brouillon/testify", set(), body="Texte", consent="y"),
        get(f"/c/{a}/moderation", MODERATORS_A),
        get("/c/conso-b/moderation", {"moderator_b", "admin"}),
        get(f"/c/{a}/moderation/{pend}", MODERATORS_A),
        get(f"/c/{a}/moderation/{conf}", {"commissioner_a", "admin"}),
        get(f"/c/{a}/moderation/{w.in_b.id}", set()),
        get(f"/c/conso-b/moderation/{pend}", set()),
        get(f"/c/{a}/moderation/{pend}/attachments/{w.pending_attachment.id}", MODERATORS_A),
        get(f"/c/{a}/moderation/{pub}/attachments/{w.attachment.id}", MODERATORS_A),
        get(f"/c/{a}/moderation/{conf}/attachments/{w.confidential_attachment.id}",
            {"commissioner_a", "admin"}),
        get(f"/c/{a}/moderation/{pend}/attachments/{w.attachment.id}", set()),
        get(f"/c/conso-b/moderation/{pend}/attachments/{w.pending_attachment.id}", set()),
        get(f"/c/{a}/moderation/figures", MODERATORS_A),
        get(f"/c/{a}/audit", {"commissioner_a", "admin"}),
        get(f"/c/{a}/testimonies/{pub}/flag", EVERYONE),
        get(f"/c/{a}/testimonies/{pend}/flag", set()),
        post(f"/c/{a}/testimonies/{pub}/flag", EVERYONE, reason="not-a-reason"),
        post(f"/c/{a}/moderation/{pend}/redact", MODERATORS_A, changes_nothing=True,
             version="1", replacement="[…]"),
        post(f"/c/conso-b/moderation/{pend}/redact", set(), version="1", passage="Canari",
             replacement="x"),
        post(f"/c/{a}/moderation/{pend}/decide", MODERATORS_A, changes_nothing=True,
             action="publish", version="999"),
        post(f"/c/{a}/moderation/{w.in_b.id}/decide", set(), action="publish", version="1"),
        post(f"/c/{a}/moderation/{pend}/restore", MODERATORS_A, changes_nothing=True,
             version="999"),
        post(f"/c/{a}/moderation/{pend}/reclassify", MODERATORS_A, changes_nothing=True,
             version="999"),
        post(f"/c/{a}/moderation/bulk", MODERATORS_A, changes_nothing=True, action="publish"),
        get(f"/c/{a}/vote", EVERYONE),
        post(f"/c/{a}/vote/999999", LOGGED_IN, changes_nothing=True, value="agree"),
        get(f"/c/{a}/vote/profile", LOGGED_IN),
        post(f"/c/{a}/vote/profile", LOGGED_IN, region="999999"),
        get(f"/c/{a}/delegate", EVERYONE),
        post(f"/c/{a}/delegate", EVERYONE, changes_nothing=True, code="AAAA-BBBB-CCCC"),
        get(f"/c/{a}/statements/new", LOGGED_IN),
        post(f"/c/{a}/statements/new", LOGGED_IN, changes_nothing=True, text=""),
        get(f"/c/{a}/results", EVERYONE),
        get(f"/c/{a}/moderation/statements", MODERATORS_A),
        post(f"/c/{a}/moderation/statements", set(), statement="999999", decision="publish"),
        get("/c/conso-b/moderation/statements", {"moderator_b", "admin"}),
        get(f"/admin/consultations/{a}/delegate-codes", {"admin"}),
        post(f"/admin/consultations/{a}/delegate-codes", {"admin"}, category="", count="2"),
        post(f"/admin/consultations/{a}/delegate-codes/revoke", {"admin"},
             **{"revoke-code": "AAAA"}),
        get(f"/c/{a}/exports", {"commissioner_a", "admin"}),
        get("/c/conso-b/exports", {"admin"}),
        post(f"/c/{a}/exports", {"commissioner_a", "admin"}, dataset="testimonies",
             kind="public", format="csv"),
        post("/c/conso-b/exports", {"admin"}, dataset="testimonies", kind="internal",
             format="json"),
        get(f"/c/{a}/exports/files/{w.export_a.id}", {"commissioner_a"}),  # who asked only
        get(f"/c/conso-b/exports/files/{w.export_a.id}", set()),
        get(f"/c/{a}/open-data.zip", set()),  # not closed yet
        get(f"/c/{a}/report", {"commissioner_a", "admin"}),
        get(f"/c/{a}/report.pdf", {"commissioner_a", "admin"}),
        get("/c/conso-b/report", {"admin"}),
        get("/api/v1/openapi.json", EVERYONE),
        get("/api/v1/consultations", EVERYONE),
        get(f"/api/v1/consultations/{a}", EVERYONE),
        get("/api/v1/consultations/conso-brouillon", set()),
        get(f"/api/v1/consultations/{a}/testimonies?q=Canari", EVERYONE),
        get(f"/api/v1/consultations/{a}/testimonies/{pub}", EVERYONE),
        get(f"/api/v1/consultations/{a}/testimonies/{conf}", set()),
        get(f"/api/v1/consultations/{a}/testimonies/{pend}", set()),
        get(f"/api/v1/consultations/{a}/recommendations", EVERYONE),
        get(f"/api/v1/consultations/{a}/results", set()),
        post("/language", EVERYONE, locale="fr"),
        get("/language/fr", set()),  # a redirect back for everyone: it shows nothing
        post("/account/logout", LOGGED_IN),
        post("/account/sessions/end-all", LOGGED_IN),
    ] + [probe for area in AREAS for probe in area.probes(w)]


def reached(probe: Probe, response) -> bool:
    if probe.method == "GET":
        return response.status_code == 200
    location = response.headers.get("Location", "")
    return response.status_code == 200 or (
        response.status_code == 302 and "/account/login?next=" not in location)


def snapshot() -> dict:
    """What the probes must not change when they are refused."""
    return {
        "testimonies": sorted(db.session.execute(
            db.select(Testimony.id, Testimony.status, Testimony.is_public)).all()),
        "themes": sorted(db.session.execute(db.select(Theme.id, Theme.name, Theme.position)).all()),
    }


def test_no_probe_reaches_what_it_should_not(app, world, browser_as, figure):
    wrong, count = [], 0
    covered = set()
    all_probes = probes(world)
    for role in ROLES:
        client = browser_as(world, role)
        for probe in all_probes:
            before = snapshot()
            if probe.method == "GET":
                response = client.get(probe.path)
            else:
                data = dict(probe.data, csrf_token=csrf_token(client))
                response = client.post(probe.path, data=data)
            count += 1
            rule, _args = app.url_map.bind("localhost").match(
                probe.path.split("?")[0], method=probe.method, return_rule=True)
            covered.add(rule.endpoint)
            body = response.get_data().decode("utf-8", "replace")  # a PDF is bytes
            may = role in probe.allowed
            if reached(probe, response) != may:
                wrong.append(f"{role} {probe.method} {probe.path}: {response.status_code} "
                             f"(expected {'reachable' if may else 'refused'})")
            if (not may or probe.changes_nothing) and snapshot() != before:
                wrong.append(f"{role} {probe.method} {probe.path}: changed data")
            own_pages = ("/my-testimonies", "/account/data/download",
                         f"/my-testimonies/{world.confidential.id}",
                         f"/my-testimonies/{world.pending.id}/edit")
            moderation_page = probe.path.startswith(f"/c/{world.a.slug}/moderation")
            reading_page = probe.path.startswith(f"/c/{world.a.slug}/reading")
            may_see = {
                SECRET: (role == "author" and probe.path in own_pages)
                or (moderation_page and role in {"commissioner_a", "admin"})
                or (reading_page and role in READERS_A),
                # The reading room lists every testimony whatever its status, for its readers.
                PENDING: (role == "author" and probe.path in own_pages)
                or (moderation_page and role in MODERATORS_A)
                or (reading_page and role in READERS_A),
            }
            for hidden, allowed_here in may_see.items():
                if hidden in body and not allowed_here:
                    wrong.append(f"{role} {probe.method} {probe.path}: shows hidden text")
            db.session.expire_all()
            if probe.path in ("/account/logout", "/account/sessions/end-all"):
                client = browser_as(world, role)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    uncovered = endpoints - covered
    figure(f"access probes: {count} requests, {len(wrong)} reached what they should not")
    assert uncovered == set(), f"routes without a probe: {sorted(uncovered)}"
    assert wrong == [], "\n".join(wrong)
