"""The `flask consult` commands, run as an operator would, then checked through the site."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.exc import OperationalError

from consult import cli
from consult import demo as demo_module

from consult.extensions import db
from consult.models import (
    ENTERED_CHANNELS,
    Channel,
    Consultation,
    ParticipantCategory,
    Region,
    Role,
    RoleAssignment,
    Status,
    Testimony,
    Theme,
    User,
    Visibility,
    testimony_themes,
)
from tests.conftest import log_in

ADMIN_PASSWORD = "an admin passphrase"


def count(model) -> int:
    return db.session.execute(db.select(func.count()).select_from(model)).scalar_one()


def is_logged_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def create_admin(runner, email="boss@example.org", *extra):
    return runner.invoke(args=["consult", "create-admin", email, *extra])


# create-admin

def test_create_admin_makes_a_confirmed_admin_who_can_log_in_and_administer(runner, client):
    result = create_admin(runner, "Boss@Example.org", "--name", "La patronne",
                          "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Administrator ready." in result.output
    assert ADMIN_PASSWORD not in result.output

    user = db.session.execute(db.select(User)).scalar_one()
    assert (user.email, user.display_name, user.is_admin) == ("boss@example.org", "La patronne",
                                                              True)
    assert user.is_confirmed
    assert user.password_hash.startswith("$argon2id$")

    log_in(client, "boss@example.org", ADMIN_PASSWORD)
    assert is_logged_in(client)
    response = client.get("/admin/consultations")
    assert response.status_code == 200
    assert "New consultation" in response.get_data(as_text=True)


def test_create_admin_asks_for_the_password_when_not_given(runner, client):
    result = runner.invoke(args=["consult", "create-admin", "boss@example.org"],
                           input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    log_in(client, "boss@example.org", ADMIN_PASSWORD)
    assert client.get("/admin/consultations").status_code == 200


@pytest.mark.parametrize("password", ["", "short", "eleven char"])
def test_create_admin_refuses_a_short_password(runner, password):
    result = create_admin(runner, "boss@example.org", "--password", password)
    assert result.exit_code == 2
    assert "use at least 12 characters" in result.output
    assert count(User) == 0


def test_create_admin_promotes_an_existing_account_and_says_its_password_is_unchanged(
    runner, client, make_user
):
    make_user("person@example.org", "Person")
    result = create_admin(runner, "Person@example.org", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "already had an account" in result.output
    assert "Its password has not changed" in result.output
    assert count(User) == 1
    log_in(client, "person@example.org", ADMIN_PASSWORD)
    assert not is_logged_in(client)
    log_in(client, "person@example.org")
    assert client.get("/admin/consultations").status_code == 200


@pytest.mark.parametrize("email", ["not-an-address", "boss@", "@example.org", "boss@localhost"])
def test_create_admin_refuses_an_address_the_login_form_would_refuse(runner, client, email):
    result = create_admin(runner, email, "--password", ADMIN_PASSWORD)
    assert result.exit_code == 2
    assert "not a valid e-mail address" in result.output
    assert count(User) == 0
    login = log_in(client, email, ADMIN_PASSWORD)
    assert "Invalid email address." in login.get_data(as_text=True)


def test_create_admin_confirms_an_unconfirmed_account(runner, client, make_user):
    make_user("person@example.org", confirmed=False)
    create_admin(runner, "person@example.org", "--password", ADMIN_PASSWORD)
    log_in(client, "person@example.org")
    assert client.get("/admin/consultations").status_code == 200


# grant-role

@pytest.fixture
def person_and_consultation(make_user, make_consultation):
    return make_user("person@example.org"), make_consultation("eg", "draft")


def roles_of(user) -> set[tuple[str, Role]]:
    db.session.expire_all()
    return {(r.consultation.slug, r.role) for r in user.roles}


@pytest.mark.parametrize("role", list(Role))
def test_grant_role_gives_the_role_and_revoke_takes_it_back(
    runner, client, person_and_consultation, role
):
    user, _consultation = person_and_consultation
    log_in(client, "person@example.org")
    assert client.get("/c/eg").status_code == 404  # a draft

    result = runner.invoke(args=["consult", "grant-role", "Person@Example.org", "eg", role.value])
    assert result.exit_code == 0, result.output
    assert f"Role {role.value} granted." in result.output
    assert roles_of(user) == {("eg", role)}
    assert client.get("/c/eg").status_code == 200  # staff see the draft

    again = runner.invoke(args=["consult", "grant-role", "person@example.org", "eg", role.value])
    assert again.exit_code == 0
    assert "Nothing to change." in again.output
    assert count(RoleAssignment) == 1

    revoked = runner.invoke(
        args=["consult", "grant-role", "person@example.org", "eg", role.value, "--revoke"])
    assert revoked.exit_code == 0, revoked.output
    assert f"Role {role.value} revoked." in revoked.output
    assert roles_of(user) == set()
    assert client.get("/c/eg").status_code == 404

    nothing = runner.invoke(
        args=["consult", "grant-role", "person@example.org", "eg", role.value, "--revoke"])
    assert nothing.exit_code == 0
    assert "Nothing to change." in nothing.output


def test_revoking_one_role_keeps_the_others(runner, person_and_consultation, make_consultation):
    user, _consultation = person_and_consultation
    make_consultation("other")
    for slug, role in (("eg", "moderator"), ("eg", "commissioner"), ("other", "moderator")):
        assert runner.invoke(args=["consult", "grant-role", user.email, slug, role]).exit_code == 0
    runner.invoke(args=["consult", "grant-role", user.email, "eg", "moderator", "--revoke"])
    assert roles_of(user) == {("eg", Role.COMMISSIONER), ("other", Role.MODERATOR)}


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody@example.org", "eg", "moderator"], "No account has this e-mail address."),
        (["person@example.org", "nope", "moderator"], "No consultation is called 'nope'."),
        (["person@example.org", "eg", "boss"], "'boss' is not one of"),
        (["person@example.org", "eg", "admin"], "'admin' is not one of"),
        (["nobody@example.org", "eg", "moderator", "--revoke"],
         "No account has this e-mail address."),
        (["person@example.org", "nope", "moderator", "--revoke"],
         "No consultation is called 'nope'."),
    ],
)
def test_grant_role_explains_what_is_wrong_and_changes_nothing(
    runner, person_and_consultation, args, message
):
    result = runner.invoke(args=["consult", "grant-role", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count(RoleAssignment) == 0


# demo

DEMO_ROLES = ("admin", "moderator", "commissioner", "facilitator", "participant")
ACCOUNT_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s*$", re.M)


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["consult", "demo"])
    assert result.exit_code == 0, result.output
    return result


def refuse(*_args, **_kwargs):
    raise OperationalError("UPDATE testimonies", {}, Exception("disk I/O error"))


def demo_accounts(output: str) -> dict[str, tuple[str, str]]:
    return {role: (email, password) for role, email, password in ACCOUNT_LINE.findall(output)}


def test_demo_loads_a_consultation_with_its_lists(demo, client):
    consultation = db.session.execute(db.select(Consultation)).scalar_one()
    assert f"/c/{consultation.slug}" in demo.output
    assert (len(consultation.themes), len(consultation.categories),
            len(consultation.regions)) == (5, 9, 17)
    assert consultation.phase.value == "open"
    page = client.get(f"/c/{consultation.slug}").get_data(as_text=True)
    assert consultation.title.replace("'", "&#39;") in page
    for theme in consultation.themes:
        assert theme.name.replace("'", "&#39;") in page
    assert client.get(f"/c/{consultation.slug}/testify").status_code == 200


def test_demo_testimonies_cover_every_channel_visibility_and_status(demo, client):
    testimonies = list(db.session.execute(db.select(Testimony)).scalars())
    assert 24 <= len(testimonies) <= 60
    assert {t.channel for t in testimonies} == set(Channel)
    assert {t.visibility for t in testimonies} == set(Visibility)
    assert {t.status for t in testimonies} == set(Status)
    published_public = [t for t in testimonies if t.status is Status.PUBLISHED
                        and t.visibility is not Visibility.CONFIDENTIAL]
    assert all(t.is_public for t in published_public)
    assert not any(t.is_public for t in testimonies if t not in published_public)
    assert all(t.themes for t in testimonies)
    consultation = testimonies[0].consultation
    page = client.get(f"/c/{consultation.slug}").get_data(as_text=True)
    assert f"{len(published_public)} testimonies published so far." in page


def test_demo_has_an_organisation_its_events_and_entries_and_a_hearing(demo, client):
    testimonies = list(db.session.execute(db.select(Testimony)).scalars())
    entered = [t for t in testimonies if t.channel in ENTERED_CHANNELS]
    assert entered and all(t.entered_by is not None and t.author is None
                           and t.organisation is not None for t in entered)
    assert all(t.event is not None for t in entered if t.channel is Channel.LOCAL_EVENT)
    (heard,) = [t for t in testimonies if t.channel is Channel.HEARING and t.hearing]
    assert heard.visibility is Visibility.CONFIDENTIAL
    slug = testimonies[0].consultation.slug
    agenda = client.get(f"/c/{slug}/events").get_data(as_text=True)
    assert "Soirée d&#39;échange : la prévention" in agenda
    assert "Café-rencontre" not in agenda  # past
    organisations = client.get(f"/c/{slug}/organisations").get_data(as_text=True)
    assert "Carrefour communautaire du Bas-Saint-Laurent" in organisations
    assert "Table jeunesse de l&#39;Estrie" not in organisations  # waiting for approval


def test_demo_creates_one_account_per_role_whose_printed_password_works(demo, app):
    accounts = demo_accounts(demo.output)
    assert set(accounts) == set(DEMO_ROLES)
    consultation = db.session.execute(db.select(Consultation)).scalar_one()
    for role, (email, password) in accounts.items():
        client = app.test_client()
        log_in(client, email, password)
        assert is_logged_in(client), role
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        assert user.is_confirmed
        assert user.is_admin is (role == "admin")
        expected = {Role(role)} if role in {r.value for r in Role} else set()
        assert {r.role for r in user.roles if r.consultation_id == consultation.id} == expected
        admin_page = client.get("/admin/consultations").status_code
        assert admin_page == (200 if role == "admin" else 404), role
    assert len({password for _email, password in accounts.values()}) == len(DEMO_ROLES)


def test_demo_run_twice_duplicates_nothing(demo, runner, app):
    counts = {model: count(model) for model in (Consultation, Theme, ParticipantCategory,
                                                Region, Testimony, User, RoleAssignment)}
    again = runner.invoke(args=["consult", "demo"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert {model: count(model) for model in counts} == counts
    # The passwords printed the first time still work.
    email, password = demo_accounts(demo.output)["admin"]
    client = app.test_client()
    log_in(client, email, password)
    assert client.get("/admin/consultations").status_code == 200


def test_demo_passwords_lost_can_be_reset_and_shown_again(demo, runner, app):
    before = demo_accounts(demo.output)
    assert "--reset-passwords" in runner.invoke(args=["consult", "demo"]).output
    reset = runner.invoke(args=["consult", "demo", "--reset-passwords"])
    assert reset.exit_code == 0, reset.output
    after = demo_accounts(reset.output)
    assert set(after) == set(DEMO_ROLES)
    for role, (email, password) in after.items():
        assert email == before[role][0] and password != before[role][1]
        client = app.test_client()
        log_in(client, email, password)
        assert is_logged_in(client), role
    old_email, old_password = before["participant"]
    client = app.test_client()
    log_in(client, old_email, old_password)
    assert not is_logged_in(client)


def test_resetting_demo_passwords_without_the_demo_says_so(runner):
    result = runner.invoke(args=["consult", "demo", "--reset-passwords"])
    assert result.exit_code != 0
    assert "no demonstration account" in result.output
    assert count(User) == 0


def test_demo_interrupted_half_way_leaves_nothing_and_can_be_run_again(runner, app, monkeypatch):
    # The database refuses a write half-way through (after the accounts and many testimonies).
    with monkeypatch.context() as patch:
        patch.setattr(demo_module.testimonies, "withdraw_testimony", refuse)
        failed = runner.invoke(args=["consult", "demo"])
    assert failed.exit_code != 0
    assert "nothing was kept" in failed.output
    for model in (Consultation, Theme, ParticipantCategory, Region, Testimony, User,
                  RoleAssignment, testimony_themes):
        assert count(model) == 0, model

    again = runner.invoke(args=["consult", "demo"])
    assert again.exit_code == 0, again.output
    assert count(Testimony) > 0
    email, password = demo_accounts(again.output)["participant"]
    client = app.test_client()
    log_in(client, email, password)
    assert is_logged_in(client)


def test_demo_keeps_accounts_that_existed_before_an_interrupted_run(
    runner, app, monkeypatch, make_user
):
    make_user("someone@example.org")
    with monkeypatch.context() as patch:
        patch.setattr(demo_module.testimonies, "withdraw_testimony", refuse)
        assert runner.invoke(args=["consult", "demo"]).exit_code != 0
    assert [u.email for u in db.session.execute(db.select(User)).scalars()] == [
        "someone@example.org"]


# Files the commands read and write: one clear line, never a traceback

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8

#: What each kind of export is asked with, and the file name it is given.
EXPORTS = {
    "csv": ("--format", "csv"), "json": ("--format", "json"), "xlsx": ("--format", "xlsx"),
    "pdf": ("--format", "pdf"), "zip": ("--format", "opendata"),
}


def one_clear_error(result) -> str:
    """The command failed with a message and no traceback or codec jargon; the message."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output and "codec" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.fixture
def no_work(monkeypatch):
    """Fails the test if the export's work starts (the report or a dataset is built)."""

    def started(*args, **kwargs):
        raise AssertionError("the work started before the output path was checked")

    monkeypatch.setattr(cli, "report_pdf", started)
    monkeypatch.setattr(cli.exports, "dataset", started)
    monkeypatch.setattr(cli.opendata, "write_package", started)


@pytest.mark.parametrize("extension", sorted(EXPORTS))
def test_export_checks_the_output_folder_before_the_work(runner, make_consultation, tmp_path,
                                                          no_work, extension):
    make_consultation("sortie", phase="closed")
    output = tmp_path / "missing" / f"export.{extension}"
    result = runner.invoke(args=["consult", "export", "sortie", *EXPORTS[extension],
                                 "-o", str(output)])
    error = one_clear_error(result)
    assert f"Folder '{output.parent}' does not exist." in error
    assert not output.parent.exists()


def test_export_refuses_a_file_where_its_folder_should_be(runner, make_consultation, tmp_path,
                                                          no_work):
    make_consultation("sortie")
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    result = runner.invoke(args=["consult", "export", "sortie", "-o",
                                 str(tmp_path / "notes.txt" / "export.csv")])
    assert f"'{tmp_path / 'notes.txt'}' is not a folder." in one_clear_error(result)


def test_export_polis_checks_its_folder_before_the_work(runner, make_consultation, tmp_path):
    make_consultation("sortie")
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    result = runner.invoke(args=["consult", "export-polis", "sortie",
                                 str(tmp_path / "notes.txt" / "polis")])
    assert f"'{tmp_path / 'notes.txt'}' is not a folder." in one_clear_error(result)
    # A folder whose parents are missing is made with them.
    made = tmp_path / "new" / "polis"
    result = runner.invoke(args=["consult", "export-polis", "sortie", str(made)])
    assert result.exit_code == 0, result.output
    assert (made / "comments.csv").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("extension", ["csv", "json", "pdf"])
def test_an_export_the_disk_refuses_ends_with_one_line(runner, make_consultation, make_testimony,
                                                       extension):
    make_testimony(make_consultation("sortie"), "Un témoignage publié.")
    result = runner.invoke(args=["consult", "export", "sortie", *EXPORTS[extension],
                                 "-o", "/dev/full"])
    assert one_clear_error(result) == ("Error: Nothing written to /dev/full: "
                                       "No space left on device.")


@pytest.mark.parametrize("content", [BINARY, "1. Axe\n\nTexte.\n".encode("utf-16"),
                                     b"1. Axe\n\x00\x00\x00\n"],
                         ids=["image", "utf-16", "nul"])
def test_import_recommendations_refuses_what_is_not_utf8_text(runner, make_consultation,
                                                              tmp_path, content):
    make_consultation("sortie")
    path = tmp_path / "rapport.pdf"
    path.write_bytes(content)
    result = runner.invoke(args=["consult", "import-recommendations", "sortie", str(path)])
    assert one_clear_error(result) == (
        "Error: Nothing imported: rapport.pdf is not a text file in UTF-8 nor a Word document "
        "(.docx); save it as plain text (UTF-8) or as .docx.")


def test_import_testimonies_refuses_a_binary_file(runner, make_consultation, tmp_path):
    make_consultation("sortie")
    path = tmp_path / "saisie.csv"
    path.write_bytes(bytes(range(128, 256)) * 16)
    result = runner.invoke(args=["consult", "import-testimonies", "sortie", str(path)])
    assert "not in UTF-8" in one_clear_error(result)


def test_import_polis_refuses_a_binary_file(runner, tmp_path):
    (tmp_path / "comments.csv").write_bytes(BINARY)
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n")
    result = runner.invoke(args=["consult", "import-polis", str(tmp_path), "--slug", "p"])
    assert one_clear_error(result) == (
        "Error: Nothing imported: comments.csv is not a text file in UTF-8")


def test_import_polis_reads_a_conversation_whose_summary_is_not_text(runner, tmp_path):
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,,0,7,1,0,1,Premier\n", encoding="utf-8")
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n3,,0,7,1\n", encoding="utf-8")
    (tmp_path / "summary.csv").write_bytes(BINARY)
    result = runner.invoke(args=["consult", "import-polis", str(tmp_path), "--slug", "p"])
    assert result.exit_code == 0, result.output
    assert "1 statements" in result.output
