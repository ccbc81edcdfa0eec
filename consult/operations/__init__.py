from flask import Blueprint

bp = Blueprint("operations", __name__)

from consult.operations import views  # noqa: E402,F401  (registers the routes)
