from flask import Blueprint

bp = Blueprint("accounts", __name__)

from consult.accounts import views  # noqa: E402,F401  (registers the routes)
