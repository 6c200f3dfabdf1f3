"""Packs a user owns, out to Matrix clients without the widget: MSC2545 room state written by the
Hexpack bot (Cinny, FluffyChat, Nheko), and a zip download for clients that import one."""
