from flask import Blueprint

bp = Blueprint("events", __name__)

from consult.events import views  # noqa: E402,F401  (registers the routes)
