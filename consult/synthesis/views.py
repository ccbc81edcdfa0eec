"""The public page of the published orientations, recommendations and measures."""
from flask import render_template

from consult.access import consultation_or_404, public
from consult.synthesis import bp, services


@bp.route("/c/<slug>/recommendations")
@public
def recommendations(slug: str):
    """Published orientations, recommendations and measures, with supporting quotes."""
    consultation = consultation_or_404(slug)
    return render_template("synthesis/recommendations.html", consultation=consultation,
                           orientations=services.orientations(consultation, published_only=True))
