"""Error handlers: the one place domain errors (app/exceptions.py) and HTTP errors become answers:
JSON or HTML as the blueprint's trust policy (app/web/policy.py) says."""
import logging
from contextlib import suppress

from flask import jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.exceptions import AppError
from app.extensions import db
from app.outage import RETRY_AFTER_SECONDS, is_database_unavailable, report_unavailable
from app.web.policy import ErrorFormat, error_format

log = logging.getLogger(__name__)

_ERRCODES = {401: "M_UNAUTHORIZED", 403: "M_FORBIDDEN", 404: "M_NOT_FOUND",
             405: "M_UNRECOGNIZED", 413: "M_TOO_LARGE", 429: "M_LIMIT_EXCEEDED"}


def wants_json() -> bool:
    """JSON when the blueprint's trust policy says so, or for a client that prefers it to HTML."""
    if error_format() is ErrorFormat.JSON:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, errcode: str, message: str):
    if wants_json():
        return jsonify(errcode=errcode, error=message), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(error: AppError):
        db.session.rollback()
        return _respond(error.status, error.errcode, error.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        response = _respond(error.code or 500, _ERRCODES.get(error.code, "M_UNKNOWN"), error.description)
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def handle_database_error(error: SQLAlchemyError):
        if not is_database_unavailable(error):
            return handle_unexpected(error)
        _forget_session()
        report_unavailable(error, "answering 503 (cached picker and media still served)")
        body, status = _respond(503, "M_UNAVAILABLE", "The service is briefly unavailable; please retry shortly.")
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        _forget_session()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "M_UNKNOWN", "Internal server error. It has been logged; please retry later.")


def _forget_session() -> None:
    # Rolling back over a dropped connection fails too; the pool discards that connection and
    # pre-ping replaces it once the database is back, so there is nothing more to do here.
    with suppress(SQLAlchemyError):
        db.session.rollback()
