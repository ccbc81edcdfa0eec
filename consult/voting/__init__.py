from flask import Blueprint

bp = Blueprint("voting", __name__)

from consult.voting import views  # noqa: E402,F401  (registers the routes)
