"""Creators' payouts: the connected account's status, the platform fee, and whether a creator's pack
is for sale. Nothing here commits or calls Stripe (payout_services.py does)."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from app.exceptions import NotForSale
from app.extensions import db
from app.models import ConnectedAccount, Pack, User, utcnow
from app.payments.connect_data import AccountInfo


class PayoutStatus(StrEnum):
    NONE = "none"  # onboarding never started
    PENDING = "pending"  # started; Stripe is still collecting or verifying
    ACTIVE = "active"  # transfers capability active: the creator's packs are for sale
    RESTRICTED = "restricted"  # Stripe needs something (or the account is closed): not for sale


def status_of(account: AccountInfo) -> PayoutStatus:
    """Readiness is the v2 stripe_transfers capability, never charges_enabled/payouts_enabled (v1)."""
    if account.closed:
        return PayoutStatus.RESTRICTED
    if account.transfers_status == "active":
        return PayoutStatus.ACTIVE
    if account.transfers_status in ("restricted", "unsupported"):
        return PayoutStatus.RESTRICTED
    return PayoutStatus.PENDING


def platform_fee(amount: int, *, bps: int, minimum: int) -> int:
    """`bps` basis points of `amount`, rounded half up, at least `minimum`, never more than `amount`.

    Amounts are integers in the currency's minor unit (cents for USD, yen for JPY: Stripe's
    zero-decimal currencies have no smaller unit), so the rounding is to a whole minor unit.
    """
    fee = (amount * bps * 2 + 10_000) // 20_000  # half up, in integers: no float error at .5
    return min(amount, max(fee, minimum))


def account_of(user_id: int | None) -> ConnectedAccount | None:
    if user_id is None:
        return None
    return db.session.scalar(select(ConnectedAccount).where(ConnectedAccount.user_id == user_id))


def payouts_started(user_id: int) -> bool:
    """The creator has started onboarding (the studio requires it to submit a paid pack for review)."""
    return account_of(user_id) is not None


def account_by_stripe_id(account_id: str, *, for_update: bool = False) -> ConnectedAccount | None:
    query = select(ConnectedAccount).where(ConnectedAccount.stripe_account_id == account_id)
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


def sale_destination(pack: Pack) -> str | None:
    """The connected account a sale of `pack` pays, or None for the operator's own packs.

    Raises NotForSale while the creator's transfers capability is not active.
    """
    if pack.creator_id is None:
        return None
    account = account_of(pack.creator_id)
    if account is None or account.status != PayoutStatus.ACTIVE:
        raise NotForSale(f"{pack.name} is not for sale right now: its creator cannot be paid yet.",
                         errcode="ORG.HEXPACK.CREATOR_NOT_PAYABLE")
    return account.stripe_account_id


def store_account(user: User, info: AccountInfo, account: ConnectedAccount | None = None) -> ConnectedAccount:
    """Record what Stripe says about `user`'s account (in the caller's transaction)."""
    if account is None:
        account = ConnectedAccount(user_id=user.id, stripe_account_id=info.id)
        db.session.add(account)
    account.status = status_of(info).value
    account.transfers_status = info.transfers_status
    account.requirements = list(info.requirements)
    account.closed = info.closed
    account.updated_at = utcnow()
    return account


def not_for_sale_now(packs) -> set[int]:
    """Ids of the creators' paid packs among `packs` whose creator cannot be paid right now (one query)."""
    creators = {pack.creator_id for pack in packs if pack.creator_id is not None and not pack.is_free}
    if not creators:
        return set()
    payable = set(db.session.scalars(select(ConnectedAccount.user_id).where(
        ConnectedAccount.user_id.in_(creators), ConnectedAccount.status == PayoutStatus.ACTIVE.value)))
    return {pack.id for pack in packs if pack.creator_id in creators - payable and not pack.is_free}
