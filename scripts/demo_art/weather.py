"""The "Weather" pack: cheerful weather characters."""
from __future__ import annotations

import math

from PIL import Image, ImageChops

from demo_art import faces as f
from demo_art.draw import WHITE, Art, arc, drop, rgba, rotate_points, rounded_polygon, star, union

SUN = (rgba("#fff07a"), rgba("#ffb627"))
SUN_RAY = (rgba("#ffe14d"), rgba("#ff9f1c"))
CLOUD = (rgba("#ffffff"), rgba("#dce8f5"))
GREY_CLOUD = (rgba("#d5dde8"), rgba("#9aa9bd"))
STORM_CLOUD = (rgba("#9aa3b8"), rgba("#5b6479"))
ICE = (rgba("#eafaff"), rgba("#9fdcf7"))
RAIN = (rgba("#a6e4ff"), rgba("#2f9ae8"))
CLOUD_SHADE = rgba("#8fa6c4")


def sun_disc(art: Art, cx, cy, radius, rays=12, spin=0.0, ray_length=10.0):
    ray_masks = []
    for k in range(rays):
        a = math.radians(spin + k * 360 / rays)
        half = math.radians(180 / rays * 0.55)
        base = radius + 1.5
        tip = radius + ray_length
        ray_masks.append(art.poly_mask([
            (cx + base * math.cos(a - half), cy + base * math.sin(a - half)),
            (cx + tip * math.cos(a), cy + tip * math.sin(a)),
            (cx + base * math.cos(a + half), cy + base * math.sin(a + half)),
        ]))
    art.shape(union(*ray_masks), SUN_RAY, width=2.2)
    art.shape(art.ellipse_mask(cx, cy, radius), SUN, width=2.6, shade=rgba("#f08a00"), gloss=0.45)


def cloud_mask(art: Art, cx, cy, w):
    return union(
        art.ellipse_mask(cx - 0.26 * w, cy + 0.04 * w, 0.2 * w),
        art.ellipse_mask(cx - 0.02 * w, cy - 0.1 * w, 0.27 * w),
        art.ellipse_mask(cx + 0.27 * w, cy + 0.06 * w, 0.18 * w),
        art.line_mask([(cx - 0.3 * w, cy + 0.12 * w), (cx + 0.3 * w, cy + 0.12 * w)], 0.26 * w),
    )


def cloud(art: Art, cx, cy, w, fill=CLOUD, shade=CLOUD_SHADE):
    art.shape(cloud_mask(art, cx, cy, w), fill, width=2.6, shade=shade, gloss=0.5)


def sunny(art: Art):
    sun_disc(art, 50, 50, 27, ray_length=14)
    f.eyes_happy(art, 50, 47, k=0.9)
    f.grin(art, 50, 47, k=0.9, width=8, depth=7)
    f.blush(art, 50, 47, k=0.9)


def partly_cloudy(art: Art):
    sun_disc(art, 62, 36, 21, rays=10, ray_length=10)
    f.eyes_open(art, 62, 33, k=0.6)
    f.smile(art, 62, 33, k=0.6)
    cloud(art, 42, 66, 66)
    f.eyes_closed(art, 41, 67, k=0.75)
    f.smile(art, 41, 66, k=0.75, width=5, depth=3.5)
    f.blush(art, 41, 67, k=0.75)


def cloudy(art: Art):
    cloud(art, 36, 40, 52, fill=GREY_CLOUD, shade=rgba("#6f7f99"))
    cloud(art, 52, 60, 84)
    f.eyes_closed(art, 51, 62)
    f.cat_mouth(art, 51, 62)
    f.blush(art, 51, 62, opacity=0.45)


def rain(art: Art, t: float = 0.0):
    """A grumpy rain cloud; t in [0, 1) moves the drops down."""
    for column, (x, phase) in enumerate(((28, 0.0), (44, 0.5), (60, 0.25), (76, 0.75))):
        y = 62 + ((t + phase) % 1.0) * 32
        opacity = 1.0 if y < 86 else max(0.0, 1 - (y - 86) / 8)
        if opacity > 0.05:
            mask = art.poly_mask(drop(x, y, 11))
            art.shape(mask, RAIN, width=1.8)
    cloud(art, 52, 42, 86, fill=GREY_CLOUD, shade=rgba("#6f7f99"))
    f.brows(art, 51, 44, k=0.95, kind="sad")
    f.eyes_open(art, 51, 44, k=0.95, look=(0, 1))
    f.frown(art, 51, 42, k=0.95)


def thunderstorm(art: Art):
    bolt = [(54, 52), (40, 76), (50, 76), (42, 97), (66, 68), (55, 68), (63, 52)]
    art.shape(art.poly_mask(bolt), (rgba("#fff27a"), rgba("#ffc21a")), width=2.6, gloss=0.4)
    cloud(art, 50, 36, 88, fill=STORM_CLOUD, shade=rgba("#3b4255"))
    f.brows(art, 50, 36, k=0.95, kind="angry")
    f.eyes_open(art, 50, 36, k=0.95)
    f.teeth(art, 50, 34, k=0.85, width=8)
    for x, y in ((18, 66), (80, 78)):
        art.shape(art.poly_mask(drop(x, y, 10)), RAIN, width=1.8)


def snowflake_points(cx, cy, r):
    lines = []
    for k in range(6):
        a = math.radians(-90 + k * 60)
        tip = (cx + r * math.cos(a), cy + r * math.sin(a))
        lines.append([(cx, cy), tip])
        for frac, side in ((0.55, 0.32), (0.8, 0.2)):
            bx, by = cx + r * frac * math.cos(a), cy + r * frac * math.sin(a)
            for turn in (-50, 50):
                b = a + math.radians(turn)
                lines.append([(bx, by), (bx + r * side * math.cos(b), by + r * side * math.sin(b))])
    return lines


def flake(art: Art, cx, cy, r, width):
    mask = union(*(art.line_mask(line, width) for line in snowflake_points(cx, cy, r)))
    art.shape(mask, ICE, width=2.0)


def snow(art: Art):
    for x, y, r in ((28, 78, 8), (52, 88, 7), (74, 76, 8)):
        flake(art, x, y, r, 2.2)
    cloud(art, 50, 40, 86)
    f.eyes_happy(art, 50, 42)
    f.o_mouth(art, 50, 40, rx=3, ry=3.4)
    f.blush(art, 50, 42)


def snowflake(art: Art):
    flake(art, 50, 50, 44, 6.4)
    art.shape(art.poly_mask(rotate_points([(50 + 13 * math.cos(math.radians(a)), 50 + 13 * math.sin(math.radians(a)))
                                           for a in range(0, 360, 60)], 50, 50, 30)), ICE, width=2.2)
    f.eyes_open(art, 50, 49, k=0.5)
    f.smile(art, 50, 48, k=0.5)
    f.sparkle(art, 84, 14, 6, WHITE)
    f.sparkle(art, 16, 84, 5, WHITE)


def rainbow(art: Art):
    colours = ["#ff5a5f", "#ff9f1c", "#ffd23f", "#3fd6a2", "#3a86ff", "#8f5cf7"]
    band = 5.0
    outer = 42.0
    bands = []
    for index, colour in enumerate(colours):
        r = outer - index * band
        ring = ImageChops.subtract(art.ellipse_mask(50, 66, r), art.ellipse_mask(50, 66, r - band))
        bands.append((ring, rgba(colour)))
    top = art.poly_mask([(0, 0), (100, 0), (100, 66), (0, 66)])
    arch = ImageChops.subtract(art.ellipse_mask(50, 66, outer), art.ellipse_mask(50, 66, outer - 6 * band))
    whole = ImageChops.multiply(arch, top)
    art.shape(whole, rgba("#ffffff"), width=2.6)
    for ring, colour in bands:
        art.paint(ImageChops.multiply(ring, top), colour)
    art.gloss(whole, 0.3)
    cloud(art, 22, 68, 38)
    cloud(art, 78, 68, 38)
    f.eyes_happy(art, 22, 70, k=0.5)
    f.eyes_happy(art, 78, 70, k=0.5)
    f.blush(art, 22, 70, k=0.5)
    f.blush(art, 78, 70, k=0.5)


def windy(art: Art):
    cloud(art, 38, 44, 70)
    cx, cy = 36, 46
    f.eyes_closed(art, cx, cy, k=0.85)
    art.shape(art.ellipse_mask(cx + 10, cy + 7, 3.4, 2.8), f.MOUTH, width=2.0)
    f.blush(art, cx, cy, k=0.85, opacity=0.6, size=1.3)
    for y, length, curl in ((38, 26, 1), (50, 34, -1), (62, 22, 1)):
        x0 = 60
        points = [(x0 + k * length / 20, y + 1.5 * math.sin(k / 3)) for k in range(21)]
        end = points[-1]
        points += arc(end[0], end[1] - curl * 4, 4, 4, 90 * curl, 90 * curl - 270 * curl, 20)
        art.stroke(points, rgba("#7fb8e8"), 2.6)


def fog(art: Art):
    cloud(art, 50, 40, 80, fill=GREY_CLOUD, shade=rgba("#6f7f99"))
    f.eyes_half(art, 50, 42)
    f.flat_mouth(art, 50, 40, width=4)
    for y, x0, x1 in ((58, 14, 70), (67, 26, 88), (76, 10, 62), (85, 34, 84)):
        art.shape(art.line_mask([(x0, y), (x1, y)], 5.5), (rgba("#f4f7fb"), rgba("#d2dae6")), width=2.0)


def moon(art: Art):
    disc = art.ellipse_mask(46, 52, 36)
    bite = art.ellipse_mask(66, 40, 30)
    crescent = ImageChops.subtract(disc, bite)
    art.shape(crescent, (rgba("#fff6b8"), rgba("#ffd54a")), width=2.6, shade=rgba("#e0a800"), gloss=0.4)
    art.stroke(arc(28, 54, 4, 3, 20, 160, 20), width=2.2)
    art.stroke(arc(32, 66, 4, 3, 20, 160, 20), width=2.0)
    art.paint(art.ellipse_mask(26, 64, 4, 2.4), f.CHEEK, 0.5)
    for x, y, s in ((72, 64, 7), (86, 46, 5), (66, 84, 4.5)):
        art.shape(art.poly_mask(star(x, y, s, 0.48)), (rgba("#fffbe0"), rgba("#ffd23f")), width=1.6)


def shooting_star(art: Art):
    for offset, colour in ((-6, "#ff9ed2"), (0, "#ffd23f"), (6, "#7ee0ff")):
        art.stroke([(16, 82 + offset * 0.4), (52, 50 + offset * 0.9)], rgba(colour), 4.5)
    s = star(62, 40, 28, 0.5, rotation=-100)
    art.shape(art.poly_mask(s), (rgba("#fff6b0"), rgba("#ffb627")), width=2.6, shade=rgba("#e68a00"), gloss=0.4)
    f.eyes_happy(art, 62, 41, k=0.6)
    f.grin(art, 62, 40, k=0.6, width=7, depth=6)
    f.sparkle(art, 88, 78, 6)


def umbrella(art: Art):
    art.stroke([(50, 40), (50, 80)], rgba("#5b4b3a"), 3.4)
    art.stroke(arc(44, 80, 6, 6, 0, 180, 20), rgba("#5b4b3a"), 3.4)
    dome = ImageChops.multiply(art.ellipse_mask(50, 52, 42, 38), art.poly_mask([(0, 0), (100, 0), (100, 52), (0, 52)]))
    for x in (22, 50, 78):
        dome = ImageChops.subtract(dome, art.ellipse_mask(x, 53, 14, 6))
    art.shape(dome, (rgba("#ff8cc0"), rgba("#e83e8c")), width=2.6, gloss=0.45)
    for x0 in (36, 64):
        art.stroke([(50, 15), (50 + (x0 - 50) * 0.55, 30), (x0, 47)], rgba("#b5266a"), 1.6)
    art.dot(50, 12.5, 2.6)
    for x, y in ((14, 72), (86, 66), (76, 90), (22, 92)):
        art.shape(art.poly_mask(drop(x, y, 9)), RAIN, width=1.8)


def snowman(art: Art):
    art.shape(art.ellipse_mask(50, 72, 24, 22), (rgba("#ffffff"), rgba("#d6e8f7")), width=2.6,
              shade=CLOUD_SHADE, gloss=0.4)
    art.shape(art.ellipse_mask(50, 38, 18), (rgba("#ffffff"), rgba("#d6e8f7")), width=2.6, shade=CLOUD_SHADE,
              gloss=0.4)
    scarf = art.line_mask([(34, 53), (66, 53)], 6)
    art.shape(union(scarf, art.line_mask([(60, 54), (64, 66)], 5)), rgba("#ff5a5f"), width=2.0)
    hat = union(art.poly_mask([(38, 8), (62, 8), (62, 24), (38, 24)]), art.line_mask([(30, 24), (70, 24)], 4))
    art.shape(hat, (rgba("#4a4f5c"), rgba("#2a2d35")), width=2.0)
    f.eyes_open(art, 50, 38, k=0.55)
    art.shape(art.poly_mask([(48, 40), (52, 39.5), (62, 43), (52, 43.5)]), rgba("#ff8c2a"), width=1.4)
    for y in (64, 74, 84):
        art.dot(50, y, 1.8)
    f.blush(art, 50, 38, k=0.6)


def heatwave(art: Art):
    sun_disc(art, 50, 52, 28, rays=14, ray_length=12)
    f.sunglasses(art, 50, 49, k=0.9)
    f.tongue_out(art, 50, 48, k=0.9)
    f.sweat(art, 76, 40, k=0.8)
    f.sweat(art, 24, 44, k=0.6)


def freezing(art: Art):
    cube = art.poly_mask(rounded_polygon(50, 54, 44, 4, 10, rotation=-135, steps=8))
    art.shape(cube, ICE, width=2.6, shade=rgba("#5fb3e0"), gloss=0.8)
    art.stroke([(26, 30), (36, 30)], (255, 255, 255, 200), 2.4)
    f.brows(art, 50, 54, kind="worried")
    f.eyes_open(art, 50, 54)
    f.teeth(art, 50, 52, k=0.9, width=8)
    f.blush(art, 50, 54, opacity=0.35)
    for x, side in ((7, 1), (93, -1)):
        for y in (44, 60):
            art.stroke([(x, y - 4), (x + side * 2, y - 2), (x, y), (x + side * 2, y + 2), (x, y + 4)],
                       rgba("#5fb3e0"), 1.8)
    f.sparkle(art, 84, 12, 6, WHITE)


def tornado(art: Art):
    layers = [(50, 18, 38), (52, 32, 31), (50, 45, 25), (46, 57, 19), (44, 68, 13), (46, 78, 8), (50, 86, 4)]
    masks = [art.ellipse_mask(x, y, w, 6.2) for x, y, w in layers]
    art.shape(union(*masks), GREY_CLOUD, width=2.6, shade=rgba("#6f7f99"))
    for x, y, w in layers[:-2]:
        art.stroke(arc(x, y, w * 0.8, 3, 20, 160, 20), rgba("#7d8ca3"), 1.4)
    f.eyes_spiral(art, 50, 34, k=0.7)
    f.o_mouth(art, 50, 32, k=0.7, rx=3, ry=3.5)


def raindrop(art: Art):
    art.shape(art.poly_mask(drop(50, 52, 84)), RAIN, width=2.6, shade=rgba("#1f6fb8"), gloss=0.6)
    f.eyes_open(art, 50, 58, k=0.85)
    f.smile(art, 50, 58, k=0.85)
    f.blush(art, 50, 58, k=0.85)


def sunrise(art: Art):
    top = art.poly_mask([(0, 0), (100, 0), (100, 64), (0, 64)])
    below = art.img
    art.img = Image.new("RGBA", below.size, (0, 0, 0, 0))
    sun_disc(art, 50, 64, 26, rays=11, spin=-90 + 180 / 11, ray_length=12)
    sun = art.img  # drawn on its own layer, then cut at the horizon
    sun.putalpha(ImageChops.multiply(sun.getchannel("A"), top))
    art.img = below
    art.img.alpha_composite(sun)
    f.eyes_closed(art, 50, 52, k=0.8)
    f.smile(art, 50, 50, k=0.8, width=6, depth=4)
    waves = union(art.line_mask([(10, 67), (90, 67)], 5.5), art.line_mask([(22, 77), (78, 77)], 5),
                  art.line_mask([(34, 86), (66, 86)], 4.5))
    art.shape(waves, (rgba("#7ee0ff"), rgba("#2f9ae8")), width=2.2)


STICKERS = [
    ("sunny", sunny, "Sunny", "☀️", ["sun", "sunny", "hot", "summer", "good morning"]),
    ("partly-cloudy", partly_cloudy, "Partly cloudy", "⛅", ["cloud", "sun", "mild"]),
    ("cloudy", cloudy, "Cloudy", "☁️", ["cloud", "cloudy", "grey", "overcast"]),
    ("rain", rain, "Rain cloud", "🌧️", ["rain", "wet", "sad", "drizzle"]),
    ("thunderstorm", thunderstorm, "Thunderstorm", "⛈️", ["storm", "thunder", "lightning", "angry"]),
    ("snow", snow, "Snowing", "🌨️", ["snow", "winter", "cold"]),
    ("snowflake", snowflake, "Snowflake", "❄️", ["snowflake", "winter", "frozen", "unique"]),
    ("rainbow", rainbow, "Rainbow", "🌈", ["rainbow", "pride", "hope", "colourful"]),
    ("windy", windy, "Windy", "🌬️", ["wind", "windy", "breeze", "blow"]),
    ("fog", fog, "Foggy", "🌫️", ["fog", "mist", "meh", "hazy"]),
    ("moon", moon, "Sleepy moon", "🌙", ["moon", "night", "sleep", "good night"]),
    ("shooting-star", shooting_star, "Shooting star", "🌠", ["star", "wish", "night", "yay"]),
    ("umbrella", umbrella, "Umbrella", "☔", ["umbrella", "rain", "shelter"]),
    ("snowman", snowman, "Snowman", "⛄", ["snowman", "winter", "christmas"]),
    ("heatwave", heatwave, "Heatwave", "🥵", ["hot", "heat", "summer", "melting"]),
    ("freezing", freezing, "Freezing", "🥶", ["cold", "freezing", "ice", "brr"]),
    ("tornado", tornado, "Tornado", "🌪️", ["tornado", "chaos", "spin", "storm"]),
    ("raindrop", raindrop, "Raindrop", "💧", ["drop", "water", "rain"]),
    ("sunrise", sunrise, "Sunrise", "🌅", ["sunrise", "morning", "sunset", "sea"]),
]
ANIMATED = {"rain"}  # drawn as animated GIF
