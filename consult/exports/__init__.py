from flask import Blueprint

bp = Blueprint("exports", __name__)

from consult.exports import views  # noqa: E402,F401  (registers the routes)
