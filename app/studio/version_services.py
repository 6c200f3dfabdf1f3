"""Starting a new version of a published studio pack (see versions.py for how it is merged)."""
from __future__ import annotations

from app import audit
from app.exceptions import Conflict
from app.models import Pack, User
from app.studio import rules, versions
from app.studio.services import owned_pack
from app.transactions import transaction


def start_version(user: User, slug: str) -> Pack:
    """A draft copy of the published pack `slug`; Conflict if it is not published or one is open."""
    with transaction():
        live = owned_pack(user, slug)
        if live.status != rules.PUBLISHED or live.version_of_id is not None:
            raise Conflict(f"The pack is {live.status}; only a published pack gets new versions "
                           "(edit a draft or rejected pack directly).")
        pending = versions.open_version(live)
        if pending is not None:
            raise Conflict(f"Version {pending.version} ({pending.slug}) is already open; change that one.")
        version = versions.copy_as_version(live)
        audit.record(user.matrix_id, "pack.version.start", f"pack:{slug}", version=version.version,
                     draft=version.slug)
    return version
