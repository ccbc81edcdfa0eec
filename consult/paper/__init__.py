from flask import Blueprint

bp = Blueprint("paper", __name__)

from consult.paper import views  # noqa: E402,F401  (registers the routes)
