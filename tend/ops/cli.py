"""``flask check-config``, ``flask backup`` and ``flask restore``."""
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db
from tend.ops import backup as backups
from tend.ops.checks import config_problems


@click.command("check-config")
@with_appcontext
def check_config() -> None:
    """Check this configuration is safe for production; exit 1 and say why if it is not."""
    config = dict(current_app.config, DEBUG=current_app.debug)
    problems = config_problems(config)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Configuration is ready for production.")


@click.command("backup")
@with_appcontext
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the backup (default: tend-<UTC time> in this folder).")
def backup_command(output: Path | None) -> None:
    """Write a consistent snapshot of the database, safe to take while Tend runs."""
    engine = db.engine
    if output is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        output = Path(f"tend-{stamp}{backups.suffix_for(engine.url)}")
    try:
        written = backups.backup(engine, output)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {written}")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Load a backup made by `flask backup` into the empty database DATABASE_URL names."""
    try:
        backups.restore(db.engine, source)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {source}. Run `flask db upgrade` if this code is newer than the backup.")


def init_app(app) -> None:
    for command in (check_config, backup_command, restore_command):
        app.cli.add_command(command)
