"""The paid "Matrix Hex" pack: dark hex tiles with green digital rain, reactions and chat slang."""
from __future__ import annotations

import math
import random

from PIL import ImageChops, ImageFilter

from demo_art import faces as f
from demo_art.draw import INK, WHITE, Art, arc, heart, rgba, rotate_points, rounded_polygon, star, union

GREEN = rgba("#0dbd8b")
GLOW = rgba("#3cf2b0")
TILE = (rgba("#27303a"), rgba("#0b0f14"))
NEON = (rgba("#8dffd2"), rgba("#0dbd8b"))
HOT = (rgba("#ffe27a"), rgba("#ff5a1f"))


def tile(art: Art, seed: int):
    """A flat-topped hex tile with a glowing inner ring and a little digital rain."""
    outer = art.poly_mask(rounded_polygon(50, 50, 48, 6, 7, rotation=0, squash=0.94))
    art.shape(outer, TILE, width=3.0, shade=rgba("#000000"))
    inner = art.poly_mask(rounded_polygon(50, 50, 40, 6, 5, rotation=0, squash=0.94))
    rain = art.blank()
    rng = random.Random(seed)
    for column in range(11):
        x = 14 + column * 7.2 + rng.uniform(-1, 1)
        y = rng.uniform(4, 40)
        for _ in range(rng.randint(3, 7)):
            length = rng.uniform(1.5, 4)
            rain = ImageChops.lighter(rain, art.line_mask([(x, y), (x, y + length)], 1.4))
            y += length + rng.uniform(1.5, 3.5)
    art.paint(ImageChops.multiply(rain, inner), GREEN, 0.22)
    ring = ImageChops.subtract(inner, art.poly_mask(rounded_polygon(50, 50, 38.4, 6, 4.5, rotation=0, squash=0.94)))
    art.paint(ring.filter(ImageFilter.GaussianBlur(art.u(1.6))), GLOW, 0.9)
    art.paint(ring, GREEN)
    art.gloss(outer, 0.12)


def neon_text(art: Art, text: str, size: float, y: float = 50.0, fill=NEON):
    mask = art.text_mask(text, 50, y, size, bold=0.4)
    art.paint(mask.filter(ImageFilter.GaussianBlur(art.u(1.8))), GLOW, 0.8)
    art.shape(mask, fill, width=2.4)


def word(text: str, size: float, fill=NEON):
    def draw(art: Art):
        tile(art, art.seed)
        neon_text(art, text, size, fill=fill)
    return draw


def icon_check(art: Art):
    art.shape(art.line_mask([(31, 51), (44, 64), (70, 35)], 9), NEON, width=2.6)


def icon_cross(art: Art):
    art.shape(union(art.line_mask([(34, 34), (66, 66)], 9), art.line_mask([(34, 66), (66, 34)], 9)),
              (rgba("#ff9aa8"), rgba("#ff3b5c")), width=2.6)


def icon_heart(art: Art):
    mask = art.poly_mask(heart(50, 52, 40))
    art.paint(mask.filter(ImageFilter.GaussianBlur(art.u(2))), rgba("#ff3b5c"), 0.7)
    art.shape(mask, (rgba("#ff8fa3"), rgba("#e8243f")), width=2.6, gloss=0.5)


def icon_fire(art: Art):
    outer = [(50, 20), (60, 34), (68, 30), (72, 48), (70, 64), (60, 76), (40, 76), (30, 64), (28, 48), (36, 36),
             (40, 42)]
    smooth = _smooth(outer, 4)
    art.shape(art.poly_mask(smooth), HOT, width=2.6)
    inner = _smooth([(50, 44), (57, 54), (60, 64), (55, 74), (45, 74), (40, 64), (44, 54)], 4)
    art.shape(art.poly_mask(inner), (rgba("#fff6c2"), rgba("#ffc21a")), width=0)


def _smooth(points, rounds):
    """Chaikin corner cutting: a closed polygon made smooth."""
    for _ in range(rounds):
        result = []
        for i, (x0, y0) in enumerate(points):
            x1, y1 = points[(i + 1) % len(points)]
            result += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1), (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]
        points = result
    return points


def icon_eyes(art: Art):
    for x in (37, 63):
        art.shape(art.ellipse_mask(x, 50, 11, 15), WHITE, width=2.6)
        f.open_eye(art, x - 3, 54, 1.35)


def icon_lock(art: Art):
    shackle = ImageChops.subtract(art.ellipse_mask(50, 42, 14, 15), art.ellipse_mask(50, 42, 8, 9))
    shackle = ImageChops.multiply(shackle, art.poly_mask([(0, 0), (100, 0), (100, 46), (0, 46)]))
    shackle = union(shackle, art.line_mask([(39, 42), (39, 50)], 6), art.line_mask([(61, 42), (61, 50)], 6))
    art.shape(shackle, (rgba("#e0e6ee"), rgba("#9aa6b5")), width=2.4)
    art.shape(art.poly_mask(rounded_polygon(50, 60, 22, 4, 4, rotation=45, squash=0.8)), NEON, width=2.6,
              gloss=0.4)
    art.shape(union(art.ellipse_mask(50, 57, 3.6), art.line_mask([(50, 58), (50, 66)], 3.4)), TILE[1], width=0)


def icon_key(art: Art):
    bow = ImageChops.subtract(art.ellipse_mask(36, 50, 13), art.ellipse_mask(36, 50, 5))
    blade = union(art.line_mask([(46, 50), (74, 50)], 7), art.line_mask([(66, 50), (66, 60)], 6),
                  art.line_mask([(74, 50), (74, 62)], 6))
    art.shape(union(bow, blade), (rgba("#ffe680"), rgba("#ffb627")), width=2.6, gloss=0.4)


def icon_rocket(art: Art):
    angle = 45
    body = _smooth([(50, 16), (60, 32), (60, 62), (40, 62), (40, 32)], 3)
    fins = [(40, 50), (31, 66), (40, 64)], [(60, 50), (69, 66), (60, 64)]
    flame = _smooth([(44, 64), (56, 64), (50, 84)], 3)
    art.shape(art.poly_mask(rotate_points(flame, 50, 50, angle)), HOT, width=2.2)
    for fin in fins:
        art.shape(art.poly_mask(rotate_points(fin, 50, 50, angle)), (rgba("#ff8fa3"), rgba("#e8243f")), width=2.2)
    art.shape(art.poly_mask(rotate_points(body, 50, 50, angle)), (rgba("#ffffff"), rgba("#c9d3df")), width=2.6)
    wx, wy = rotate_points([(50, 38)], 50, 50, angle)[0]
    art.shape(art.ellipse_mask(wx, wy, 5), NEON, width=2.2, gloss=0.6)


def icon_bug(art: Art):
    legs = rgba("#9aa6b5")
    for y, spread in ((46, -8), (56, 0), (66, 8)):
        art.stroke([(36, y), (24, y + spread)], legs, 2.6)
        art.stroke([(64, y), (76, y + spread)], legs, 2.6)
    art.stroke([(45, 34), (38, 24)], legs, 2.4)
    art.stroke([(55, 34), (62, 24)], legs, 2.4)
    art.shape(art.ellipse_mask(50, 38, 10, 8), (rgba("#4b5563"), rgba("#1f2937")), width=2.4)
    art.shape(art.ellipse_mask(50, 58, 16, 19), NEON, width=2.6, gloss=0.4)
    art.stroke([(50, 41), (50, 76)], INK, 2.2)
    for x, y in ((43, 52), (57, 52), (44, 66), (56, 66)):
        art.dot(x, y, 2.2, INK)


def icon_coffee(art: Art):
    cup = art.poly_mask(rounded_polygon(46, 58, 20, 4, 5, rotation=45, squash=0.95))
    handle = ImageChops.subtract(art.ellipse_mask(64, 56, 9), art.ellipse_mask(64, 56, 4.5))
    art.shape(union(cup, handle), (rgba("#ffffff"), rgba("#cfd8e3")), width=2.6, gloss=0.3)
    art.paint(art.ellipse_mask(46, 45.5, 13, 2.6), rgba("#6b3f24"))
    for x in (38, 46, 54):
        art.stroke([(x, 36), (x - 2, 32), (x + 1, 28), (x - 1, 24)], rgba("#8dffd2"), 2.2)


def icon_federation(art: Art):
    nodes = [(50, 30), (30, 64), (70, 64), (50, 52)]
    for a, b in ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)):
        art.stroke([nodes[a], nodes[b]], rgba("#8dffd2"), 2.4)
    for x, y in nodes[:3]:
        art.shape(art.ellipse_mask(x, y, 8), NEON, width=2.4, gloss=0.5)
    art.shape(art.ellipse_mask(50, 52, 5), (rgba("#ffffff"), rgba("#cfd8e3")), width=2.2)


def icon_brackets(art: Art):
    left = [(40, 26), (30, 26), (30, 74), (40, 74)]
    right = [(60, 26), (70, 26), (70, 74), (60, 74)]
    mask = union(art.line_mask(left, 6), art.line_mask(right, 6))
    art.paint(mask.filter(ImageFilter.GaussianBlur(art.u(1.8))), GLOW, 0.8)
    art.shape(mask, NEON, width=2.4)
    for x in (43, 57):
        art.stroke(arc(x, 47, 3, 3, 200, 340, 16), GLOW, 2.4)
    art.stroke(arc(50, 52, 6, 5, 20, 160, 20), GLOW, 2.6)


def icon_party(art: Art):
    tip, mouth, half = (27, 75), (55, 47), 12
    nx, ny = (mouth[1] - tip[1]), -(mouth[0] - tip[0])
    norm = math.hypot(nx, ny)
    a = (mouth[0] + nx / norm * half, mouth[1] + ny / norm * half)
    b = (mouth[0] - nx / norm * half, mouth[1] - ny / norm * half)
    cone = art.poly_mask([tip, a, b])
    art.shape(cone, (rgba("#ffd23f"), rgba("#ff9f1c")), width=2.6)
    for t in (0.35, 0.65):
        p = (tip[0] + (a[0] - tip[0]) * t, tip[1] + (a[1] - tip[1]) * t)
        q = (tip[0] + (b[0] - tip[0]) * t, tip[1] + (b[1] - tip[1]) * t)
        art.paint(ImageChops.multiply(art.line_mask([p, q], 3.4), cone), rgba("#ff3b5c"))
    art.shape(art.ellipse_mask(mouth[0], mouth[1], 4, 4), rgba("#ff9f1c"), width=0)
    pieces = [((62, 26), "#3fd6a2", 20), ((74, 36), "#ff3b5c", -30), ((78, 52), "#5ab8f5", 40),
              ((48, 24), "#a874f2", -15), ((70, 62), "#ffd23f", 10)]
    for (x, y), colour, angle in pieces:
        rect = rotate_points([(x - 3, y - 1.6), (x + 3, y - 1.6), (x + 3, y + 1.6), (x - 3, y + 1.6)], x, y, angle)
        art.shape(art.poly_mask(rect), rgba(colour), width=1.4)
    art.stroke([(58, 42), (62, 36), (66, 38), (70, 32)], rgba("#ff8fa3"), 2.4)
    art.stroke([(60, 50), (66, 48), (68, 53), (75, 50)], rgba("#8dffd2"), 2.4)


def icon_star(art: Art):
    mask = art.poly_mask(star(50, 52, 26, 0.48))
    art.paint(mask.filter(ImageFilter.GaussianBlur(art.u(2))), rgba("#ffd23f"), 0.7)
    art.shape(mask, (rgba("#fff2a8"), rgba("#ffb627")), width=2.6, gloss=0.5)


def icon_wave(art: Art):
    hand = _smooth([(36, 72), (32, 52), (34, 40), (40, 40), (42, 50), (44, 30), (50, 30), (51, 48), (54, 26), (60, 27),
                    (59, 48), (62, 32), (68, 34), (66, 54), (72, 46), (77, 50), (66, 72), (52, 78)], 2)
    art.shape(art.poly_mask(hand), (rgba("#ffe0b8"), rgba("#ffb877")), width=2.6)
    for r in (30, 36):
        art.stroke(arc(50, 52, r, r, -60, -25, 10), rgba("#8dffd2"), 2.4)


def iconic(draw):
    def sticker(art: Art):
        tile(art, art.seed)
        draw(art)
    return sticker


STICKERS = [
    ("plus-one", word("+1", 30), "+1", "👍", ["+1", "agree", "yes", "same"]),
    ("lol", word("LOL", 24), "LOL", "😂", ["lol", "laugh", "funny"]),
    ("gg", word("GG", 30), "GG", "🎮", ["gg", "good game", "well done"]),
    ("brb", word("BRB", 24), "BRB", "🏃", ["brb", "be right back", "away"]),
    ("lgtm", word("LGTM", 19), "LGTM", "✅", ["lgtm", "looks good", "review", "approve"]),
    ("ty", word("TY", 30, fill=(rgba("#ffd6e0"), rgba("#ff6f91"))), "Thank you", "🙏", ["thanks", "ty", "thank you"]),
    ("check", iconic(icon_check), "Done", "✔️", ["done", "check", "ok", "yes"]),
    ("cross", iconic(icon_cross), "Nope", "❌", ["no", "nope", "cross", "wrong"]),
    ("heart", iconic(icon_heart), "Heart", "❤️", ["heart", "love", "like"]),
    ("fire", iconic(icon_fire), "Fire", "🔥", ["fire", "lit", "hot", "great"]),
    ("eyes", iconic(icon_eyes), "Eyes", "👀", ["eyes", "looking", "watching"]),
    ("encrypted", iconic(icon_lock), "End-to-end encrypted", "🔒", ["e2ee", "encrypted", "lock", "secure"]),
    ("key", iconic(icon_key), "Key backup", "🔑", ["key", "backup", "recovery"]),
    ("ship-it", iconic(icon_rocket), "Ship it", "🚀", ["ship it", "rocket", "launch", "deploy"]),
    ("bug", iconic(icon_bug), "Bug", "🐛", ["bug", "broken", "issue"]),
    ("coffee", iconic(icon_coffee), "Coffee", "☕", ["coffee", "break", "morning"]),
    ("federation", iconic(icon_federation), "Federation", "🌐", ["federation", "decentralised", "network"]),
    ("brackets", iconic(icon_brackets), "Happy brackets", "😊", ["brackets", "happy", "matrix"]),
    ("party", iconic(icon_party), "Party", "🎉", ["party", "tada", "celebrate", "congrats"]),
    ("star", iconic(icon_star), "Star", "⭐", ["star", "favourite", "great"]),
    ("wave", iconic(icon_wave), "Hi", "👋", ["hi", "hello", "wave", "bye"]),
]
ANIMATED: set[str] = set()
