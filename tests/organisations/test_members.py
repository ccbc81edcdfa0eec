"""The owner's members page: invitations by e-mail, their acceptance, removal; and the
walls between organisations."""
import html
import re
from datetime import timedelta

import pytest

from consult.extensions import db, limiter
from consult.models import AuditEntry, Invitation, MemberRole, Membership, Organisation
from tests.conftest import PASSWORD, post_form
from tests.organisations.conftest import ADMIN, FACILITATOR_A, FACILITATOR_B, OUTSIDER, OWNER_A

INVITEE = "invitee@example.org"


def invite(browser, scene, email=INVITEE, **kwargs):
    base = f"/c/eg/organisations/{scene.org_a.id}/members"
    return post_form(browser, f"{base}/invite", {"email": email}, form_page=base, **kwargs)


def roles_of(organisation) -> dict[str, MemberRole]:
    db.session.expire_all()
    return {m.user.email: m.role for m in organisation.members}


def test_an_invitation_is_accepted_only_by_the_address_it_was_sent_to(
        scene, as_person, make_user, mailbox):
    owner = as_person(OWNER_A)
    response = invite(owner, scene, email="Invitee@Example.org", follow_redirects=True)
    assert "The invitation has been sent" in response.get_data(as_text=True)
    assert INVITEE in response.get_data(as_text=True)  # the owner sees whom they invited
    [message] = mailbox.to(INVITEE)
    assert "Maison A" in message["Subject"]
    link = mailbox.last_link(INVITEE)
    assert link.startswith("/invitations/")
    invitation = db.session.query(Invitation).one()
    assert link.split("/")[-1] not in invitation.token_hash  # only its hash is kept

    make_user(INVITEE, "Ines Invitée")
    someone_else = as_person(OUTSIDER)
    assert "Maison A" in someone_else.get(link).get_data(as_text=True)
    refused = post_form(someone_else, link)
    assert "sent to another e-mail address" in refused.get_data(as_text=True)
    assert OUTSIDER not in roles_of(scene.org_a)

    invited = as_person(INVITEE)
    accepted = post_form(invited, link, follow_redirects=True)
    assert "you now act as a facilitator for Maison A" in accepted.get_data(as_text=True)
    assert roles_of(scene.org_a)[INVITEE] is MemberRole.FACILITATOR
    assert db.session.query(Invitation).count() == 0
    assert invited.get(link).status_code == 404
    assert invited.get(f"/c/eg/organisations/{scene.org_a.id}/brief").status_code == 200
    assert "Maison A" in invited.get("/my-organisations").get_data(as_text=True)
    assert {"organisation.invited", "organisation.member_joined"} <= {
        e.action for e in db.session.query(AuditEntry)}


def test_an_invitation_survives_creating_an_account(scene, as_person, make_client, mailbox):
    """Someone invited without an account logs in or registers, confirms their address,
    and comes back to the invitation they were following."""
    invite(as_person(OWNER_A), scene)
    link = mailbox.last_link(INVITEE)
    newcomer = make_client()
    to_login = newcomer.get(link)
    assert to_login.status_code == 302
    login_page = newcomer.get(to_login.headers["Location"]).get_data(as_text=True)
    # The login page's own "Create an account" link keeps where the person was going.
    kept = re.search(r'href="(/account/register\?next=[^"]*)"', login_page)
    assert kept is not None
    register_path = html.unescape(kept.group(1))
    registered = post_form(newcomer, register_path, {
        "email": INVITEE, "display_name": "Ines Invitée", "password": PASSWORD,
        "confirm": PASSWORD}, follow_redirects=True)
    assert registered.status_code == 200
    confirmed = newcomer.get(mailbox.last_link(INVITEE), follow_redirects=True)
    assert "Your e-mail address is confirmed" in confirmed.get_data(as_text=True)
    logged_in = post_form(newcomer, confirmed.request.full_path,
                          {"email": INVITEE, "password": PASSWORD}, follow_redirects=True)
    assert logged_in.request.path == link
    assert "Accept the invitation" in logged_in.get_data(as_text=True)
    accepted = post_form(newcomer, link, follow_redirects=True)
    assert "you now act as a facilitator for Maison A" in accepted.get_data(as_text=True)


def test_an_expired_invitation_is_refused_with_a_message(scene, as_person, make_user, mailbox):
    invite(as_person(OWNER_A), scene)
    link = mailbox.last_link(INVITEE)
    invitation = db.session.query(Invitation).one()
    invitation.expires_at -= timedelta(days=15)
    db.session.commit()
    make_user(INVITEE, "Ines Invitée")
    response = post_form(as_person(INVITEE), link)
    assert "This invitation has expired" in response.get_data(as_text=True)
    assert INVITEE not in roles_of(scene.org_a)
    # The owner may invite the address again.
    response = invite(as_person(OWNER_A), scene, follow_redirects=True)
    assert "The invitation has been sent" in response.get_data(as_text=True)
    assert db.session.query(Invitation).count() == 1


def test_inviting_a_member_or_an_address_already_invited_is_refused(scene, as_person, mailbox):
    owner = as_person(OWNER_A)
    response = invite(owner, scene, email=FACILITATOR_A)
    assert "already a member" in response.get_data(as_text=True)
    invite(owner, scene)
    response = invite(owner, scene)
    assert "already been invited" in response.get_data(as_text=True)
    assert len(mailbox.to(INVITEE)) == 1
    response = invite(owner, scene, email="not an address")
    assert response.status_code == 200 and "not an address" in response.get_data(as_text=True)


def test_a_withdrawn_invitation_no_longer_works(scene, as_person, make_user, mailbox):
    owner = as_person(OWNER_A)
    invite(owner, scene)
    link = mailbox.last_link(INVITEE)
    invitation = db.session.query(Invitation).one()
    base = f"/c/eg/organisations/{scene.org_a.id}"
    post_form(owner, f"{base}/invitations/{invitation.id}/withdraw", form_page=f"{base}/members")
    make_user(INVITEE, "Ines Invitée")
    assert as_person(INVITEE).get(link).status_code == 404
    assert as_person(INVITEE).get("/invitations/not-a-real-token").status_code == 404


def test_the_owner_removes_a_facilitator_but_not_themself(scene, as_person):
    owner = as_person(OWNER_A)
    base = f"/c/eg/organisations/{scene.org_a.id}/members"
    page = owner.get(base).get_data(as_text=True)
    assert "Fatou Animatrice" in page and FACILITATOR_A not in page
    own, facilitator = scene.org_a.members
    response = post_form(owner, f"{base}/{own.id}/remove", form_page=base, follow_redirects=True)
    assert "cannot be removed" in response.get_data(as_text=True)
    response = post_form(owner, f"{base}/{facilitator.id}/remove", form_page=base,
                         follow_redirects=True)
    assert "is no longer a member" in response.get_data(as_text=True)
    assert roles_of(scene.org_a) == {OWNER_A: MemberRole.OWNER}
    # A removed facilitator loses the organisation's tools at once.
    assert as_person(FACILITATOR_A).get(
        f"/c/eg/organisations/{scene.org_a.id}/brief").status_code == 404


def test_a_facilitator_only_sees_the_tools_of_their_own_organisation(scene, as_person):
    a, b = scene.org_a, scene.org_b
    member_of_a = next(m for m in a.members if m.role is MemberRole.FACILITATOR)
    facilitator_b = as_person(FACILITATOR_B)
    for path in (f"/c/eg/organisations/{a.id}/members", f"/c/eg/organisations/{a.id}/brief"):
        assert facilitator_b.get(path).status_code == 404
    owner_b = as_person("owner-b@example.org")
    before = roles_of(a)
    for path in (f"/c/eg/organisations/{a.id}/members/{member_of_a.id}/remove",
                 # A's member through B's address: it is not B's.
                 f"/c/eg/organisations/{b.id}/members/{member_of_a.id}/remove",
                 f"/c/eg/organisations/{a.id}/members/invite"):
        response = post_form(owner_b, path, {"email": "x@example.org"},
                             form_page=f"/c/eg/organisations/{b.id}/members")
        assert response.status_code == 404, path
    assert roles_of(a) == before
    # A facilitator is no owner: the members page is the owner's.
    assert as_person(FACILITATOR_A).get(f"/c/eg/organisations/{a.id}/members").status_code == 404
    page = as_person(FACILITATOR_A).get(f"/c/eg/organisations/{a.id}").get_data(as_text=True)
    assert "Send the organisation’s brief" in page and "Members and invitations" not in page
    assert "Alice Propriétaire" in page and OWNER_A not in page


def test_an_admin_manages_any_organisation(scene, as_person):
    page = as_person(ADMIN).get(f"/c/eg/organisations/{scene.org_b.id}/members")
    assert page.status_code == 200 and "Félix Animateur" in page.get_data(as_text=True)


def test_invitations_are_rate_limited(scene, as_person, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_INVITATION", "2 per hour")
    limiter.reset()
    owner = as_person(OWNER_A)
    statuses = [invite(owner, scene, email=f"p{n}@example.org").status_code for n in range(3)]
    limiter.reset()
    assert statuses == [302, 302, 429]


@pytest.mark.parametrize("path", ["/my-organisations", "/invitations/whatever"])
def test_the_personal_pages_need_an_account(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_my_organisations_lists_every_membership(scene, as_person, make_consultation):
    other = make_consultation("autre")
    db.session.add(Organisation(consultation=other, name="Maison A bis", kind=scene.org_a.kind,
                                members=[Membership(user=scene.people[FACILITATOR_A],
                                                    role=MemberRole.OWNER)]))
    db.session.commit()
    page = as_person(FACILITATOR_A).get("/my-organisations").get_data(as_text=True)
    assert "Maison A" in page and "Maison A bis" in page and "Consultation autre" in page
    assert "Waiting for approval" in page and "Carrefour B" not in page
