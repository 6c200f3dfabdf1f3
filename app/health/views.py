"""Health check for load balancers and the release phase."""
from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.web.policy import ErrorFormat, PolicyBlueprint, TrustPolicy

bp = PolicyBlueprint("health", __name__, policy=TrustPolicy(errors=ErrorFormat.JSON, cache_control="no-store"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
