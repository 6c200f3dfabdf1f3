"""What the Connect gateway returns: plain frozen dataclasses, no stripe import (see stripe_data.py)."""
from __future__ import annotations

from dataclasses import dataclass

from app.payments.stripe_data import ChargeInfo


@dataclass(frozen=True)
class AccountInfo:
    """A v2 connected account as read from Stripe (with configuration.recipient and requirements)."""

    id: str
    transfers_status: str | None  # active | pending | restricted | unsupported; None if not configured
    requirements: tuple[str, ...]  # descriptions of what Stripe still needs
    closed: bool
    dashboard: str | None


@dataclass(frozen=True)
class ThinEvent:
    """A verified thin event: only a pointer at what changed (fetch it)."""

    id: str
    type: str
    livemode: bool
    related_id: str | None
    related_type: str | None


@dataclass(frozen=True)
class ConnectEvent:
    """A verified snapshot event from the Connect endpoint: about a connected account's own object."""

    id: str
    type: str
    livemode: bool
    account: str | None
    object: dict


@dataclass(frozen=True)
class MoneyMove:
    """A transfer, reversal or fee refund Stripe made: its id and amount."""

    id: str
    amount: int


@dataclass(frozen=True)
class CreatorRefund:
    """A refund of a destination charge and what it took back from the creator."""

    id: str | None
    status: str
    amount: int
    transfer_reversal: MoneyMove | None
    fee_refunded_total: int  # the application fee's amount_refunded after this refund
    charge: ChargeInfo | None  # the charge after the refund


@dataclass(frozen=True)
class TransferState:
    """A transfer as Stripe holds it (for the reconciliation)."""

    id: str
    amount: int
    amount_reversed: int
    destination: str
    source_transaction: str | None
    metadata: dict


@dataclass(frozen=True)
class FeeState:
    id: str
    amount: int
    amount_refunded: int
    charge: str | None
