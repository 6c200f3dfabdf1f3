"""An operator refunds an order through Stripe, with a reason; the pack goes as the webhook takes it.

No transaction is held across the Stripe call. In turn:

1. under the order's row lock: refuse an order that cannot be refunded (409), else record the
   request in the audit log (`order.refund_requested`: the operator and their reason), committed;
2. `refunds.create` for what is left of the order's PaymentIntent, idempotency key
   `refund-admin-<order>`, with parameters that depend on neither who asks nor why: a double click,
   a retry after a timeout or a second operator all get the same one refund;
3. under the lock: apply the refunded Charge with `orders.apply_charge`, the very function the
   `charge.refunded` webhook uses (paid -> refunded by compare-and-set, the entitlement released
   only by the call that made the move) and audit it (`order.refunded`, once).

Whichever of step 3 and Stripe's `charge.refunded` event comes first moves the order and takes the
pack; the other finds it refunded and changes nothing (audit_fulfilment skips a second
`order.refunded`). Stripe refusing or failing leaves the order as it was, with an
`order.refund_failed` line saying why; if Stripe did not answer, the refund may still have been
made, and its webhook then finishes it, while a retry with the same key cannot make a second one.
"""
from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.exceptions import Conflict, InvalidInput, NotFound, PaymentError, UpstreamError
from app.models import Order
from app.payments import orders
from app.payments.creator_refund_services import refund_creator_sale
from app.payments.gateway import StripeGateway, get_gateway
from app.payments.refunds import REFUND_REFUSED
from app.payments.states import OrderStatus, RefundReason, order_for_update
from app.payments.stripe_data import RefundInfo
from app.transactions import transaction

MAX_REASON = 500  # characters
STRIPE_REASON = "requested_by_customer"  # Stripe's refund reasons: duplicate, fraudulent, requested_by_customer
NOT_REFUNDABLE = "ORG.HEXPACK.NOT_REFUNDABLE"
NEVER_PAID = "This order was never paid ({status}): there is nothing to refund."
REFUSALS = {
    OrderStatus.REFUNDED: "This order is already refunded.",
    OrderStatus.DISPUTED: "This order is disputed: the money is held by the dispute. Answer it in the Stripe "
                          "Dashboard; a dispute won makes the order paid (and refundable) again.",
    OrderStatus.PROCESSING: "This payment has not cleared yet (a bank debit): refund it once it is paid.",
    OrderStatus.PENDING: NEVER_PAID,
    OrderStatus.FAILED: NEVER_PAID,
    OrderStatus.EXPIRED: NEVER_PAID,
}


@dataclass(frozen=True)
class RefundResult:
    order_id: str
    status: str  # the order's status now: refunded (or paid with a partial refund, if Stripe says so)
    refund_id: str | None  # Stripe's refund; None when the charge was already refunded (e.g. in the Dashboard)
    amount_refunded: int
    released_here: bool  # this call moved the order and released the pack (else the webhook had)


def refund_refusal(order: Order) -> str | None:
    """Why `order` cannot be refunded by an operator; None if it can."""
    refusal = REFUSALS.get(OrderStatus(order.status))
    if refusal:
        return refusal.format(status=order.status)
    if order.refund_reason == RefundReason.DUPLICATE:
        return ("This duplicate payment is being refunded automatically; Stripe's next delivery of its event "
                "finishes it.")
    if not order.payment_intent_id:
        return ("Nothing was charged for this order (a 100% discount): revoke the pack instead "
                "(flask entitlements revoke).")
    return None


def clean_reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("A reason is required: say why this order is refunded (it goes in the audit log).")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is too long ({len(reason)} characters; at most {MAX_REASON}).")
    return reason


CREATOR_KINDS = {"creator": "creator-attributable: the creator's transfer is reversed and the platform's fee refunded",
                 "goodwill": "platform goodwill: the platform pays the refund, the creator keeps their share"}


def refund_order(public_id: str, *, reason, actor: str, kind: str | None = None) -> RefundResult:
    """Refund the order in full through Stripe and release its pack; call with no transaction open.

    A creator's sale (a destination charge) needs `kind`, "creator" or "goodwill" (CREATOR_KINDS),
    and goes through app.payments.creator_refund_services; `kind` is refused for other orders.
    InvalidInput (no reason, kind missing or out of place), NotFound, Conflict (not refundable: 409),
    PaymentError (Stripe refused: 502), UpstreamError/PaymentTimeout (Stripe unreachable: 502/504;
    retrying is safe).
    """
    reason = clean_reason(reason)
    if _is_creator_sale(public_id, kind):
        return _refund_creator_sale(public_id, reason=reason, actor=actor, kind=kind)
    gateway = get_gateway()
    if gateway is None:
        raise UpstreamError("Payments are not configured on this server (STRIPE_SECRET_KEY): refund it in the "
                            "Stripe Dashboard.")
    intent, charge_id = _request(public_id, reason, actor)
    refund = _refund_at_stripe(gateway, public_id, intent, reason=reason, actor=actor)
    charge = refund.charge
    if charge is None and charge_id:  # already refunded at Stripe, or a refund without its charge
        charge = gateway.retrieve_charge(charge_id)
    if charge is None:
        raise UpstreamError("Stripe did not say which charge it refunded; the charge.refunded webhook will "
                            "record the refund.")
    return _record(public_id, refund, charge, reason=reason, actor=actor)


def _request(public_id: str, reason: str, actor: str) -> tuple[str, str | None]:
    """Check the order can be refunded and audit the request; (payment intent, charge id)."""
    with transaction():
        order = order_for_update(public_id=public_id)
        if order is None:
            raise NotFound(f"There is no order {public_id[:60]!r}.")
        refusal = refund_refusal(order)
        if refusal:
            raise Conflict(refusal, errcode=NOT_REFUNDABLE)
        audit.record(actor, "order.refund_requested", f"order:{public_id}", reason=reason,
                     user=order.user.matrix_id, pack=order.pack.slug, currency=order.currency,
                     amount=order.amount - order.amount_refunded)
        return order.payment_intent_id, order.charge_id


def _refund_at_stripe(gateway: StripeGateway, public_id: str, intent: str, *, reason: str, actor: str) -> RefundInfo:
    try:
        refund = gateway.refund_payment(payment_intent_id=intent, idempotency_key=f"refund-admin-{public_id}",
                                        reason=STRIPE_REASON,
                                        metadata={"order": public_id, "hexpack_reason": RefundReason.ADMIN.value})
    except UpstreamError as error:
        _record_failure(public_id, reason=reason, actor=actor, error=error.message)
        raise
    if refund.status in REFUND_REFUSED:
        why = refund.message or f"the refund is {refund.status}"
        _record_failure(public_id, reason=reason, actor=actor, error=why)
        raise PaymentError(f"Stripe refused the refund: {why} Nothing was changed here; look at the payment in "
                           f"the Stripe Dashboard.")
    return refund


def _record_failure(public_id: str, *, reason: str, actor: str, error: str) -> None:
    with transaction():
        audit.record(actor, "order.refund_failed", f"order:{public_id}", reason=reason, error=error)


def _record(public_id: str, refund: RefundInfo, charge, *, reason: str, actor: str) -> RefundResult:
    """Apply the refunded charge as the webhook does; the first of the two to get here releases the pack."""
    with transaction():
        order = order_for_update(public_id=public_id)
        before = order.status
        result = orders.apply_charge(charge, order)
        released = before != OrderStatus.REFUNDED and order.status == OrderStatus.REFUNDED
        if refund.id and order.status == OrderStatus.REFUNDED and order.refund_reason in (
                None, RefundReason.DUPLICATE_FAILED):
            order.refund_reason = RefundReason.ADMIN.value
        orders.audit_fulfilment(result, actor=actor, reason=reason, refund=refund.id)
        return RefundResult(order_id=public_id, status=order.status, refund_id=refund.id,
                            amount_refunded=order.amount_refunded, released_here=released)


def _is_creator_sale(public_id: str, kind: str | None) -> bool:
    """Whether the order is a creator's sale; its refund needs a kind, and only its refund takes one."""
    with transaction():
        order = order_for_update(public_id=public_id)
        if order is None:
            raise NotFound(f"There is no order {public_id[:60]!r}.")
        creator_sale = bool(order.destination)
    if creator_sale and not (isinstance(kind, str) and kind in CREATOR_KINDS):
        raise InvalidInput('This is a creator\'s sale: say who bears the refund, kind "creator" '
                           '(creator-attributable) or "goodwill" (the platform\'s goodwill).')
    if not creator_sale and kind:
        raise InvalidInput("Only a creator's sale takes a refund kind; this order is the platform's own.")
    return creator_sale


def _refund_creator_sale(public_id: str, *, reason: str, actor: str, kind: str) -> RefundResult:
    with transaction():
        refusal = refund_refusal(order_for_update(public_id=public_id))
    if refusal:
        raise Conflict(refusal, errcode=NOT_REFUNDABLE)
    done = refund_creator_sale(order_id=public_id, kind=kind, reason=reason, actor=actor)
    with transaction():
        order = order_for_update(public_id=public_id)
        return RefundResult(order_id=public_id, status=order.status, refund_id=done.refund_id,
                            amount_refunded=order.amount_refunded,
                            released_here=order.status == OrderStatus.REFUNDED)
