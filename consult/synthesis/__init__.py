from flask import Blueprint

bp = Blueprint("synthesis", __name__)

from consult.synthesis import views  # noqa: E402,F401  (registers the routes)
