"""One place to make test data: pack folders and imported packs, bare pack rows, users with
tokens, grants and orders. Everything goes through the app's real code where a test needs it
(the importer, `packs import`, get_or_create_user, issue_token); bare rows are for tests that
need a pack to exist but no stickers (payments, entitlements)."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from app.auth.tokens import get_or_create_user, issue_token
from app.extensions import db
from app.models import Entitlement, Order, Pack, User
from app.packs.importer import import_path
from tests.support.packs import png_bytes


# --- packs ---------------------------------------------------------------------------------------
def manifest(slug: str = "blobs", *, count: int = 3, files: list[str] | None = None,
             bodies: list[str] | None = None, **fields) -> dict:
    """A pack.json mapping; stickers are "Sticker <n>" unless `bodies` names them."""
    files = files or [f"{index}.png" for index in range(len(bodies) if bodies else count)]
    bodies = bodies or [f"Sticker {index}" for index in range(len(files))]
    data = {
        "name": slug.title(), "slug": slug, "description": "Test pack", "license": "CC0-1.0",
        "attribution": "Hexpack tests",
        "stickers": [{"file": name, "body": body, "emoji": "🙂", "tags": ["test", f"t{index}"]}
                     for index, (name, body) in enumerate(zip(files, bodies))],
    }
    data.update(fields)
    return data


def price(amount: int, currency: str = "usd") -> dict:
    """A manifest's "price" field."""
    return {"amount": amount, "currency": currency}


def write_pack(folder: Path, slug: str = "blobs", *, count: int = 3, bodies: list[str] | None = None,
               images: dict[str, bytes] | None = None, colour=(40, 120, 220), size=(200, 160), **fields) -> Path:
    """A pack folder with pack.json and `count` (or one per body) distinct PNGs, or the given
    name -> bytes images; `fields` (name, price=price(50), author, ...) go into the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    if images is None:
        images = {f"{index}.png": png_bytes(colour, size, label=index)
                  for index in range(len(bodies) if bodies else count)}
    for name, data in images.items():
        (folder / name).write_bytes(data)
    data = manifest(slug, files=list(images), bodies=bodies, **fields)
    (folder / "pack.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def import_folder(folder: Path, *, runner=None) -> Pack:
    """Import a pack folder with the real importer, or with `flask packs import` given a CLI runner."""
    if runner is None:
        import_path(str(folder))
    else:
        result = runner.invoke(args=["packs", "import", str(folder)])
        assert result.exit_code == 0, result.output
    slug = json.loads((Path(folder) / "pack.json").read_text(encoding="utf-8"))["slug"]
    return db.session.scalar(db.select(Pack).where(Pack.slug == slug))


def imported_pack(folder: Path, slug: str = "blobs", *, status: str | None = None, runner=None,
                  **options) -> Pack:
    """write_pack + import_folder; `status` ("draft", "hidden") is set after the import."""
    pack = import_folder(write_pack(folder, slug, **options), runner=runner)
    if status is not None:
        pack.status = status
        db.session.commit()
    return pack


def pack_row(slug: str = "hexes", *, price: int = 500, currency: str = "usd", status: str = "published",
             name: str | None = None, **fields) -> Pack:
    """A pack row without stickers, for tests about selling and granting rather than showing."""
    fields = {"author": "Test Author", "license": "CC-BY-4.0", "attribution": "Drawn for the tests", **fields}
    pack = Pack(slug=slug, name=name or slug.title(), price_amount=price, currency=currency, status=status,
                **fields)
    db.session.add(pack)
    db.session.commit()
    return pack


# --- users and tokens ----------------------------------------------------------------------------
@dataclass
class SignedInUser:
    """A user with one of our bearer tokens: `token` (kind "widget" or "im"), `headers` to send it."""
    user: User
    token: str

    @property
    def matrix_id(self) -> str:
        return self.user.matrix_id

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def user(matrix_id: str = "@alice:example.org") -> User:
    found = get_or_create_user(matrix_id)
    db.session.commit()
    return found


def signed_in_user(matrix_id: str = "@alice:example.org", *, kind: str = "widget") -> SignedInUser:
    """The user and a fresh token: kind "widget" (a picker session) or "im" (a scalar_token)."""
    person = user(matrix_id)
    return SignedInUser(user=person, token=issue_token(user=person, kind=kind))


def grant(owner: User, pack: Pack, source: str = "grant") -> Entitlement:
    entitlement = Entitlement(user_id=owner.id, pack_id=pack.id, source=source)
    db.session.add(entitlement)
    db.session.commit()
    return entitlement


# --- orders --------------------------------------------------------------------------------------
def order(buyer: User, pack: Pack, *, status: str = "pending", public_id: str | None = None,
          amount: int | None = None, currency: str | None = None, **fields) -> Order:
    """An order row as checkout leaves it (`fields`: checkout_session_id, checkout_url, ...)."""
    row = Order(public_id=public_id or "ord_" + secrets.token_hex(12), user_id=buyer.id, pack_id=pack.id,
                amount=pack.price_amount if amount is None else amount, currency=currency or pack.currency,
                status=status, **fields)
    db.session.add(row)
    db.session.commit()
    return row
