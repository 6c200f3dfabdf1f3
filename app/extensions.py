"""Flask extensions, created unbound and initialised by the app factory."""
from flask import request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


def _client_address() -> str:
    # Behind a proxy, ProxyFix (PROXY_FIX_HOPS) has already put the client's address here.
    return request.remote_addr or "127.0.0.1"


# Storage from RATELIMIT_STORAGE_URI (Redis across instances; memory:// in development and tests).
limiter = Limiter(key_func=_client_address)
