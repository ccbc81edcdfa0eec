"""Error pages in the person's language; a failed request leaves the session clean."""
import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from consult.extensions import db, login_manager

log = logging.getLogger("consult.errors")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _("This form has expired or was not sent from this site. Please try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            403: _("You are not allowed to do this."),
            404: _("This page does not exist."),
            405: _("This action is not possible here."),
            413: _("What you sent is too large. Attachments may weigh at most %(size)d MB each.",
                   size=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)),
            429: _("Too many attempts. Please wait a moment and try again."),
        }
        message = messages.get(error.code, _("Something went wrong."))
        if request.path.startswith(API_PREFIX):
            return api_error(error.code, message)
        return render_template("errors/error.html", code=error.code, message=message), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """The database could not be reached (a restart, a fail-over): one log line, a
        page asking to try again, and no stack trace."""
        log.error("database unavailable: %s", type(error.orig or error).__name__)
        try:
            db.session.rollback()
        except (OperationalError, InterfaceError):
            pass  # the connection is gone already: nothing was written through it
        # Whoever is logged in cannot be looked up now: the page is drawn for a visitor.
        g.setdefault("_login_user", login_manager.anonymous_user())
        message = _("The site is briefly unavailable. Nothing was saved; please try again "
                    "in a moment.")
        if request.path.startswith(API_PREFIX):
            response = api_error(503, message)
        else:
            response = current_app.make_response(
                (render_template("errors/error.html", code=503, message=message), 503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        message = _("Something went wrong on our side. Nothing was saved; please try again.")
        if request.path.startswith(API_PREFIX):
            return api_error(500, message)
        return render_template("errors/error.html", code=500, message=message), 500


#: Everything under this path answers in JSON, errors included.
API_PREFIX = "/api/"


def api_error(code: int, message: str):
    """An error of the API, as JSON: {"error": {"code": 404, "message": "…"}}."""
    response = jsonify(error={"code": code, "message": str(message)})
    response.status_code = code
    return response
