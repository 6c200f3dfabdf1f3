"""Response security headers: widget pages may be framed, every other page may not."""
from flask import current_app, request

# The picker (in Element's sticker popover) and the integration manager UI (in Element's dialog).
FRAMEABLE_PREFIX = ("/api/widgets/stickerpicker", "/manager")


def register_security_headers(app) -> None:
    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if "Content-Security-Policy" not in headers:
            if request.path.startswith(FRAMEABLE_PREFIX):
                ancestors = current_app.config["WIDGET_FRAME_ANCESTORS"]
                # No X-Frame-Options here: it has no allow-list and would blank the picker.
                headers["Content-Security-Policy"] = (
                    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
                    f"script-src 'self'; connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'"
                )
            else:
                headers["Content-Security-Policy"] = "frame-ancestors 'none'"
                headers.setdefault("X-Frame-Options", "DENY")
        return response
