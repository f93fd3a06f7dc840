"""Tend's application factory: reads as a table of contents of the app."""
from pathlib import Path

from flask import Flask

from tend import (assets, cli, database, errors, formatting, i18n, navigation, ops, security,
                  sessions, uploads)
from tend.config import load_settings
from tend.extensions import csrf, db, migrate
from tend.reminders import on_change
from tend.reminders.worker import start_embedded_scheduler

ROOT = Path(__file__).resolve().parent


def create_app(config_overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    # Secrets, keys and the SQLite database live here: readable by this user only.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_mapping(load_settings(app.instance_path, config_overrides))
    register_extensions(app)
    register_blueprints(app)
    errors.init_app(app)
    cli.init_app(app)
    ops.init_app(app)
    start_embedded_scheduler(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    on_change.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    uploads.init_app(app)
    csrf.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    formatting.init_app(app)
    navigation.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    from tend.api import bp as api_bp
    from tend.auth import bp as auth_bp
    from tend.care import bp as care_bp
    from tend.client import bp as client_bp
    from tend.decisions import bp as decisions_bp
    from tend.export import bp as export_bp
    from tend.guided_start import bp as start_bp
    from tend.help import bp as help_bp
    from tend.insights import bp as insights_bp
    from tend.main import bp as main_bp
    from tend.recovery import bp as recovery_bp
    from tend.sharing import bp as sharing_bp
    from tend.reminder_pages import bp as reminders_bp
    from pwa import bp as pwa_bp

    for blueprint in (main_bp, auth_bp, client_bp, insights_bp, care_bp, api_bp, pwa_bp,
                      reminders_bp, decisions_bp, export_bp, recovery_bp, sharing_bp, help_bp,
                      start_bp):
        app.register_blueprint(blueprint)
