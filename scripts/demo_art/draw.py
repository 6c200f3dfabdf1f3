"""A tiny vector-ish toolkit on Pillow: draw at 4x in 100x100 design units, then downscale.

Shapes are built as "L" masks and painted with alpha compositing, so semi-transparent
highlights and shadows blend correctly and no dark fringes appear on transparent pixels.
"""
from __future__ import annotations

import math

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SCALE = 4  # supersampling factor: drawing at 4x and downscaling with Lanczos anti-aliases
INK = (38, 30, 46, 255)  # the outline colour of every character
WHITE = (255, 255, 255, 255)
MARGIN, FRAME = 4.0, 0.92  # design square inside the image: room for the die-cut border and shadow


def rgba(hex_colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha)


def mix(a, b, t: float):
    """Blend two RGBA colours; t=0 gives a, t=1 gives b."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


class Art:
    """One sticker frame: design coordinates run from 0 to 100 on both axes."""

    def __init__(self, size: int = 512):
        self.size = size
        self.px = size * SCALE
        self.img = Image.new("RGBA", (self.px, self.px), (0, 0, 0, 0))
        self.seed = 0  # for drawings with random detail: set per sticker, so output is reproducible

    # -- coordinates and masks -------------------------------------------------------------
    def u(self, value: float) -> float:
        """A length in design units, in pixels."""
        return value * FRAME * self.px / 100

    def p(self, value: float) -> float:
        """A position in design units, in pixels (the design square sits inside a margin)."""
        return (MARGIN + value * FRAME) * self.px / 100

    def design(self, pixels: float) -> float:
        """The inverse of p()."""
        return (pixels * 100 / self.px - MARGIN) / FRAME

    def pts(self, points) -> list[tuple[float, float]]:
        return [(self.p(x), self.p(y)) for x, y in points]

    def blank(self) -> Image.Image:
        return Image.new("L", (self.px, self.px), 0)

    def poly_mask(self, points) -> Image.Image:
        mask = self.blank()
        ImageDraw.Draw(mask).polygon(self.pts(points), fill=255)
        return mask

    def ellipse_mask(self, cx, cy, rx, ry=None) -> Image.Image:
        ry = rx if ry is None else ry
        mask = self.blank()
        box = [self.p(cx - rx), self.p(cy - ry), self.p(cx + rx), self.p(cy + ry)]
        ImageDraw.Draw(mask).ellipse(box, fill=255)
        return mask

    def line_mask(self, points, width: float) -> Image.Image:
        """A polyline with round joins and round caps."""
        mask = self.blank()
        draw = ImageDraw.Draw(mask)
        scaled = self.pts(points)
        w = self.u(width)
        draw.line(scaled, fill=255, width=max(1, round(w)), joint="curve")
        for x, y in (scaled[0], scaled[-1]):
            draw.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=255)
        return mask

    def text_mask(self, text: str, cx: float, cy: float, size: float, bold: float = 0) -> Image.Image:
        mask = self.blank()
        font = font_at(round(self.u(size)))
        ImageDraw.Draw(mask).text((self.p(cx), self.p(cy)), text, font=font, fill=255, anchor="mm",
                                  stroke_width=round(self.u(bold)), stroke_fill=255)
        return mask

    # -- painting -----------------------------------------------------------------------------
    def paint(self, mask: Image.Image, colour, opacity: float = 1.0) -> None:
        layer = Image.new("RGBA", (self.px, self.px), colour[:3] + (255,))
        alpha = mask if colour[3] == 255 and opacity == 1 else mask.point(
            lambda v: round(v * colour[3] / 255 * opacity))
        layer.putalpha(alpha)
        self.img.alpha_composite(layer)

    def gradient(self, mask: Image.Image, top, bottom, y0: float = 0, y1: float = 100) -> None:
        """Fill `mask` with a vertical gradient running from design y0 to y1."""
        column = Image.new("RGBA", (1, self.px))
        a, b = self.p(y0), self.p(y1)
        for y in range(self.px):
            t = min(1.0, max(0.0, (y - a) / max(1.0, b - a)))
            column.putpixel((0, y), mix(top, bottom, t))
        layer = column.resize((self.px, self.px), Image.Resampling.NEAREST)
        layer.putalpha(ImageChops.multiply(layer.getchannel("A"), mask))
        self.img.alpha_composite(layer)

    def shape(self, mask: Image.Image, fill, *, outline=INK, width: float = 2.2,
              shade=None, gloss: float = 0.0) -> None:
        """A filled shape with a centred ink outline, optional bottom shade and gloss."""
        if outline is not None and width:
            self.paint(dilate(mask, self.u(width / 2)), outline)
        if isinstance(fill, tuple) and len(fill) == 2 and isinstance(fill[0], tuple):
            box = mask.getbbox() or (0, 0, self.px, self.px)
            self.gradient(mask, fill[0], fill[1], self.design(box[1]), self.design(box[3]))
        else:
            self.paint(mask, fill)
        if shade is not None:
            self.inner_shade(mask, shade)
        if gloss:
            self.gloss(mask, gloss)

    def inner_shade(self, mask: Image.Image, colour, depth: float = 5, opacity: float = 0.45) -> None:
        """Darken the lower edge of a shape: the mask minus itself moved up."""
        moved = shift(mask, 0, -self.u(depth))
        crescent = ImageChops.subtract(mask, moved).filter(ImageFilter.GaussianBlur(self.u(1.2)))
        self.paint(ImageChops.multiply(crescent, mask), colour, opacity)

    def gloss(self, mask: Image.Image, opacity: float = 0.35) -> None:
        """A soft highlight in the upper left of a shape."""
        box = mask.getbbox()
        if not box:
            return
        x0, y0, x1, y1 = (self.design(v) for v in box)
        w, h = x1 - x0, y1 - y0
        spot = self.ellipse_mask(x0 + w * 0.34, y0 + h * 0.24, w * 0.24, h * 0.12)
        spot = spot.rotate(18, center=(self.p(x0 + w * 0.34), self.p(y0 + h * 0.24)))
        spot = spot.filter(ImageFilter.GaussianBlur(self.u(1.5)))
        self.paint(ImageChops.multiply(spot, mask), WHITE, opacity)

    def label(self, text: str, cx, cy, size, fill=WHITE, outline=INK, width: float = 1.2,
              bold: float = 0) -> None:
        """Text with an ink outline, centred on (cx, cy)."""
        mask = self.text_mask(text, cx, cy, size, bold)
        if outline is not None:
            self.paint(dilate(mask, self.u(width)), outline)
        self.paint(mask, fill)

    def stroke(self, points, colour=INK, width: float = 2.4) -> None:
        self.paint(self.line_mask(points, width), colour)

    def dot(self, cx, cy, r, colour=INK) -> None:
        self.paint(self.ellipse_mask(cx, cy, r), colour)

    # -- output -------------------------------------------------------------------------------
    def finish(self, *, border: float = 2.6, shadow: bool = True) -> Image.Image:
        """Add a white die-cut border and a soft drop shadow, then downscale."""
        alpha = self.img.getchannel("A")
        cut = dilate(alpha, self.u(border))
        base = Image.new("RGBA", (self.px, self.px), (0, 0, 0, 0))
        if shadow:
            drop = shift(cut, 0, self.u(1.6)).filter(ImageFilter.GaussianBlur(self.u(1.4)))
            shade = Image.new("RGBA", (self.px, self.px), (20, 12, 30, 255))
            shade.putalpha(drop.point(lambda v: round(v * 0.32)))
            base.alpha_composite(shade)
        white = Image.new("RGBA", (self.px, self.px), WHITE)
        white.putalpha(cut)
        base.alpha_composite(white)
        base.alpha_composite(self.img)
        return base.resize((self.size, self.size), Image.Resampling.LANCZOS)


def dilate(mask: Image.Image, radius: float) -> Image.Image:
    """Grow a mask by about `radius` pixels (blur, then a low threshold), with round corners."""
    if radius < 1:
        return mask
    blurred = mask.filter(ImageFilter.GaussianBlur(radius / 2))
    return blurred.point(lambda v: 255 if v > 6 else 0).filter(ImageFilter.GaussianBlur(1))


def shift(mask: Image.Image, dx: float, dy: float) -> Image.Image:
    moved = Image.new(mask.mode, mask.size, 0)
    moved.paste(mask, (round(dx), round(dy)))
    return moved


def union(*masks: Image.Image) -> Image.Image:
    result = masks[0]
    for mask in masks[1:]:
        result = ImageChops.lighter(result, mask)
    return result


_fonts: dict[int, ImageFont.FreeTypeFont] = {}
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",)


def font_at(pixels: int):
    """DejaVu Sans Bold when installed (Debian's fonts-dejavu-core), else Pillow's own font."""
    if pixels not in _fonts:
        for path in FONT_FILES:
            try:
                _fonts[pixels] = ImageFont.truetype(path, pixels)
                break
            except OSError:
                continue
        else:
            _fonts[pixels] = ImageFont.load_default(pixels)
    return _fonts[pixels]


# -- shape generators (design units) -------------------------------------------------------------
def rounded_polygon(cx, cy, radius, sides, corner, rotation=-90.0, squash=1.0, steps=10):
    """A regular polygon with rounded corners (Minkowski sum of a smaller polygon and a circle)."""
    inner = radius - corner / math.cos(math.pi / sides)
    points = []
    for i in range(sides):
        angle = math.radians(rotation + i * 360 / sides)
        vx, vy = cx + inner * math.cos(angle), cy + inner * math.sin(angle) * squash
        half = math.pi / sides
        for k in range(steps + 1):
            a = angle - half + 2 * half * k / steps
            points.append((vx + corner * math.cos(a), vy + corner * math.sin(a)))
    return points


def hexagon(cx, cy, radius, corner=6.0, squash=1.0):
    """A pointy-topped hexagon with rounded corners."""
    return rounded_polygon(cx, cy, radius, 6, corner, rotation=-90.0, squash=squash)


def heart(cx, cy, size, tilt=0.0):
    points = []
    for k in range(120):
        t = 2 * math.pi * k / 120
        x = 16 * math.sin(t) ** 3
        y = -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t))
        points.append((x, y))
    return _place(points, cx, cy, size / 32, tilt)


def star(cx, cy, outer, inner_ratio=0.45, points_count=5, rotation=-90.0, corner=0.0):
    points = []
    for k in range(points_count * 2):
        r = outer if k % 2 == 0 else outer * inner_ratio
        a = math.radians(rotation + k * 180 / points_count)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def drop(cx, cy, size):
    """A water drop pointing up, `size` tall."""
    points = []
    for k in range(90):
        t = 2 * math.pi * k / 90
        x = math.sin(t) * (1 - math.cos(t)) * 0.5
        y = -math.cos(t)
        points.append((x, y))
    return [(cx + x * size * 0.62, cy + y * size / 2) for x, y in points]


def arc(cx, cy, rx, ry, start, end, steps=40):
    """Points along an elliptical arc; angles in degrees, 0 = right, 90 = down."""
    return [(cx + rx * math.cos(math.radians(start + (end - start) * k / steps)),
             cy + ry * math.sin(math.radians(start + (end - start) * k / steps)))
            for k in range(steps + 1)]


def wave(x0, x1, y, amplitude, periods, steps=60):
    return [(x0 + (x1 - x0) * k / steps,
             y + amplitude * math.sin(2 * math.pi * periods * k / steps)) for k in range(steps + 1)]


def _place(points, cx, cy, scale, tilt):
    c, s = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
    return [(cx + (x * c - y * s) * scale, cy + (x * s + y * c) * scale) for x, y in points]


def rotate_points(points, cx, cy, degrees):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return [(cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in points]
