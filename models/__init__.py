"""All models, imported here so that Alembic and the app see the whole schema."""
from models.account import LoginThrottle, Role, User, UserSession
from models.base import Base, UTCDateTime, db, utcnow

__all__ = ["Base", "LoginThrottle", "Role", "UTCDateTime", "User", "UserSession", "db", "utcnow"]
