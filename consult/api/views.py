"""The public, read-only JSON API: what the public pages show, nothing more.
Described by the OpenAPI document at /api/v1/openapi.json (consult/api/openapi.py)."""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from consult.access import consultation_or_404, public, public_testimony_or_404
from consult.api import bp
from consult.api.openapi import document
from consult.consultations import services as consultations
from consult.errors import api_error
from consult.labels import placeholders_in_language
from consult.parsing import as_id
from consult.models import Channel, Consultation, Testimony
from consult.synthesis import services as synthesis
from consult.testimonies import services as testimonies
from consult.voting import services as voting

#: Public answers may be kept this long by browsers and shared caches.
CACHE_SECONDS = 60


@bp.after_request
def _cacheable(response):
    if response.status_code == 200 and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document(request.host_url.rstrip("/")))


def _consultation(consultation: Consultation) -> dict:
    return {"slug": consultation.slug, "title": consultation.shown_title,
            "description": consultation.description, "phase": consultation.phase.value,
            "phases": {phase.value: _date(start) for phase, start in consultation.phase_dates()}}


def _date(moment) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


@bp.route("/consultations")
@public
def consultation_list():
    """Every public consultation."""
    return jsonify(items=[_consultation(c) for c in consultations.public_consultations()])


@bp.route("/consultations/<slug>")
@public
def consultation(slug: str):
    """One consultation, with its themes, participant categories and regions."""
    found = _public_consultation(slug)
    lists = {kind: [{"id": item.id, "name": item.shown_name} for item in getattr(found, kind)]
             for kind in ("themes", "categories", "regions")}
    return jsonify(**_consultation(found), **lists)


def _public_consultation(slug: str) -> Consultation:
    found = consultation_or_404(slug)
    if not found.is_public:  # drafts are for their staff's pages, never for the API
        raise NotFound()
    return found


def _testimony(testimony: Testimony) -> dict:
    return {"id": testimony.id, "title": placeholders_in_language(testimony.public_title),
            "text": placeholders_in_language(testimony.public_body),
            "author": testimony.public_author_name,
            "themes": [theme.shown_name for theme in testimony.themes],
            "category": testimony.category.shown_name if testimony.category else None,
            "region": testimony.region.shown_name if testimony.region else None,
            "channel": testimony.channel.value, "published_at": _date(testimony.published_at)}


NUMBER_PARAMETERS = ("theme", "category", "region", "cursor")


@bp.route("/consultations/<slug>/testimonies")
@public
def testimony_list(slug: str):
    """Published testimonies, newest first, with the filters and search of the pages;
    `next_cursor` continues the list."""
    found = _public_consultation(slug)
    numbers = {}
    for name in NUMBER_PARAMETERS:
        value = request.args.get(name, "")
        numbers[name] = as_id(value)
        if value and numbers[name] is None:
            return api_error(400, _("%(name)s must be a whole number.", name=name))
    channel = request.args.get("channel", "")
    if channel and channel not in {c.value for c in Channel}:
        return api_error(400, _("Unknown channel."))
    words = request.args.get("q", "")
    if len(words) > 200:
        return api_error(400, _("The search is limited to 200 characters."))
    page = testimonies.public_page(found, testimonies.Filters(
        theme_id=numbers["theme"], category_id=numbers["category"], region_id=numbers["region"],
        channel=Channel(channel) if channel else None, words=words.strip()),
        before=numbers["cursor"])
    return jsonify(items=[_testimony(t) for t in page.items], next_cursor=page.older,
                   page_size=current_app.config["PAGE_SIZE"])


@bp.route("/consultations/<slug>/testimonies/<int:testimony_id>")
@public
def testimony(slug: str, testimony_id: int):
    """One published testimony."""
    return jsonify(_testimony(public_testimony_or_404(_public_consultation(slug), testimony_id)))


@bp.route("/consultations/<slug>/recommendations")
@public
def recommendations(slug: str):
    """Published orientations, recommendations and measures, numbered, with a few quotes
    from published testimonies (their masked text)."""
    found = _public_consultation(slug)
    return jsonify(orientations=[{
        "number": o.number, "title": o.orientation.title, "text": o.orientation.text,
        "recommendations": [{
            "number": r.number, "text": r.recommendation.text,
            "measures": [{"number": m.number, "text": m.measure.text} for m in r.measures],
            "quotes": [{"testimony": q.testimony.id, "text": q.text} for q in r.quotes],
        } for r in o.recommendations],
    } for o in synthesis.orientations(found, published_only=True)])


@bp.route("/consultations/<slug>/results")
@public
def results(slug: str):
    """Vote results per item, overall and by participant category and region, once the
    consultation is closed."""
    found = _public_consultation(slug)
    if not found.is_closed:
        return api_error(404, _("The results of the vote are published when the consultation "
                                "closes."))

    def tally(t):
        return {"agree": t.agree, "disagree": t.disagree, "pass": t.passed, "voters": t.voters}

    stored = voting.results_now(found)
    if stored is None:
        response = api_error(503, _("The results are being computed; try again in a minute."))
        response.headers["Retry-After"] = "60"
        return response
    return jsonify(voters=stored.voters, computed_at=_date(stored.computed_at),
                   items=[{
        "number": item.ballot.number or None, "text": item.ballot.text,
        "overall": tally(item.overall),
        "by_category": {name: tally(t) for name, t in sorted(item.by_category.items())},
        "by_region": {name: tally(t) for name, t in sorted(item.by_region.items())},
        "consensus": item.consensus, "divisive": item.divisive,
    } for item in stored.items])
