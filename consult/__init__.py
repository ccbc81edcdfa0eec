"""Consult: a participatory consultation platform."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, INSTANCE_DIR, Config, config_from_environment
from consult import errors, http_cache, i18n, labels, logs, search, security
from consult.accounts import bp as accounts_bp
from consult.api import bp as api_bp
from consult.cli import consult_cli
from consult.consultations import bp as consultations_bp
from consult.entries import bp as entries_bp
from consult.events import bp as events_bp
from consult.exports import bp as exports_bp
from consult.extensions import babel, csrf, db, limiter, login_manager, migrate
from consult.hearings import bp as hearings_bp
from consult.mail import tasks as mail_tasks  # noqa: F401  (registers the tasks)
from consult.main import bp as main_bp
from consult.moderation import bp as moderation_bp
from consult.operations import bp as operations_bp
from consult.operations import metrics
from consult.organisations import bp as organisations_bp
from consult.paper import bp as paper_bp
from consult.parsing import IdConverter
from consult.privacy import tasks as privacy_tasks  # noqa: F401  (registers the tasks)
from consult.queue import queue
from consult.synthesis import bp as synthesis_bp
from consult.privacy import bp as privacy_bp
from consult.testimonies import bp as testimonies_bp
from consult.voting import bp as voting_bp
from consult.voting import tasks as voting_tasks  # noqa: F401  (registers the tasks)


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the application; `overrides` replace settings (used by the tests)."""
    if config_class is None:
        config_class = config_from_environment()
    logs.install_scrubber()
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if hasattr(config_class, "check"):
        config_class.check(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        # A SQLite file: a few connections kept open (pragmas set once per connection),
        # and as many more as requests arrive at once, so that a request waits only for
        # the database's own lock, never for a free connection while another request
        # holds that lock.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "max_overflow": -1}
    elif not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A pooled connection the server dropped (a restart, a fail-over) is found out
        # and replaced before a request uses it.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": True}
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.url_map.converters["int"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    # First the hooks every request goes through (its id, its clock, the refusals), then
    # the kept pages, answered before the hooks they have no use for (form tokens, limits).
    logs.init_app(app)
    metrics.init_app(app)
    security.init_app(app)
    http_cache.init_app(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True,
        include_object=search.include_object,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.request_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    queue.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    errors.init_app(app)

    app.register_blueprint(main_bp)
    app.register_blueprint(operations_bp)
    app.register_blueprint(accounts_bp, url_prefix="/account")
    app.register_blueprint(privacy_bp, url_prefix="/account/data")
    app.register_blueprint(consultations_bp)
    app.register_blueprint(testimonies_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(synthesis_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(entries_bp)
    app.register_blueprint(paper_bp)
    app.register_blueprint(hearings_bp)

    app.cli.add_command(consult_cli)
    return app
