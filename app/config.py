"""Configuration: defaults, then instance/config.py, then the environment (heaviest)."""
import logging
import os
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# One line per setting read from the environment; README.md documents each of them.
ENV_SETTINGS = {
    "SECRET_KEY": str,  # signs sessions and CSRF tokens; required outside debug/testing
    "DATABASE_URL": str,  # SQLAlchemy URL; postgres:// is accepted (Heroku)
    "DB_POOL_SIZE": int,  # PostgreSQL connections each worker keeps open
    "DB_MAX_OVERFLOW": int,  # ...and may open beyond those under a burst
    "DB_POOL_TIMEOUT": int,  # seconds a request waits for a free connection before a 503
    "PUBLIC_URL": str,  # external base URL, e.g. https://stickers.example.org
    "MEDIA_BASE_URL": str,  # optional CDN base URL in front of /media
    "MEDIA_CACHE_DIR": str,  # local disk cache of stored images (default instance/media)
    "MATRIX_HOMESERVER_URL": str,  # homeserver that hosts published stickers (mxc://)
    "MATRIX_ACCESS_TOKEN": str,  # access token used to upload stickers to that homeserver
    "BOT_DELIVER_AFTER_COMMIT": bool,  # send bot messages right after the commit that queued them
    "MATRIX_SERVER_URLS": str,  # server_name=base_url,... overrides for OpenID validation
    "WIDGET_FRAME_ANCESTORS": str,  # CSP frame-ancestors of the widget pages
    "ELEMENT_ORIGINS": str,  # space-separated Element origins; lets the IM UI talk to Element in Firefox
    "STRIPE_SECRET_KEY": str,  # sk_test_... / sk_live_...; without it paid packs are not for sale
    "STRIPE_WEBHOOK_SECRET": str,  # whsec_...; comma-separated to roll secrets
    "STRIPE_API_BASE": str,  # Stripe API base URL (tests and local development only)
    "STRIPE_ALLOW_PROMOTION_CODES": bool,  # show the promotion-code field in Checkout
    "STRIPE_EVENTS_SECRET": str,  # whsec_... of the thin event destination (POST /stripe/events)
    "STRIPE_CONNECT_WEBHOOK_SECRET": str,  # whsec_... of the Connect webhook endpoint (POST /stripe/connect-webhook)
    "PLATFORM_FEE_BPS": int,  # the platform's fee on a creator's sale, in basis points of the price (1500 = 15 %)
    "PLATFORM_FEE_MIN": int,  # ...and at least this many minor units of the sale's currency
    "RATELIMIT_STORAGE_URI": str,  # e.g. redis://127.0.0.1:6379/0; REDIS_URL, else memory://, by default
    "REDIS_URL": str,  # Heroku's Redis add-on sets it: rate limits shared by every worker and instance
    "RATELIMIT_OPENID": str,  # OpenID token exchanges (IM register, widget session) per client IP
    "RATELIMIT_CHECKOUT_SUCCESS": str,  # /checkout/success page views (each may call Stripe) per client IP
    "RATELIMIT_SIGNIN_LINK": str,  # sign-in link requests (POST /auth/matrix) per client IP
    "RATELIMIT_SIGNIN_TARGET": str,  # ...and per target Matrix ID, whoever asks
    "RATELIMIT_WEB_LOGIN": str,  # one-time web sign-in links asked with a token (POST /api/v1/web-login), per token
    "RATELIMIT_EXPORT": str,  # pack exports to a user's Matrix room (each makes the bot write state), per user
    "SIGNIN_LINK_SECONDS": int,  # how long a sign-in link sent by the bot stays valid
    "ADMIN_MATRIX_IDS": str,  # comma-separated Matrix IDs of the operators (admin: true in /api/v1/me)
    "TOKEN_IDLE_DAYS": int,  # our IM and widget tokens die after this many days without use
    "TOKEN_MAX_DAYS": int,  # ...and this many days after they were issued, used or not
    "RATELIMIT_KEY_PREFIX": str,  # prefix of the counters' keys; several sites may share one Redis
    "PROXY_FIX_HOPS": int,  # number of trusted proxies in front of the app (Heroku: 1)
    "MAX_IMAGE_BYTES": int,  # largest sticker file accepted on import
    "MAX_IMAGE_PIXELS": int,  # largest width*height per frame accepted on import
    "MAX_BODY_BYTES": int,  # largest request body a route accepts unless it declares its own (413)
    "CREATORS": str,  # who may make packs in the studio: open (any signed-in user), invite, closed
    "CREATOR_MATRIX_IDS": str,  # comma-separated Matrix IDs allowed to create when CREATORS=invite
    "CREATOR_MAX_PACKS": int,  # packs one creator may have (any status)
    "CREATOR_MAX_STICKERS": int,  # stickers per creator's pack
    "CREATOR_UPLOAD_BYTES_PER_DAY": int,  # bytes of sticker files one creator may upload per 24 hours
    "CREATOR_SUBMISSIONS_PER_DAY": int,  # submissions for review per creator per 24 hours
    "STORE_CURRENCIES": str,  # comma-separated currencies a creator may price a pack in
    "MAX_PRICE": int,  # highest pack price a creator may set, in minor units of any currency
    "RATELIMIT_REPORT": str,  # pack reports (POST /api/v1/packs/<slug>/report) per user
    "COPYRIGHT_CONTACT": str,  # where takedown notices go (an e-mail address or Matrix ID), shown on /copyright
}

DEV_SECRET_KEY = "dev-only-secret-key"
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")  # Stripe secret and restricted live keys
DEFAULT_PUBLIC_URL = "http://127.0.0.1:{port}"  # right for `make run` on this machine only
LOOPBACK_HOSTS = ("localhost", "::1")  # and 127.0.0.0/8
# Creators' payouts (Stripe Connect): the two extra signing secrets and the platform fee.
PAYOUT_DEFAULTS = dict(STRIPE_EVENTS_SECRET="", STRIPE_CONNECT_WEBHOOK_SECRET="", PLATFORM_FEE_BPS=1500,
                       PLATFORM_FEE_MIN=0)


# The creator studio (app/studio) and pack reports.
STUDIO_DEFAULTS = dict(
    CREATORS="open",
    CREATOR_MATRIX_IDS="",
    CREATOR_MAX_PACKS=20,
    CREATOR_MAX_STICKERS=120,
    CREATOR_UPLOAD_BYTES_PER_DAY=100 * 1024 * 1024,
    CREATOR_SUBMISSIONS_PER_DAY=10,
    STORE_CURRENCIES="usd,eur,gbp",
    MAX_PRICE=10000,
    RATELIMIT_REPORT="5 per minute; 30 per day",
    COPYRIGHT_CONTACT="",
)


def _parse(kind, raw):
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(raw)
    return raw


def normalise_database_url(url: str) -> str:
    """Heroku hands out postgres://; SQLAlchemy wants an explicit driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _defaults(app) -> dict:
    return dict(STUDIO_DEFAULTS,
        SECRET_KEY=DEV_SECRET_KEY,
        DATABASE_URL="sqlite:///" + os.path.join(app.instance_path, "hexpack.sqlite3"),
        DB_POOL_SIZE=4,
        DB_MAX_OVERFLOW=4,
        DB_POOL_TIMEOUT=10,
        PUBLIC_URL="",  # required outside local development (_fail_fast)
        MEDIA_BASE_URL="",
        MEDIA_CACHE_DIR=os.path.join(app.instance_path, "media"),
        MATRIX_HOMESERVER_URL="",
        MATRIX_ACCESS_TOKEN="",
        BOT_DELIVER_AFTER_COMMIT=True,
        MATRIX_SERVER_URLS="",
        # "*" matches only network schemes; Element Desktop's page is vector://vector.
        WIDGET_FRAME_ANCESTORS="* vector:",
        ELEMENT_ORIGINS="",
        STRIPE_SECRET_KEY="",
        STRIPE_WEBHOOK_SECRET="",
        STRIPE_API_BASE="",
        STRIPE_ALLOW_PROMOTION_CODES=False, **PAYOUT_DEFAULTS,
        RATELIMIT_STORAGE_URI="",  # resolved by app.ratelimits: REDIS_URL, else memory://
        REDIS_URL="",
        RATELIMIT_KEY_PREFIX="hexpack",
        RATELIMIT_ENABLED=True,
        RATELIMIT_OPENID="20 per minute; 200 per hour",
        RATELIMIT_CHECKOUT_SUCCESS="10 per minute; 100 per hour",
        RATELIMIT_SIGNIN_LINK="5 per minute; 30 per hour", RATELIMIT_WEB_LOGIN="10 per minute; 100 per day",
        RATELIMIT_SIGNIN_TARGET="3 per 15 minutes; 10 per day", RATELIMIT_EXPORT="10 per minute; 200 per day",
        SIGNIN_LINK_SECONDS=15 * 60, ADMIN_MATRIX_IDS="",
        TOKEN_IDLE_DAYS=90,
        TOKEN_MAX_DAYS=365,
        PROXY_FIX_HOPS=0,
        MAX_IMAGE_BYTES=5 * 1024 * 1024,
        MAX_IMAGE_PIXELS=2048 * 2048,
        MAX_BODY_BYTES=1024 * 1024,  # app/web/bodies.py makes it MAX_CONTENT_LENGTH
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
    )


def load_config(app, test_config=None) -> None:
    """Fill app.config in the documented order."""
    app.config.from_mapping(_defaults(app))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for name, kind in ENV_SETTINGS.items():
            raw = os.environ.get(name)
            if raw not in (None, ""):
                app.config[name] = _parse(kind, raw)
    else:
        app.config.from_mapping(test_config)
    app.config["DATABASE_URL"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    # pre-ping: a worker replaces connections the database dropped (restart, fail-over) by itself.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if app.config["DATABASE_URL"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].update(_postgresql_engine_options(app.config))
    if not app.config["PUBLIC_URL"] and (app.testing or is_development(app)):
        app.config["PUBLIC_URL"] = DEFAULT_PUBLIC_URL.format(port=os.environ.get("PORT", "5000"))
    if not app.config["PUBLIC_URL"].startswith("https://"):
        # A plain-http deployment (local run, tests) cannot keep Secure cookies.
        app.config["SESSION_COOKIE_SECURE"] = False
    _fail_fast(app)


def _postgresql_engine_options(config) -> dict:
    # A gevent worker serves many requests at once: SQLAlchemy's default pool (5 + 10) would make
    # a burst wait 30 s. A request that finds no connection in DB_POOL_TIMEOUT gets a 503
    # (app.outage counts the pool's TimeoutError as the database being unavailable).
    return {
        "connect_args": {"connect_timeout": 5},  # an unreachable server fails a request in seconds (503)
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_MAX_OVERFLOW"],
        "pool_timeout": config["DB_POOL_TIMEOUT"],
    }


def is_development(app) -> bool:
    """A local development run: debug, or HEXPACK_DEV=1 (which `make run` sets on loopback)."""
    return app.debug or os.environ.get("HEXPACK_DEV") == "1"


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


def is_loopback_host(host: str) -> bool:
    """`host` as urlsplit's hostname gives it (lowercase, no port, no brackets)."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def _fail_fast(app) -> None:
    """Refuse to start with settings that would be unsafe in production.

    HEXPACK_DEV=1 (or debug) allows only what a local run needs: the built-in SECRET_KEY and
    a plain-http PUBLIC_URL with a Stripe test key. A live key is never allowed without https.
    """
    if app.testing:
        return
    config = app.config
    stripe_key = config["STRIPE_SECRET_KEY"]
    live = stripe_key.startswith(LIVE_KEY_PREFIXES)
    development = is_development(app)
    if config["SECRET_KEY"] == DEV_SECRET_KEY and (live or not development):
        raise RuntimeError(_secret_key_message(live))
    if not config["PUBLIC_URL"]:
        raise RuntimeError(
            "PUBLIC_URL is not set. Set it to the address users reach this site at, e.g. "
            "PUBLIC_URL=https://stickers.example.org: the sticker picker URL written into users' Matrix "
            "accounts and the terms links are built from it (for a local development run only, "
            "HEXPACK_DEV=1 uses http://127.0.0.1:$PORT)."
        )
    if stripe_key and not config["PUBLIC_URL"].startswith("https://"):
        if live:
            raise RuntimeError(
                "STRIPE_SECRET_KEY is a live key but PUBLIC_URL is not an https:// URL: Stripe would send "
                f"buyers back to {config['PUBLIC_URL']}. Set PUBLIC_URL to this site's public https address, "
                "e.g. PUBLIC_URL=https://stickers.example.org, or use a test key (sk_test_...) for a local run."
            )
        log.warning("Stripe test mode on a plain-http PUBLIC_URL (%s): fine for local development only; "
                    "a live key (sk_live_/rk_live_) needs PUBLIC_URL=https://...", config["PUBLIC_URL"])
    if stripe_key and not config["STRIPE_WEBHOOK_SECRET"]:
        raise RuntimeError(
            "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: payments would never be "
            "confirmed by webhook. Add the endpoint /stripe/webhook in the Stripe Dashboard (or run "
            "`stripe listen --forward-to 127.0.0.1:5000/stripe/webhook` locally) and set "
            "STRIPE_WEBHOOK_SECRET to its signing secret (whsec_...)."
        )


def _secret_key_message(live: bool) -> str:
    fix = "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
    if live:
        return f"SECRET_KEY is not set, and a live Stripe key never runs with the built-in one. Set {fix}"
    return (f"SECRET_KEY is not set. Set it to a long random value, e.g. {fix} "
            "(for a local development run only, HEXPACK_DEV=1 allows the built-in key).")
