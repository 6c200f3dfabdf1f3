"""The catalogue generation: one number in the database that moves with every change to a pack or
its stickers, in the same transaction as the change.

- Revisions: a flush hook sets `Pack.revision` of every pack it sees changed (or whose stickers
  changed) to the new generation. No code path can forget to bump it, and a revision is never
  shared by two packs, so caches keyed by (pack id, revision) never serve one pack's stickers
  for another, even where a database reused a deleted pack's id.
- Other processes: caches marked `catalogue` (app.caching) are emptied when a process sees the
  generation move; it looks at most once per CHECK_INTERVAL (one primary-key read), so a change
  made by any worker or instance shows everywhere within about a second.

The generation row is updated (not inserted) for every change: on PostgreSQL its row lock orders
concurrent pack changes, so a larger generation is always committed after a smaller one.
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session

from app.caching import app_cache, forget_catalogue_caches
from app.extensions import db
from app.models import CatalogueState, Pack, Sticker
from app.outage import is_database_unavailable, report_unavailable

CHECK_INTERVAL = 1.0  # seconds between two looks at the generation, per process
_MOVED = "hexpack.catalogue_moved"  # session.info: this transaction moved the generation
ROW_ID = 1
_STATE = CatalogueState.__table__
_BUMP = (update(_STATE).where(_STATE.c.id == ROW_ID).values(generation=_STATE.c.generation + 1)
         .returning(_STATE.c.generation))
READ_GENERATION = select(_STATE.c.generation).where(_STATE.c.id == ROW_ID)


def bump(connection) -> int:
    """Move the generation by one in the connection's transaction; returns the new value."""
    generation = connection.execute(_BUMP).scalar()
    if generation is None:  # no row yet (an emptied database): start above every stored revision
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        start = select(func.coalesce(func.max(Pack.__table__.c.revision), 0)).scalar_subquery()
        connection.execute(insert(_STATE).values(id=ROW_ID, generation=start)
                           .on_conflict_do_nothing(index_elements=["id"]))
        generation = connection.execute(_BUMP).scalar()
    return generation


def current_generation() -> int | None:
    return db.session.scalar(READ_GENERATION)


# --- the hooks: every ORM write to packs and stickers moves the generation ------------------------
def _stamp_changed_packs(session: Session, _context, _instances) -> None:
    changed, packs = _changes(session)
    if not changed:
        return
    generation = bump(session.connection())
    session.info[_MOVED] = True
    for pack in packs:
        pack.revision = generation


def _changes(session: Session) -> tuple[bool, list[Pack]]:
    """(whether any pack or sticker is written, the packs that outlive this flush and changed)."""
    changed, packs = False, {}
    for obj in list(session.new) + [o for o in session.dirty if session.is_modified(o)] + list(session.deleted):
        if isinstance(obj, Pack):
            changed = True
            if obj not in session.deleted:
                packs[id(obj)] = obj
        elif isinstance(obj, Sticker):
            changed = True
            owner = obj.pack if obj.pack is not None else session.get(Pack, obj.pack_id)
            if owner is not None and owner not in session.deleted:
                packs[id(owner)] = owner
    return changed, list(packs.values())


def _stamp_bulk_writes(state: ORMExecuteState) -> None:
    """`session.execute(update(Pack)...)` skips the flush: move the generation here instead."""
    if not (state.is_update or state.is_delete):
        return
    classes = {mapper.class_ for mapper in state.all_mappers}
    if not classes & {Pack, Sticker}:
        return
    generation = bump(state.session.connection())
    state.session.info[_MOVED] = True
    if state.is_update and state.bind_mapper is not None and state.bind_mapper.class_ is Pack:
        state.statement = state.statement.values(revision=generation)


def _forget_after_a_move(session: Session) -> None:
    """This process forgets its catalogue caches as soon as its own commit moved the generation
    (other processes see the move at their next look), so caches need not forget on every commit."""
    if session.info.pop(_MOVED, False) and has_app_context():
        forget_catalogue_caches()


def _drop_mark(session: Session) -> None:
    session.info.pop(_MOVED, None)


def init_app(_app) -> None:
    """Install the hooks on every session (once per process)."""
    for name, listener in (("before_flush", _stamp_changed_packs), ("do_orm_execute", _stamp_bulk_writes),
                           ("after_commit", _forget_after_a_move), ("after_rollback", _drop_mark)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# --- each process: forget what was built from an older catalogue ----------------------------------
@dataclass
class _Seen:
    generation: int | None = None
    checked_at: float = float("-inf")

    def clear(self) -> None:
        self.generation, self.checked_at = None, float("-inf")


def _seen() -> _Seen:
    return app_cache("packs.generation_seen", _Seen)


def watch() -> None:
    """At most once per CHECK_INTERVAL: read the generation and forget the catalogue caches if it
    moved. During a database outage the caches are kept (they serve the anonymous picker)."""
    seen = _seen()
    if time.monotonic() - seen.checked_at < CHECK_INTERVAL:
        return
    # On the session's connection when the request holds one already: taking a second one per
    # request lets a full pool wait on itself (every request holding one, asking for another).
    in_session = db.session().in_transaction()
    try:
        with nullcontext(db.session.connection()) if in_session else db.engine.connect() as connection:
            generation = connection.execute(READ_GENERATION).scalar()
    except SQLAlchemyError as error:
        if not is_database_unavailable(error):
            raise
        report_unavailable(error, "the picker serves its cached packs")
        seen.checked_at = time.monotonic()
        return
    note(generation)


def note(generation: int | None) -> None:
    """A generation just read from the database: forget the catalogue caches if it moved."""
    seen = _seen()
    seen.checked_at = time.monotonic()
    if generation != seen.generation:
        forget_catalogue_caches()
        seen.generation = generation
