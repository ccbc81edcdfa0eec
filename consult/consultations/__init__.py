from flask import Blueprint

bp = Blueprint("consultations", __name__)

from consult.consultations import figures, views  # noqa: E402,F401  (listeners, routes)
