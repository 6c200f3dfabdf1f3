"""Admin console: reviewing creators' packs (/admin/review, /api/v1/admin/review and approve/reject)."""
from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, url_for

from app.admin import review_services
from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page
from app.exceptions import AppError
from app.web.json_input import json_object
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_review", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_review_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)


@bp.get("/admin/review")
@admin_page
def review_page():
    return render_template("admin/review.html", queue=review_services.review_queue())


@bp.post("/admin/review/<slug>/approve")
@admin_page
def approve_form(slug: str):
    try:
        approval = review_services.approve_pack(slug, actor=g.admin.matrix_id)
    except AppError as error:
        flash(error.message, "error")
    else:
        flash(_approval_message(approval), "error" if approval.publish_error else "info")
    return redirect(url_for("admin_review.review_page"))


@bp.post("/admin/review/<slug>/reject")
@admin_page
def reject_form(slug: str):
    try:
        review_services.reject_pack(slug, request.form.get("reason", ""), actor=g.admin.matrix_id)
    except AppError as error:
        flash(error.message, "error")
    else:
        flash(f"Rejected {slug}; the creator was told why.", "info")
    return redirect(url_for("admin_review.review_page"))


def _approval_message(approval) -> str:
    text = f"Approved {approval.pack.slug} (version {approval.pack.version}): it is in the store."
    if approval.publish_error:
        return text + f" Uploading its stickers to the homeserver failed ({approval.publish_error}); " \
                      "run `flask packs upload` to retry."
    if approval.published_to_homeserver:
        return text + f" {approval.uploaded} sticker(s) uploaded to the homeserver."
    return text


@api.get("/api/v1/admin/review")
@admin_api
def review_queue():
    return jsonify(packs=[_entry_json(entry) for entry in review_services.review_queue()])


@api.post("/api/v1/admin/packs/<slug>/approve")
@admin_api
def approve(slug: str):
    approval = review_services.approve_pack(slug, actor=g.admin.matrix_id)
    homeserver = {"uploaded": approval.uploaded} if approval.published_to_homeserver else None
    if approval.publish_error:
        homeserver = {"error": approval.publish_error}
    return jsonify(slug=approval.pack.slug, status=approval.pack.status, version=approval.pack.version,
                   homeserver=homeserver)


@api.post("/api/v1/admin/packs/<slug>/reject")
@admin_api
def reject(slug: str):
    pack = review_services.reject_pack(slug, json_object().get("reason"), actor=g.admin.matrix_id)
    return jsonify(slug=slug, status=pack.status, review_note=pack.review_note)


def _entry_json(entry) -> dict:
    pack = entry.pack
    return {"slug": pack.slug, "name": pack.name, "creator": entry.creator,
            "submitted_at": pack.submitted_at.isoformat() if pack.submitted_at else None,
            "version": pack.version, "version_of": pack.version_of.slug if pack.version_of is not None else None,
            "diff": entry.diff, "stickers": len(pack.stickers), "price_amount": pack.price_amount,
            "currency": pack.currency, "license": pack.license, "hints": [hint.as_json() for hint in entry.hints]}
