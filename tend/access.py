"""Who may see what. Every access decision in Tend is made in this module."""
from functools import wraps

from flask import abort, url_for
from flask_login import current_user, login_required

from models import Role

ROLE_HOMES = {
    Role.CLIENT: "client.today",
    Role.THERAPIST: "care.home",
    Role.CAREGIVER: "care.home",
}


def home_url(user) -> str:
    return url_for(ROLE_HOMES[user.role])


def role_required(*roles: Role):
    """Signed in, and in one of ``roles``; anyone else gets 403 and no data."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


client_required = role_required(Role.CLIENT)
supporter_required = role_required(Role.THERAPIST, Role.CAREGIVER)
