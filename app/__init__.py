"""Hexpack: a sticker store and sticker picker widget for Matrix."""
import logging
import os
import sys

from flask import Flask


def create_app(test_config=None) -> Flask:
    """Application factory: wiring only, no I/O side effects."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    from app.config import load_config

    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_logging(app)
    _register_extensions(app)
    from app.web.bodies import register_body_limits
    from app.web.converters import register_converters

    register_body_limits(app)
    register_converters(app)  # before the blueprints: their rules use the converters
    _register_blueprints(app)
    from app.errors import register_error_handlers
    from app.security import register_security_headers
    from app.assets import register_assets
    from app.cli import register_cli

    register_error_handlers(app)
    register_security_headers(app)
    register_assets(app)
    register_cli(app)
    _wrap_middleware(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from app.outage import throttle_logger

    # The pool logs a traceback for each connection it fails to reset while the database is away.
    throttle_logger("sqlalchemy.pool.impl.QueuePool")


def _register_extensions(app: Flask) -> None:
    from app import audit, caching, ratelimits
    from app.bot import services as bot
    from app.exports import services as exports
    from app.extensions import csrf, db, migrate

    db.init_app(app)
    audit.init_app(app)
    caching.init_app(app)
    from app.packs import generation

    generation.init_app(app)
    bot.init_app(app)
    exports.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    ratelimits.init_app(app)
    from app.signin import sessions

    sessions.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.health.views import bp as health_bp
    from app.media.views import bp as media_bp
    from app.library.picker_views import bp as widget_bp

    for blueprint in (health_bp, media_bp, widget_bp):
        app.register_blueprint(blueprint)
    from app.payments.views import api as payments_api_bp
    from app.payments.views import bp as payments_bp
    from app.payments.views import webhook as stripe_webhook_bp
    from app.store.views import api as store_api_bp
    from app.store.views import bp as store_bp

    for blueprint in (payments_bp, payments_api_bp, stripe_webhook_bp, store_bp, store_api_bp):
        app.register_blueprint(blueprint)
    from app.payments.payout_views import blueprints as payout_blueprints

    for blueprint in payout_blueprints:
        app.register_blueprint(blueprint)
    from app.integrations.views import bp as integrations_bp
    from app.integrations.views import terms_bp
    from app.library.views import bp as library_bp
    from app.manager.views import bp as manager_bp

    from app.signin.views import api as signin_api_bp
    from app.signin.views import bp as signin_bp
    from app.signin.views import token_api as signin_token_api_bp
    from app.exports.views import bp as exports_api_bp

    for blueprint in (integrations_bp, terms_bp, library_bp, manager_bp, signin_bp, signin_api_bp,
                      signin_token_api_bp, exports_api_bp):
        app.register_blueprint(blueprint)
    _register_creator_blueprints(app)
    _register_admin_blueprints(app)


def _register_creator_blueprints(app: Flask) -> None:
    from app.reports.views import blueprints as report_blueprints
    from app.studio.page_views import blueprints as studio_page_blueprints
    from app.studio.payout_views import blueprints as studio_payout_blueprints
    from app.studio.views import api as studio_api_bp

    for blueprint in (*studio_page_blueprints, *studio_payout_blueprints, studio_api_bp, *report_blueprints):
        app.register_blueprint(blueprint)


def _register_admin_blueprints(app: Flask) -> None:
    import importlib

    from app.admin import VIEW_MODULES

    for module_name in VIEW_MODULES:
        for blueprint in importlib.import_module(module_name).blueprints:
            app.register_blueprint(blueprint)


def _wrap_middleware(app: Flask) -> None:
    from whitenoise import WhiteNoise

    from app.assets import DIST_DIR, is_immutable_asset

    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_port=hops)
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=DIST_DIR, prefix="static/",
                              immutable_file_test=is_immutable_asset)
    from app.library.picker_views import cached_personal_page
    from app.widget.fast_path import CachedPickerPages

    app.wsgi_app = CachedPickerPages(app.wsgi_app, app, personal_page=cached_personal_page)
    from app.media.files import MediaFiles

    app.wsgi_app = MediaFiles(app.wsgi_app, app.config["MEDIA_CACHE_DIR"])
    from app.security import strict_transport

    app.wsgi_app = strict_transport(app.wsgi_app, app.config["PUBLIC_URL"])
