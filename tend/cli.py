"""Command-line tasks: ``flask seed-demo``."""
import click
from flask import current_app

from models import db
from models.base import utcnow
from tend import demo
from tend.reminders import cli as reminders_cli


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when there are no accounts yet.")
def seed_demo(if_empty: bool) -> None:
    """Create the demo accounts (or give them new passwords) and print how to sign in."""
    if if_empty and not demo.database_is_empty(db.session):
        click.echo("Demo accounts exist already. Run `.venv/bin/flask seed-demo` to print "
                   "new passwords for them.")
        return
    passwords = demo.create_demo_accounts(db.session, utcnow())
    db.session.commit()
    base_url = current_app.config["TEND_BASE_URL"]
    click.echo(f"\nTend demo accounts (passwords are shown only now) at {base_url}/login")
    for person in demo.DEMO_PEOPLE:
        click.echo(f"  {person.role.value:<10} {person.email:<32} {passwords[person.email]}")
    click.echo("")


def init_app(app) -> None:
    app.cli.add_command(seed_demo)
    reminders_cli.init_app(app)
