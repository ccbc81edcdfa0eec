from flask import Blueprint

bp = Blueprint("entries", __name__)

from consult.entries import views  # noqa: E402,F401  (registers the routes)
