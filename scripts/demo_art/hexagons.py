"""The "Hexagons" pack: expressive hexagon characters."""
from __future__ import annotations

import math

from demo_art import faces as f
from demo_art.draw import WHITE, Art, arc, heart, hexagon, rgba, rotate_points, star, union

PALETTES = {
    "sun": ("#ffe98a", "#ffc43d", "#e08a00"),
    "tangerine": ("#ffc27a", "#ff9330", "#d4600b"),
    "rose": ("#ffb3cf", "#ff6fa5", "#d23a76"),
    "grape": ("#d9b8ff", "#a874f2", "#6f3fc0"),
    "mint": ("#a8f5d8", "#3fd6a2", "#13976c"),
    "sky": ("#b8e4ff", "#5ab8f5", "#2a7fc4"),
    "ocean": ("#9fc4ff", "#4d7ff0", "#2b4fb8"),
    "tomato": ("#ff9b8a", "#f2483a", "#b51e1e"),
    "lavender": ("#dcd6ff", "#a99cf0", "#6f61c0"),
    "lime": ("#dcf79a", "#9bd83a", "#5c9a12"),
    "peach": ("#ffd3c2", "#ffa48a", "#e06a55"),
    "sick": ("#d8f0b0", "#a9d66e", "#6f9a34"),
    "teal": ("#9ff0ef", "#2ec5c9", "#138a8f"),
    "magenta": ("#ffb0f0", "#e35bd0", "#a12594"),
}


def body(art: Art, palette: str, cx=50.0, cy=53.0, radius=39.0, squash=1.0, tilt=0.0):
    """The hexagon: gradient fill, ink outline, a darker lower edge and a glossy highlight."""
    top, bottom, shade = (rgba(c) for c in PALETTES[palette])
    points = hexagon(cx, cy, radius, corner=9.0, squash=squash)
    if tilt:
        points = rotate_points(points, cx, cy, tilt)
    art.shape(art.poly_mask(points), (top, bottom), width=2.8, shade=shade, gloss=0.45)


def arm(art: Art, palette: str, shoulder, hand, radius=5.2):
    colour = rgba(PALETTES[palette][1])
    mask = union(art.line_mask([shoulder, hand], 5.5), art.ellipse_mask(hand[0], hand[1], radius))
    art.shape(mask, colour, width=2.4)


def face_centre(cy=53.0):
    return 50.0, cy + 2.0


def hello(art: Art, t: float = 0.0):
    """Waving; t in [0, 1) animates the hand and a little bounce."""
    bob = -1.6 * abs(math.sin(math.pi * 2 * t))
    swing = math.sin(2 * math.pi * t)
    angle = math.radians(-45 + 20 * swing)
    shoulder = (66, 62 + bob)
    hand = (shoulder[0] + 27 * math.cos(angle), shoulder[1] + 27 * math.sin(angle))
    colour = rgba(PALETTES["sun"][1])
    art.shape(art.line_mask([shoulder, hand], 6), colour, width=2.4)
    body(art, "sun", cx=42, cy=58 + bob, radius=35)
    art.shape(union(art.ellipse_mask(hand[0], hand[1], 7.2),
                    art.ellipse_mask(hand[0] - 6.5, hand[1] + 1.5, 3.2, 2.6)), colour, width=2.4)
    cx, cy = 42, 60 + bob
    f.eyes_open(art, cx, cy, k=0.92)
    f.grin(art, cx, cy, k=0.92, width=8, depth=7)
    f.blush(art, cx, cy, k=0.92)
    hx, hy = hand
    for k in range(3):
        a = math.radians(-100 + 34 * k + 10 * swing)
        art.stroke([(hx + 11 * math.cos(a), hy + 11 * math.sin(a)),
                    (hx + 15.5 * math.cos(a), hy + 15.5 * math.sin(a))], width=2.0)


def happy(art: Art):
    body(art, "sun")
    cx, cy = face_centre()
    f.eyes_open(art, cx, cy)
    f.smile(art, cx, cy, width=8, depth=6)
    f.blush(art, cx, cy)


def laughing(art: Art):
    body(art, "tangerine", tilt=-8)
    cx, cy = face_centre()
    f.eyes_squeezed(art, cx, cy)
    f.grin(art, cx, cy, width=11, depth=10)
    f.joy_tears(art, cx, cy)


def love(art: Art):
    body(art, "rose")
    cx, cy = face_centre()
    f.eyes_hearts(art, cx, cy)
    f.smile(art, cx, cy, width=7, depth=5)
    f.blush(art, cx, cy, opacity=0.45)
    art.shape(art.poly_mask(heart(84, 16, 15, tilt=15)), f.RED, width=2.0, gloss=0.5)
    art.shape(art.poly_mask(heart(14, 26, 9, tilt=-15)), f.RED, width=1.8, gloss=0.5)


def wink(art: Art):
    body(art, "grape")
    cx, cy = face_centre()
    f.eye_wink(art, cx, cy)
    f.tongue_out(art, cx, cy)
    f.sparkle(art, 84, 20, 8)


def cool(art: Art):
    body(art, "teal")
    cx, cy = face_centre()
    f.sunglasses(art, cx, cy)
    art.stroke(arc(cx + 2, cy + 5.5, 7, 4, 20, 150, 30), width=2.6)


def sad(art: Art):
    body(art, "sky")
    cx, cy = face_centre(55)
    f.brows(art, cx, cy, kind="sad")
    f.eyes_open(art, cx, cy, look=(0, 1))
    f.frown(art, cx, cy)
    f.sweat(art, 78, 36)


def crying(art: Art):
    body(art, "ocean")
    cx, cy = face_centre()
    f.brows(art, cx, cy, kind="worried")
    f.eyes_squeezed(art, cx, cy)
    f.tear_stream(art, cx, cy, length=24)
    f.grin(art, cx, cy, width=8, depth=6, tongue=False)


def angry(art: Art):
    body(art, "tomato")
    cx, cy = face_centre()
    f.brows(art, cx, cy, kind="angry")
    f.eyes_open(art, cx, cy)
    f.teeth(art, cx, cy)
    anger_mark(art, 83, 17, 9)


def anger_mark(art: Art, cx, cy, size):
    """The comic "vein" mark: four curved corners around a centre."""
    pieces = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        ox, oy = cx + sx * size * 0.85, cy + sy * size * 0.85
        start = math.degrees(math.atan2(-sy, -sx)) - 50
        pieces.append(art.line_mask(arc(ox, oy, size * 0.6, size * 0.6, start, start + 100, 16), size * 0.32))
    art.shape(union(*pieces), (rgba("#ff6b6b"), rgba("#e11d48")), width=1.8)


def surprised(art: Art):
    body(art, "sun")
    cx, cy = face_centre()
    f.brows(art, cx, cy, kind="raised")
    f.eyes_big_white(art, cx, cy)
    f.o_mouth(art, cx, cy, rx=4.2, ry=5.5)
    for x, y, a in ((10, 30, 200), (90, 30, -20), (50, 7, 270)):
        art.stroke([(x, y), (x + 6 * math.cos(math.radians(a)), y + 6 * math.sin(math.radians(a)))], width=2.2)


def sleepy(art: Art):
    body(art, "lavender")
    cx, cy = face_centre()
    f.eyes_closed(art, cx, cy)
    f.o_mouth(art, cx, cy, rx=2.6, ry=2.8)
    f.blush(art, cx, cy, opacity=0.35)
    art.shape(art.ellipse_mask(78, 60, 5.5), (rgba("#e8fbff"), rgba("#bfe9ff")), width=1.8, gloss=0.6)
    for x, y, size in ((76, 22, 12), (86, 12, 9), (94, 4, 7)):
        art.label("z", x, y, size, width=1.0)


def thinking(art: Art):
    body(art, "mint", cx=46, cy=57, radius=37)
    cx, cy = 46, 59
    f.brows(art, cx, cy, kind="raised")
    f.eyes_open(art, cx, cy, look=(2, -1.5))
    f.flat_mouth(art, cx, cy, width=4, offset=2)
    for x, y, r in ((78, 30, 2.2), (83, 22, 3.2)):
        art.shape(art.ellipse_mask(x, y, r), WHITE, width=1.6)
    cloud = union(art.ellipse_mask(86, 9, 8), art.ellipse_mask(78, 10, 6), art.ellipse_mask(93, 12, 5.5),
                  art.ellipse_mask(84, 14, 6.5))
    art.shape(cloud, WHITE, width=1.8)
    art.label("?", 85.5, 10.5, 13, fill=rgba("#13976c"), outline=None, bold=0.3)


def party(art: Art):
    body(art, "magenta", cy=56)
    cx, cy = face_centre(56)
    f.eyes_happy(art, cx, cy)
    f.grin(art, cx, cy, width=8, depth=7)
    f.blush(art, cx, cy)
    hat = art.poly_mask([(60, 0 + 4), (48, 24), (74, 22)])
    art.shape(hat, (rgba("#7ee0ff"), rgba("#2f9bf0")), width=2.2)
    for y in (11, 17):
        art.stroke([(55 - (y - 4) * 0.1, y), (67 - (y - 4) * 0.1, y - 1)], rgba("#ffd23f"), 2.0)
    art.shape(art.ellipse_mask(60, 4, 3.4), f.GOLD, width=1.8)
    colours = ["#ff3b5c", "#3fd6a2", "#ffd23f", "#5ab8f5", "#a874f2"]
    for index, (x, y, a) in enumerate(((14, 18, 20), (24, 8, -30), (86, 30, 40), (90, 14, -10), (34, 4, 60))):
        rect = [(-2.2, -1.1), (2.2, -1.1), (2.2, 1.1), (-2.2, 1.1)]
        points = rotate_points([(x + px, y + py) for px, py in rect], x, y, a)
        art.shape(art.poly_mask(points), rgba(colours[index]), width=1.2)


def shy(art: Art):
    body(art, "peach")
    cx, cy = face_centre()
    f.eyes_open(art, cx, cy, look=(0, 2))
    f.cat_mouth(art, cx, cy)
    f.blush(art, cx, cy, opacity=0.75, size=1.25)
    for x in (30, 34, 66, 70):
        art.stroke([(x, 66), (x - 1.4, 69.5)], rgba("#e0506e"), 1.1)


def dizzy(art: Art):
    body(art, "lime", tilt=10)
    cx, cy = face_centre()
    f.eyes_spiral(art, cx, cy)
    f.wavy_mouth(art, cx, cy)
    for a in range(0, 360, 72):
        x = 50 + 34 * math.cos(math.radians(a - 90)) * 1.0
        y = 10 + 5 * math.sin(math.radians(a - 90))
        art.shape(art.poly_mask(star(x, y, 4.6, 0.45)), f.GOLD, width=1.5)


def sick(art: Art):
    body(art, "sick")
    cx, cy = face_centre()
    f.eyes_half(art, cx, cy)
    f.wavy_mouth(art, cx, cy, width=6)
    f.sweat(art, 26, 38, k=0.8)
    # a thermometer at the corner of the mouth
    tube = art.line_mask([(60, 65), (82, 78)], 4.2)
    art.shape(tube, WHITE, width=1.8)
    art.shape(art.ellipse_mask(60, 65, 3.2), rgba("#ff3b5c"), width=1.6)
    art.stroke([(61, 65.6), (70, 71)], rgba("#ff3b5c"), 1.8)


def starstruck(art: Art):
    body(art, "grape")
    cx, cy = face_centre()
    f.eyes_stars(art, cx, cy)
    f.grin(art, cx, cy, width=9, depth=8)
    for x, y, s in ((12, 22, 6), (88, 18, 8), (86, 82, 5)):
        f.sparkle(art, x, y, s)


def mind_blown(art: Art):
    burst = art.poly_mask(star(50, 17, 22, 0.62, 11, -90))
    art.shape(burst, (rgba("#fff2b0"), rgba("#ff9d2e")), width=2.2)
    art.shape(art.poly_mask(star(50, 19, 11, 0.6, 9, -70)), rgba("#ff5d3d"), width=0)
    body(art, "ocean", cy=60, radius=35)
    cx, cy = face_centre(60)
    f.eyes_big_white(art, cx, cy, k=0.92)
    f.o_mouth(art, cx, cy, k=0.92, rx=5, ry=6)


def nervous(art: Art):
    body(art, "sun")
    cx, cy = face_centre()
    f.brows(art, cx, cy, kind="worried")
    f.eyes_open(art, cx, cy, look=(-1.5, 0))
    y = cy + f.MOUTH_DY
    art.shape(art.poly_mask([(cx - 9, y - 3), (cx + 9, y - 3), (cx + 8, y + 3), (cx - 8, y + 3)]), WHITE,
              width=2.2)
    art.stroke([(cx - 8.6, y), (cx + 8.6, y)], width=1.3)
    f.sweat(art, 79, 33)
    f.sweat(art, 86, 48, k=0.6)


def heart_hug(art: Art):
    body(art, "rose")
    cx, cy = face_centre(49)
    f.eyes_happy(art, cx, cy)
    f.smile(art, cx, cy, width=5, depth=3.5)
    f.blush(art, cx, cy)
    art.shape(art.poly_mask(heart(50, 76, 26)), (rgba("#ff7a93"), rgba("#e8243f")), width=2.4, gloss=0.5)
    arm(art, "rose", (22, 66), (34, 74), radius=5)
    arm(art, "rose", (78, 66), (66, 74), radius=5)


def thumbs_up(art: Art):
    body(art, "mint")
    cx, cy = face_centre()
    f.eye_wink(art, cx, cy)
    f.smile(art, cx - 3, cy, width=6, depth=4.5)
    # a rounded fist with the thumb up, at the lower right
    fist = union(art.poly_mask(hexagon(80, 74, 11, corner=4.5)),
                 art.line_mask([(78, 66), (79, 52)], 7))
    art.shape(fist, (rgba("#ffe0b8"), rgba("#ffc48a")), width=2.4)
    for y in (72, 77, 82):
        art.stroke([(72, y), (77, y)], width=1.4)


STICKERS = [
    ("hello", hello, "Hexagon saying hello", "👋", ["hello", "hi", "wave", "greeting"]),
    ("happy", happy, "Happy hexagon", "🙂", ["happy", "smile", "glad"]),
    ("laughing", laughing, "Laughing hexagon", "😂", ["lol", "laugh", "funny", "joy"]),
    ("love", love, "Hexagon in love", "😍", ["love", "heart", "crush", "adore"]),
    ("wink", wink, "Winking hexagon", "😜", ["wink", "tongue", "silly", "joke"]),
    ("cool", cool, "Cool hexagon", "😎", ["cool", "sunglasses", "chill"]),
    ("sad", sad, "Sad hexagon", "😞", ["sad", "down", "unhappy"]),
    ("crying", crying, "Crying hexagon", "😭", ["cry", "tears", "sob"]),
    ("angry", angry, "Angry hexagon", "😠", ["angry", "mad", "grr", "rage"]),
    ("surprised", surprised, "Surprised hexagon", "😮", ["wow", "surprised", "shock", "omg"]),
    ("sleepy", sleepy, "Sleepy hexagon", "😴", ["sleepy", "tired", "zzz", "night"]),
    ("thinking", thinking, "Thinking hexagon", "🤔", ["thinking", "hmm", "question", "wonder"]),
    ("party", party, "Party hexagon", "🥳", ["party", "celebrate", "birthday", "yay"]),
    ("shy", shy, "Shy hexagon", "😊", ["shy", "blush", "cute", "aww"]),
    ("dizzy", dizzy, "Dizzy hexagon", "😵‍💫", ["dizzy", "confused", "spinning"]),
    ("sick", sick, "Sick hexagon", "🤒", ["sick", "ill", "fever", "unwell"]),
    ("starstruck", starstruck, "Star-struck hexagon", "🤩", ["wow", "amazing", "stars", "excited"]),
    ("mind-blown", mind_blown, "Mind-blown hexagon", "🤯", ["mind blown", "wow", "explode"]),
    ("nervous", nervous, "Nervous hexagon", "😬", ["nervous", "awkward", "yikes", "oops"]),
    ("hug", heart_hug, "Hexagon with a heart", "🤗", ["hug", "heart", "thanks", "love"]),
    ("thumbs-up", thumbs_up, "Hexagon giving a thumbs up", "👍", ["ok", "yes", "thumbs up", "approve"]),
]
ANIMATED = {"hello"}  # drawn as animated WebP
