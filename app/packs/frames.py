"""Raw frames handed from the converters (app.packs.lottie, app.packs.video) to the image
normaliser, the limits they decode under, and the frame-rate cap they share."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawFrame:
    """One decoded frame: packed pixels as Pillow's raw decoder reads them."""
    pixels: bytes
    width: int
    height: int
    stride: int  # bytes per row, padding included
    rawmode: str  # "RGBA", or "BGRa" for premultiplied BGRA (rlottie's surface)
    duration_ms: int


@dataclass(frozen=True)
class AnimationLimits:
    """What a converted animation may cost; checked before decoding where the header tells."""
    max_pixels: int  # per frame, as for any image
    max_frames: int  # frames kept after the frame-rate cap
    max_total_pixels: int  # over all kept frames
    max_seconds: float
    max_fps: int  # frames closer together than 1/max_fps are merged into one

    @property
    def min_frame_seconds(self) -> float:
        return 1 / self.max_fps


def milliseconds(seconds: float) -> int:
    """Frame times are rounded on the timeline, not per frame, so rounding never adds up."""
    return round(seconds * 1000)


def duration_ms(start: float, end: float) -> int:
    return max(1, milliseconds(end) - milliseconds(start))
