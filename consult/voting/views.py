"""The vote: participants and summit delegates vote on published items, add statements;
results and opinion groups; delegate codes for administrators."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.access import MODERATORS, admin_only, consultation_or_404, may_see_results, public, staff_of
from consult.http_cache import for_visitors
from consult.extensions import db, limit
from consult.parsing import as_id
from consult.models import Consultation, ParticipantCategory, Proposal, VoteValue
from consult.security import mark_private
from consult.voting import bp, services
from consult.voting.forms import DelegateCodeForm, GenerateCodesForm, ProfileForm, StatementForm

VALUES = {"agree": VoteValue.AGREE, "disagree": VoteValue.DISAGREE, "pass": VoteValue.PASS}
#: Items whose tables one page of results shows (the summary above lists them all).
RESULTS_PAGE = 40


def _delegate_key(consultation: Consultation) -> str:
    return f"delegate:{consultation.id}"


def _current_voter(consultation: Consultation, create: bool = False):
    """The person voting: a delegate (by the code entered in this browser) or the
    logged-in participant; None for anyone else."""
    delegate = services.delegate_voter(consultation, session.get(_delegate_key(consultation)))
    if delegate is not None:
        return delegate
    if current_user.is_authenticated:
        return services.voter_for_user(consultation, current_user, create=create)
    return None


@bp.route("/c/<slug>/vote")
@public
def ballot(slug: str):
    """One page of what is put to the vote (each recommendation with its measures), the
    person's votes and how far they are."""
    consultation = consultation_or_404(slug)
    mark_private()
    if consultation.accepts_votes:
        services.sync_proposals(consultation)
    voter = _current_voter(consultation)
    if voter is not None and voter.delegate_code_id is not None:
        order_key = f"delegate-{voter.id}"
    else:
        order_key = f"user-{current_user.id}" if current_user.is_authenticated else None
    page = services.ballot_page(services.ballot_blocks(consultation, voter, order_key),
                                as_id(request.args.get("page")))
    return render_template(
        "voting/ballot.html", consultation=consultation, page=page, voter=voter,
        is_delegate=voter is not None and voter.delegate_code_id is not None,
        values=VALUES)


def _back_to_ballot(slug: str, anchor: str | None = None):
    """Back to the page of the ballot the vote was cast from."""
    return redirect(url_for(".ballot", slug=slug, page=as_id(request.form.get("page")),
                            _anchor=anchor))


@bp.route("/c/<slug>/vote/<int:proposal_id>", methods=["POST"])
@public
def vote(slug: str, proposal_id: int):
    """Agree, disagree or pass on one item; the latest vote counts. Back to the same
    page, at the next item."""
    consultation = consultation_or_404(slug)
    if not current_user.is_authenticated and _current_voter(consultation) is None:
        flash(_("Log in, or enter your delegate code, to vote."), "error")
        return redirect(url_for("accounts.login", next=url_for(".ballot", slug=slug)))
    proposal = services.proposal_or_none(consultation, proposal_id)
    value = VALUES.get(request.form.get("value", ""))
    if proposal is None or value is None:
        flash(_("This item cannot be voted on."), "error")
        return _back_to_ballot(slug)
    try:
        services.cast_vote(consultation, _current_voter(consultation, create=True), proposal, value)
    except services.VotingError as error:
        flash(str(error), "error")
        return _back_to_ballot(slug)
    following = as_id(request.form.get("next"))
    return _back_to_ballot(slug, f"item-{following}" if following else "pages")


@bp.route("/c/<slug>/vote/profile", methods=["GET", "POST"])
@public
def profile(slug: str):
    """The voter's category and region, for the results (both optional)."""
    consultation = consultation_or_404(slug)
    mark_private()
    voter = _current_voter(consultation)
    if voter is None and not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    form = ProfileForm(data={"category": voter.category_id if voter else None,
                             "region": voter.region_id if voter else None},
                       consultation=consultation,
                       with_category=voter is None or voter.delegate_code_id is None)
    if form.validate_on_submit():
        voter = voter or _current_voter(consultation, create=True)
        services.set_profile(voter, form.category.data if "category" in form else None,
                             form.region.data)
        flash(_("Saved."), "success")
        return redirect(url_for(".ballot", slug=slug))
    return render_template("voting/profile.html", consultation=consultation, form=form)


@bp.route("/c/<slug>/delegate", methods=["GET", "POST"])
@public
@limit("RATE_LIMIT_DELEGATE_CODE")
def delegate(slug: str):
    """A summit delegate enters the code printed on their card."""
    consultation = consultation_or_404(slug)
    mark_private()
    form = DelegateCodeForm()
    if form.validate_on_submit():
        try:
            voter = services.redeem_code(consultation, form.code.data)
        except services.VotingError as error:
            form.code.errors.append(str(error))
        else:
            session[_delegate_key(consultation)] = voter.id
            flash(_("Welcome. Your votes count for your category."), "success")
            return redirect(url_for(".ballot", slug=slug))
    return render_template("voting/delegate.html", consultation=consultation, form=form)


@bp.route("/c/<slug>/statements/new", methods=["GET", "POST"])
@public
def new_statement(slug: str):
    """A participant adds a statement of their own; it is moderated before the vote."""
    consultation = consultation_or_404(slug)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    form = StatementForm()
    if form.validate_on_submit():
        try:
            services.submit_statement(consultation, current_user, form.text.data)
        except services.VotingError as error:
            form.text.errors.append(str(error))
        else:
            flash(_("Thank you. Your statement will be put to the vote once a moderator has "
                    "read it."), "success")
            return redirect(url_for(".ballot", slug=slug))
    return render_template("voting/statement.html", consultation=consultation, form=form)


@bp.route("/c/<slug>/results")
@public
@for_visitors
def results(slug: str):
    """Results per item, overall and by category and region; consensus, divisive items
    and opinion groups. Public once the consultation is closed."""
    consultation = consultation_or_404(slug)
    if not may_see_results(consultation):
        return render_template("voting/results_later.html", consultation=consultation)
    mark_private()
    found = services.results_now(consultation)
    if found is None:
        return render_template("voting/results.html", consultation=consultation, results=None)
    pages = max(1, -(-len(found.items) // RESULTS_PAGE))
    page = min(as_id(request.args.get("page", "")) or 1, pages)
    return render_template(
        "voting/results.html", consultation=consultation, results=found, page=page,
        pages=pages, shown=found.items[(page - 1) * RESULTS_PAGE:page * RESULTS_PAGE],
        labels={i.ballot.proposal.id: i.ballot for i in found.items},
        page_of={i.ballot.proposal.id: index // RESULTS_PAGE + 1
                 for index, i in enumerate(found.items)})


@bp.route("/c/<slug>/moderation/statements", methods=["GET", "POST"])
@staff_of(*MODERATORS)
def statements(consultation):
    """Participants' statements waiting for a moderator."""
    mark_private()
    if request.method == "POST":
        chosen = request.form.get("statement", "")
        statement = db.session.get(Proposal, as_id(chosen)) if as_id(chosen) else None
        if statement is None or statement.consultation_id != consultation.id:
            abort(404)
        services.decide_statement(statement, request.form.get("decision") == "publish",
                                  current_user)
        flash(_("Decision recorded."), "success")
        return redirect(url_for(".statements", slug=consultation.slug))
    return render_template("voting/statements.html", consultation=consultation,
                           statements=services.pending_statements(consultation))


@bp.route("/admin/consultations/<slug>/delegate-codes", methods=["GET", "POST"])
@admin_only
def delegate_codes(slug: str):
    """Make a batch of delegate codes for one category, shown once as a sheet to print."""
    consultation = consultation_or_404(slug)
    mark_private()
    form = GenerateCodesForm(consultation=consultation)
    if form.validate_on_submit():
        category = db.session.get(ParticipantCategory, form.category.data)
        if category is None or category.consultation_id != consultation.id:
            abort(404)
        codes = services.generate_codes(consultation, category, form.count.data, current_user)
        return render_template("voting/code_sheet.html", consultation=consultation,
                               category=category, codes=codes)
    return render_template("voting/delegate_codes.html", consultation=consultation, form=form,
                           counts=services.code_counts(consultation),
                           revoke_form=DelegateCodeForm(prefix="revoke"))


@bp.route("/admin/consultations/<slug>/delegate-codes/revoke", methods=["POST"])
@admin_only
def revoke_code(slug: str):
    """Withdraw a code (a lost card): type it as printed."""
    consultation = consultation_or_404(slug)
    form = DelegateCodeForm(prefix="revoke")
    code = services.find_code(consultation, form.code.data or "") if form.validate_on_submit() else None
    if code is None:
        flash(_("No such code in this consultation."), "error")
    else:
        services.revoke_code(code, current_user)
        flash(_("The code is withdrawn; its votes so far still count."), "success")
    return redirect(url_for(".delegate_codes", slug=slug))
