"""Reporting a pack (POST /api/v1/packs/<slug>/report, the /packs/<slug>/report form) and /copyright."""
from __future__ import annotations

from flask import current_app, g, jsonify, render_template, request

from app.exceptions import AppError
from app.extensions import limiter
from app.packs.ownership import published_pack
from app.reports.services import report_pack
from app.studio.access import STUDIO_API, STUDIO_PAGE, creator_api, creator_page
from app.web.json_input import json_object
from app.web.policy import PAGE, PolicyBlueprint

bp = PolicyBlueprint("reports", __name__, policy=STUDIO_PAGE)
public = PolicyBlueprint("copyright", __name__, policy=PAGE)
api = PolicyBlueprint("reports_api", __name__, policy=STUDIO_API)
blueprints = (bp, public, api)
REASON_LABELS = {"copyright": "It copies someone's work (copyright)", "offensive": "Offensive or hateful",
                 "spam": "Spam or a scam", "other": "Something else"}


def _reporter() -> str:
    return f"user:{g.user.id}"


def _limit() -> str:
    return current_app.config["RATELIMIT_REPORT"]


@api.post("/api/v1/packs/<slug>/report")
@creator_api
@limiter.limit(_limit, key_func=_reporter, scope="pack-report")
def report(slug: str):
    data = json_object()
    report_pack(g.user, slug, data.get("reason"), data.get("details"))
    return jsonify(received=True), 202


@bp.route("/packs/<slug>/report", methods=["GET", "POST"])
@creator_page
@limiter.limit(_limit, key_func=_reporter, scope="pack-report", methods=["POST"])
def report_page(slug: str):
    pack = published_pack(slug)
    if request.method == "GET":
        return render_template("reports/report.html", pack=pack, reasons=REASON_LABELS, error=None, form={})
    try:
        report_pack(g.user, slug, request.form.get("reason"), request.form.get("details", ""))
    except AppError as error:
        return render_template("reports/report.html", pack=pack, reasons=REASON_LABELS, error=error.message,
                               form=request.form), error.status
    return render_template("reports/thanks.html", pack=pack), 202


@public.get("/copyright")
def copyright_page():
    return render_template("reports/copyright.html", contact=current_app.config["COPYRIGHT_CONTACT"])
