"""Cartoon face parts, placed around a face centre (cx, cy) at scale k (1.0 fits a hexagon of radius 40)."""
from __future__ import annotations

import math

from PIL import ImageChops

from demo_art.draw import INK, WHITE, Art, arc, drop, heart, rgba, star, union, wave

CHEEK = rgba("#ff6f91")
TONGUE = rgba("#ff7a8a")
MOUTH = rgba("#5a1f33")
TEAR = rgba("#5ecbff")
GOLD = rgba("#ffd23f")
RED = rgba("#ff3b5c")

EYE_DX, EYE_DY, MOUTH_DY = 12.5, -3.0, 9.5


def _eyes(cx, cy, k):
    return ((cx - EYE_DX * k, cy + EYE_DY * k), (cx + EYE_DX * k, cy + EYE_DY * k))


def open_eye(art: Art, x, y, k, look=(0.0, 0.0), big=False):
    rx, ry = (4.4 * k, 5.6 * k) if big else (3.6 * k, 4.8 * k)
    x, y = x + look[0] * k, y + look[1] * k
    art.paint(art.ellipse_mask(x, y, rx, ry), INK)
    art.dot(x - rx * 0.35, y - ry * 0.38, rx * 0.42, WHITE)
    art.dot(x + rx * 0.35, y + ry * 0.35, rx * 0.16, WHITE)


def eyes_open(art: Art, cx, cy, k=1.0, look=(0.0, 0.0), big=False):
    for x, y in _eyes(cx, cy, k):
        open_eye(art, x, y, k, look, big)


def eyes_happy(art: Art, cx, cy, k=1.0):
    """Closed, smiling eyes: ^ ^."""
    for x, y in _eyes(cx, cy, k):
        art.stroke(arc(x, y + 1.5 * k, 4.2 * k, 4.0 * k, 200, 340, 24), width=2.6 * k)


def eyes_closed(art: Art, cx, cy, k=1.0):
    """Relaxed closed eyes, curving down (sleepy, content)."""
    for x, y in _eyes(cx, cy, k):
        art.stroke(arc(x, y - 1.0 * k, 4.2 * k, 3.2 * k, 20, 160, 24), width=2.4 * k)


def eyes_squeezed(art: Art, cx, cy, k=1.0):
    """> <, for laughing hard or crying."""
    (lx, ly), (rx, ry) = _eyes(cx, cy, k)
    art.stroke([(lx - 4 * k, ly - 3.5 * k), (lx + 3.5 * k, ly), (lx - 4 * k, ly + 3.5 * k)], width=2.6 * k)
    art.stroke([(rx + 4 * k, ry - 3.5 * k), (rx - 3.5 * k, ry), (rx + 4 * k, ry + 3.5 * k)], width=2.6 * k)


def eye_wink(art: Art, cx, cy, k=1.0):
    (lx, ly), (rx, ry) = _eyes(cx, cy, k)
    open_eye(art, lx, ly, k)
    art.stroke(arc(rx, ry + 1.5 * k, 4.2 * k, 4.0 * k, 200, 340, 24), width=2.6 * k)


def eyes_hearts(art: Art, cx, cy, k=1.0, size=11.0):
    for x, y in _eyes(cx, cy, k):
        art.shape(art.poly_mask(heart(x, y, size * k)), RED, width=1.8 * k, gloss=0.5)


def eyes_stars(art: Art, cx, cy, k=1.0):
    for x, y in _eyes(cx, cy, k):
        art.shape(art.poly_mask(star(x, y + 0.5 * k, 6.4 * k, 0.5)), GOLD, width=1.8 * k, gloss=0.4)


def eyes_x(art: Art, cx, cy, k=1.0):
    for x, y in _eyes(cx, cy, k):
        d = 3.4 * k
        art.stroke([(x - d, y - d), (x + d, y + d)], width=2.4 * k)
        art.stroke([(x - d, y + d), (x + d, y - d)], width=2.4 * k)


def eyes_spiral(art: Art, cx, cy, k=1.0):
    for index, (x, y) in enumerate(_eyes(cx, cy, k)):
        sign = 1 if index == 0 else -1
        points = [(x + sign * 0.55 * k * t / 2 * math.cos(t), y + 0.55 * k * t / 2 * math.sin(t))
                  for t in (i * 0.2 for i in range(5, 72))]
        art.stroke(points, width=1.6 * k)


def eyes_big_white(art: Art, cx, cy, k=1.0, look=(0.0, 0.0)):
    """Wide eyes with whites and small pupils (shock, fear)."""
    for x, y in _eyes(cx, cy, k):
        art.shape(art.ellipse_mask(x, y, 5.6 * k, 6.6 * k), WHITE, width=2.0 * k)
        open_eye(art, x + look[0] * k, y + 0.5 * k + look[1] * k, k * 0.6)


def eyes_half(art: Art, cx, cy, k=1.0):
    """Heavy-lidded: open eyes with a flat lid line (unimpressed, sleepy)."""
    for x, y in _eyes(cx, cy, k):
        eye = art.ellipse_mask(x, y + 1.4 * k, 3.6 * k, 3.2 * k)
        lid = art.poly_mask([(x - 6 * k, y + 0.6 * k), (x + 6 * k, y + 0.6 * k),
                             (x + 6 * k, y + 8 * k), (x - 6 * k, y + 8 * k)])
        art.paint(ImageChops.multiply(eye, lid), INK)
        art.stroke([(x - 4.8 * k, y + 0.4 * k), (x + 4.8 * k, y + 0.4 * k)], width=2.2 * k)


def sunglasses(art: Art, cx, cy, k=1.0):
    (lx, ly), (rx, ry) = _eyes(cx, cy, k)
    lens = []
    for x, y in ((lx, ly), (rx, ry)):
        lens.append(art.poly_mask([(x - 8 * k, y - 4.5 * k), (x + 7.5 * k, y - 4.5 * k),
                                   (x + 6 * k, y + 3.5 * k), (x + 1 * k, y + 5.5 * k),
                                   (x - 5 * k, y + 5 * k), (x - 7.5 * k, y + 1 * k)]))
    bridge = art.line_mask([(lx + 6 * k, ly - 3.2 * k), (rx - 6 * k, ry - 3.2 * k)], 2.4 * k)
    art.paint(union(*lens, bridge), INK)
    for x, y in ((lx, ly), (rx, ry)):
        art.stroke([(x - 5.2 * k, y - 2.2 * k), (x - 2.2 * k, y - 2.2 * k)], (255, 255, 255, 150), 1.4 * k)


def brows(art: Art, cx, cy, k=1.0, kind="sad"):
    (lx, ly), (rx, ry) = _eyes(cx, cy, k)
    y = ly - 8.5 * k
    tilt = {"sad": -2.6, "angry": 3.2, "raised": -0.8, "worried": -2.0}[kind] * k
    lift = -2.5 * k if kind == "raised" else 0
    art.stroke([(lx - 4.5 * k, y - tilt + lift), (lx + 4 * k, y + tilt + lift)], width=2.4 * k)
    art.stroke([(rx - 4 * k, y + tilt + lift), (rx + 4.5 * k, y - tilt + lift)], width=2.4 * k)


def blush(art: Art, cx, cy, k=1.0, opacity=0.55, size=1.0):
    for x, y in _eyes(cx, cy, k):
        spread = 5.0 if x > cx else -5.0
        art.paint(art.ellipse_mask(x + spread * k, y + 8.5 * k, 4.6 * k * size, 2.6 * k * size), CHEEK, opacity)


def smile(art: Art, cx, cy, k=1.0, width=7.0, depth=5.0):
    art.stroke(arc(cx, cy + (MOUTH_DY - 3) * k, width * k, depth * k, 20, 160, 30), width=2.6 * k)


def frown(art: Art, cx, cy, k=1.0, width=6.0):
    art.stroke(arc(cx, cy + (MOUTH_DY + 4) * k, width * k, 4.0 * k, 205, 335, 30), width=2.6 * k)


def grin(art: Art, cx, cy, k=1.0, width=9.0, depth=8.0, tongue=True):
    """An open D-shaped laughing mouth with a tongue."""
    y = cy + (MOUTH_DY - 2.5) * k
    mouth = art.poly_mask([(cx - width * k, y)] + arc(cx, y, width * k, depth * k, 0, 180, 40)[::-1])
    art.shape(mouth, MOUTH, width=2.4 * k)
    if tongue:
        art.paint(ImageChops.multiply(art.ellipse_mask(cx, y + depth * k, width * 0.55 * k, depth * 0.5 * k),
                                      mouth), TONGUE)


def o_mouth(art: Art, cx, cy, k=1.0, rx=4.0, ry=5.0):
    art.shape(art.ellipse_mask(cx, cy + (MOUTH_DY + 1) * k, rx * k, ry * k), MOUTH, width=2.4 * k)


def flat_mouth(art: Art, cx, cy, k=1.0, width=5.0, offset=0.0):
    y = cy + (MOUTH_DY + 1) * k
    art.stroke([(cx - width * k + offset * k, y), (cx + width * k + offset * k, y + 0.6 * k)], width=2.6 * k)


def wavy_mouth(art: Art, cx, cy, k=1.0, width=8.0):
    art.stroke(wave(cx - width * k, cx + width * k, cy + (MOUTH_DY + 1) * k, 1.4 * k, 2.0), width=2.4 * k)


def cat_mouth(art: Art, cx, cy, k=1.0):
    y = cy + (MOUTH_DY - 1) * k
    art.stroke(arc(cx - 3 * k, y, 3 * k, 3 * k, 0, 180, 20), width=2.4 * k)
    art.stroke(arc(cx + 3 * k, y, 3 * k, 3 * k, 0, 180, 20), width=2.4 * k)


def tongue_out(art: Art, cx, cy, k=1.0):
    y = cy + (MOUTH_DY + 0.5) * k
    art.shape(art.poly_mask([(cx - 0.5 * k, y)] + arc(cx + 2.5 * k, y, 4 * k, 6 * k, 0, 180, 30)),
              TONGUE, width=2.0 * k)
    art.stroke([(cx + 2.5 * k, y + 0.5 * k), (cx + 2.5 * k, y + 3.5 * k)], (200, 60, 80, 255), 1.2 * k)
    art.stroke(arc(cx, y - 3 * k, 8 * k, 3 * k, 20, 160, 30), width=2.6 * k)


def teeth(art: Art, cx, cy, k=1.0, width=9.0):
    y = cy + (MOUTH_DY + 1) * k
    box = [(cx - width * k, y - 3.5 * k), (cx + width * k, y - 3.5 * k),
           (cx + width * k, y + 3.5 * k), (cx - width * k, y + 3.5 * k)]
    art.shape(art.poly_mask(box), WHITE, width=2.2 * k)
    art.stroke([(cx - width * k, y), (cx + width * k, y)], width=1.4 * k)
    for dx in (-width / 2, 0, width / 2):
        art.stroke([(cx + dx * k, y - 3.5 * k), (cx + dx * k, y + 3.5 * k)], width=1.2 * k)


def tear_stream(art: Art, cx, cy, k=1.0, length=22.0):
    for x, y in _eyes(cx, cy, k):
        top = y + 3 * k
        stream = art.line_mask([(x, top), (x + (0.5 if x > cx else -0.5) * k, top + length * k)], 4.4 * k)
        art.shape(stream, (TEAR, rgba("#2fa8ef")), width=1.6 * k, gloss=0.0)


def joy_tears(art: Art, cx, cy, k=1.0):
    for x, y in _eyes(cx, cy, k):
        side = 1 if x > cx else -1
        art.shape(art.poly_mask(drop(x + side * 7.5 * k, y + 4 * k, 9 * k)), TEAR, width=1.6 * k, gloss=0.5)


def sweat(art: Art, x, y, k=1.0):
    art.shape(art.poly_mask(drop(x, y, 11 * k)), (rgba("#bfeeff"), TEAR), width=1.8 * k, gloss=0.6)


def sparkle(art: Art, x, y, size, colour=GOLD, width=1.4):
    art.shape(art.poly_mask(star(x, y, size, 0.28, 4, -90)), colour, width=width)
