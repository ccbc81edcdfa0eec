from flask import Blueprint

bp = Blueprint("hearings", __name__)

from consult.hearings import views  # noqa: E402,F401  (registers the routes)
