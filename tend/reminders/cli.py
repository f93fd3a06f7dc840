"""``flask vapid show``, ``flask reminders run`` and ``flask reminders status``."""
import click
from flask import current_app
from flask.cli import AppGroup

from models import db, utcnow
from tend.push.keys import identity, subject_problem
from tend.reminders import outbox, worker

vapid_cli = AppGroup("vapid", help="The server's Web Push (VAPID) identity.")
reminders_cli = AppGroup("reminders", help="Dose reminders: the worker and its status.")


@vapid_cli.command("show")
def vapid_show() -> None:
    """Print the public key browsers subscribe with, and the contact subject."""
    vapid = identity()
    click.echo(f"public key: {vapid.public_key}")
    click.echo(f"subject:    {vapid.subject}")
    problem = subject_problem(vapid.subject)
    if problem:
        click.echo(f"warning:    {problem}", err=True)


@reminders_cli.command("run")
def reminders_run() -> None:
    """Run the reminder worker until SIGTERM (which finishes the sends in flight)."""
    worker.run_forever(current_app._get_current_object())


@reminders_cli.command("status")
def reminders_status() -> None:
    """Due, sent, failed and missed counts, and the oldest due reminder not yet sent."""
    now = utcnow()
    counts = outbox.status_counts(db.session, now)
    oldest = counts.pop("oldest_unsent_due")
    for name, value in counts.items():
        click.echo(f"{name:<10} {value}")
    if oldest is None:
        click.echo("oldest unsent due reminder: none")
    else:
        minutes = (now - oldest).total_seconds() / 60
        click.echo(f"oldest unsent due reminder: due {oldest.isoformat()} "
                   f"({minutes:.0f} min ago)")


def init_app(app) -> None:
    app.cli.add_command(vapid_cli)
    app.cli.add_command(reminders_cli)
