"""Domain exceptions; app/errors.py maps them to HTTP once."""


class AppError(Exception):
    """Base of every error whose message is safe to show to a user."""

    status = 400
    errcode = "M_UNKNOWN"

    def __init__(self, message: str, *, errcode: str | None = None):
        super().__init__(message)
        self.message = message
        if errcode:
            self.errcode = errcode


class InvalidInput(AppError):
    status = 400
    errcode = "M_INVALID_PARAM"


class NotFound(AppError):
    status = 404
    errcode = "M_NOT_FOUND"


class NotAllowed(AppError):
    status = 403
    errcode = "M_FORBIDDEN"


class Unauthorized(AppError):
    status = 401
    errcode = "M_UNKNOWN_TOKEN"


class Conflict(AppError):
    status = 409
    errcode = "M_CONFLICT"


class UpstreamError(AppError):
    """A remote service (homeserver, Stripe) failed or refused."""

    status = 502
    errcode = "M_UNKNOWN"


class ImportFailed(AppError):
    """A pack could not be imported; nothing was written."""


class PaymentError(UpstreamError):
    """Stripe refused a request, or a payment could not be verified against its order."""


class PaymentTimeout(UpstreamError):
    """Stripe did not answer within our time budget (it may still act on the request)."""

    status = 504


class InvalidSignature(AppError):
    """A webhook whose Stripe-Signature does not verify (or whose body is not an event)."""

    status = 400
    errcode = "M_FORBIDDEN"


class NotForSale(AppError):
    """A paid pack while payments are not configured (no STRIPE_SECRET_KEY)."""

    status = 409
    errcode = "ORG.HEXPACK.NOT_FOR_SALE"


class TermsNotSigned(AppError):
    """The user has not accepted the current terms (MSC2140); Element then shows them."""

    status = 403
    errcode = "M_TERMS_NOT_SIGNED"


class InvalidOpenIdToken(AppError):
    """The user's homeserver did not vouch for this OpenID token (unknown, expired, forged)."""

    status = 401
    errcode = "M_UNAUTHORIZED"


class BlockedDestination(AppError):
    """A homeserver name that leads to a private, loopback or link-local address (SSRF guard)."""

    status = 403
    errcode = "M_FORBIDDEN"


class HomeserverTimeout(UpstreamError):
    status = 504


class BotNotConfigured(AppError):
    """The Hexpack bot has no homeserver or token (MATRIX_HOMESERVER_URL, MATRIX_ACCESS_TOKEN)."""

    status = 503
    errcode = "ORG.HEXPACK.BOT_NOT_CONFIGURED"


class BotUnavailable(UpstreamError):
    """The bot's homeserver is down, slow, rate-limiting or refusing the token: retry later.

    `retry_after` (seconds) is the homeserver's own hint, when it gave one.
    """

    status = 503

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class BotRefused(UpstreamError):
    """The bot's homeserver refused this request for good (e.g. no such user): retrying cannot help."""
