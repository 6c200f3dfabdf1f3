"""Database models, one module per area; import them from here. Money is integer minor units; times are UTC."""
from app.models.base import utcnow
from app.models.media import Blob
from app.models.users import User, ApiToken, TermsAcceptance, SigninLink
from app.models.packs import Pack, Sticker, PickerPack, Favourite, CatalogueState
from app.models.orders import Order, Entitlement, StripeEvent
from app.models.bot import BotRoom, BotMessage
from app.models.exports import ExportRoom, PackExport
from app.models.audit import AuditEvent
from app.models.payouts import ConnectedAccount, CreatorAdjustment
from app.models.studio import CreatorActivity, PackReport

__all__ = [
    "utcnow",
    "Blob",
    "User",
    "ApiToken",
    "TermsAcceptance",
    "SigninLink",
    "Pack",
    "Sticker",
    "PickerPack",
    "Favourite",
    "CatalogueState",
    "Order",
    "Entitlement",
    "StripeEvent",
    "BotRoom",
    "BotMessage",
    "ExportRoom",
    "PackExport",
    "AuditEvent",
    "ConnectedAccount",
    "CreatorAdjustment",
    "CreatorActivity",
    "PackReport",
]
