"""What a signed-in user's picker shows, read with one light query (no ORM objects).

The personal picker runs on every open of Element's sticker popover, so it reads only ids and
revisions: enough to key a cached page (app.widget.page), and nothing is rendered when the key
was seen before. The rules are the library's (app.library.services.library): every published
free pack, plus the packs the user holds a live entitlement for that are published or hidden
from the store; their PickerPack rows order and hide them; the rest follow in catalogue order.
"""
from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, literal_column, null, or_, select, union_all
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload

from app.caching import app_cache
from app.extensions import db
from app.models import Entitlement, Favourite, Pack, PickerPack, Sticker

OWNED_STATUSES = ("published", "hidden")  # an owner keeps a pack the store no longer lists


PACK, FAVOURITE = 0, 1  # the kinds of row _PICKER_ROWS returns


def _usable(where, *joins):
    statement = select(literal_column(str(PACK)).label("kind"), Pack.id, Pack.revision, Pack.position,
                       PickerPack.position.label("pref_position"), PickerPack.visible).select_from(Pack)
    for join in joins:
        statement = statement.join(*join)
    return statement.outerjoin(PickerPack, and_(PickerPack.pack_id == Pack.id,
                                                PickerPack.user_id == bindparam("user_id"))).where(where)


# Built once (statement building costs more than these indexed queries), and one statement, not
# two: each costs more in SQLAlchemy than in the database. Arms of a UNION ALL, so each uses its
# own index (packs by status, entitlements by user, favourites by user) at any size.
# Pack rows: (PACK, id, revision, position, picker position, visible); favourite rows:
# (FAVOURITE, pack id, sticker id, rank from the most recent, NULL, NULL).
_PICKER_ROWS = union_all(
    _usable(and_(Pack.status == "published", Pack.price_amount == 0)),
    _usable(and_(or_(*(Pack.status == status for status in OWNED_STATUSES)),  # no IN: its list is rebuilt per call
                 or_(Pack.status != "published", Pack.price_amount != 0)),  # free ones come from the first arm
            (Entitlement, and_(Entitlement.pack_id == Pack.id, Entitlement.user_id == bindparam("user_id"),
                               Entitlement.revoked_at.is_(None)))),
    select(literal_column(str(FAVOURITE)), Sticker.pack_id, Favourite.sticker_id,
           func.row_number().over(order_by=(Favourite.created_at.desc(), Favourite.id.desc())), null(), null())
    .join(Sticker, Sticker.id == Favourite.sticker_id).where(Favourite.user_id == bindparam("user_id")),
)


class _Usable(NamedTuple):
    """A pack row of _PICKER_ROWS as a plain tuple: a Row's attribute access costs more than the
    rest of picker_contents together."""

    id: int
    revision: int
    position: int
    pref_position: int | None
    visible: bool | None


@dataclass(frozen=True)
class PickerContents:
    keys: list[tuple[int, int]]  # (pack id, revision) of the shown packs, in the user's order
    favourites: list[int]  # starred sticker ids of usable packs, most recent first
    favourite_revisions: tuple[tuple[int, int], ...]  # (pack id, revision) behind the favourites

    @property
    def cache_key(self) -> tuple:
        """Everything the page depends on besides `keys`, theme and media base."""
        return tuple(self.favourites), self.favourite_revisions


def picker_contents(user_id: int, *, connection=None) -> PickerContents:
    # On the session's connection (or the caller's), past the ORM: its per-statement overhead was
    # most of the cost.
    connection = connection or db.session.connection()
    rows, starred = {}, []
    for kind, pack_id, *rest in _picker_rows(connection, user_id):
        if kind == PACK:
            rows[pack_id] = _Usable(pack_id, *rest)
        else:
            starred.append((rest[1], rest[0], pack_id))  # (rank, sticker id, pack id)
    ordered = sorted(rows.values(), key=lambda row: (0, row.pref_position, 0, 0) if row.pref_position is not None
                     else (1, 0, row.position, row.id))
    keys = [(row.id, row.revision) for row in ordered if row.visible is None or row.visible]
    favourites = [(sticker_id, pack_id) for _rank, sticker_id, pack_id in sorted(starred) if pack_id in rows]
    revisions = tuple(sorted({(pack_id, rows[pack_id].revision) for _, pack_id in favourites}))
    return PickerContents(keys=keys, favourites=[sticker_id for sticker_id, _ in favourites],
                          favourite_revisions=revisions)


def _picker_rows(connection, user_id: int) -> list[tuple]:
    """_PICKER_ROWS on the driver's cursor, compiled once per dialect: SQLAlchemy's execution
    (parameters, result set-up) cost as much as the query. Its columns need no conversion; errors
    are raised as SQLAlchemy's, so an outage is still told apart (app.outage)."""
    sql, names, params = _compiled(connection.dialect)
    values = dict(params, user_id=user_id)
    arguments = tuple(values[name] for name in names) if names is not None else values
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, arguments)
        return cursor.fetchall()
    except dbapi_error as error:
        lost = connection.dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate()
        raise DBAPIError.instance(sql, arguments, error, dbapi_error, connection_invalidated=lost) from error
    finally:
        with suppress(dbapi_error):  # on a connection just lost
            cursor.close()


def _compiled(dialect) -> tuple:
    """(SQL, parameter names in order for a positional driver else None, the other parameters' values)."""
    by_dialect = app_cache("library.picker_rows_sql", dict)
    found = by_dialect.get(dialect.name)
    if found is None:
        compiled = _PICKER_ROWS.compile(dialect=dialect)
        names = list(compiled.positiontup) if compiled.positional else None
        found = by_dialect[dialect.name] = (compiled.string, names, compiled.construct_params({"user_id": None}))
    return found


def stickers_in_order(sticker_ids: list[int]) -> list[Sticker]:
    """These stickers (with their packs), in the order of `sticker_ids`."""
    if not sticker_ids:
        return []
    found = {sticker.id: sticker for sticker in db.session.scalars(
        select(Sticker).where(Sticker.id.in_(sticker_ids)).options(selectinload(Sticker.pack)))}
    return [found[sticker_id] for sticker_id in sticker_ids if sticker_id in found]
