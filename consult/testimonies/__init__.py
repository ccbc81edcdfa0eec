from flask import Blueprint

bp = Blueprint("testimonies", __name__)

from consult.testimonies import views  # noqa: E402,F401  (registers the routes)
