"""Telegram video stickers (.webm, VP9 or VP8, maybe with alpha) decoded with PyAV.

The libvpx decoders are used on purpose: FFmpeg's built-in vp9 decoder ignores the alpha
channel a WebM carries beside the picture (alpha_mode=1), so transparent stickers would turn
black. Limits are checked on the header first and again on every decoded frame; decoding stops
at the first frame over a limit.
"""
from __future__ import annotations

import io
from collections.abc import Iterator

import av

from app.exceptions import ImportFailed
from app.packs.frames import AnimationLimits, RawFrame, duration_ms

EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # Matroska, of which WebM is a subset
DECODERS = {"vp9": "libvpx-vp9", "vp8": "libvpx"}
DECODED_FRAMES_PER_KEPT = 8  # frames merged by the frame-rate cap still cost decoding
TIMESTAMP_SLACK = 0.002  # WebM timestamps are whole milliseconds: 30 fps frames are 33 ms apart
TRUNCATION_SLACK = 0.05  # decoded frames may end this much before the duration the header gives


def is_matroska(data: bytes) -> bool:
    return data[:4] == EBML_MAGIC


def decode(data: bytes, *, name: str, limits: AnimationLimits) -> Iterator[RawFrame]:
    """Every frame (at most limits.max_fps per second), RGBA; ImportFailed naming `name` otherwise."""
    if not is_matroska(data):
        raise ImportFailed(f"{name}: a .webm sticker must be a WebM video, but this file is not one.")
    try:
        container = av.open(io.BytesIO(data), mode="r", format="matroska")
    except (av.FFmpegError, ValueError) as error:
        raise ImportFailed(f"{name}: not a readable WebM video ({error}).") from None
    with container:
        stream = _video_stream(container, name)
        _check_header(container, stream, name, limits)
        decoder = av.CodecContext.create(DECODERS[stream.codec_context.name], "r")
        try:
            frames = _decoded(container, stream, decoder, name, limits)
            yield from _kept_frames(frames, name, limits, expected_end=_header_seconds(container))
        except (av.FFmpegError, ValueError) as error:
            raise ImportFailed(f"{name}: the video is broken ({error}).") from None


def _video_stream(container, name: str):
    audio = [stream for stream in container.streams if stream.type == "audio"]
    if audio:
        raise ImportFailed(f"{name}: the video has an audio track; stickers are silent, remove the sound.")
    video = list(container.streams.video)
    if len(video) != 1 or len(container.streams) != 1:
        raise ImportFailed(f"{name}: a sticker video must hold exactly one video stream and nothing else.")
    codec = getattr(video[0].codec_context, "name", None)  # None: a codec FFmpeg does not know
    if codec not in DECODERS:
        raise ImportFailed(f"{name}: the video is {codec or 'in an unknown codec'}; only VP9 (or VP8) WebM "
                           "stickers are accepted.")
    return video[0]


def _check_header(container, stream, name: str, limits: AnimationLimits) -> None:
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > limits.max_pixels:
        raise ImportFailed(f"{name}: {width}x{height} pixels exceeds the limit of {limits.max_pixels} pixels.")
    seconds = _header_seconds(container)
    if seconds is not None and seconds > limits.max_seconds:
        raise ImportFailed(f"{name}: the video lasts {seconds:g} s; the limit is {limits.max_seconds:g} s.")


def _header_seconds(container) -> float | None:
    return container.duration / av.time_base if container.duration else None


def _decoded(container, stream, decoder, name: str, limits: AnimationLimits):
    """(start seconds, frame) for each decoded frame, refused as soon as one is over a limit."""
    alpha = stream.metadata.get("alpha_mode") == "1"
    budget = limits.max_frames * DECODED_FRAMES_PER_KEPT
    for packet in container.demux(stream):
        for frame in decoder.decode(packet if packet.size else None):
            budget -= 1
            start = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
            _check_frame(frame, start, alpha, budget, name, limits)
            yield start, frame


def _check_frame(frame, start: float, alpha: bool, budget: int, name: str, limits: AnimationLimits) -> None:
    if budget < 0:
        raise ImportFailed(f"{name}: the video has too many frames (over {limits.max_frames} at "
                           f"{limits.max_fps} fps).")
    if frame.width * frame.height > limits.max_pixels:
        raise ImportFailed(f"{name}: a {frame.width}x{frame.height} frame exceeds the limit of "
                           f"{limits.max_pixels} pixels.")
    if start > limits.max_seconds:
        raise ImportFailed(f"{name}: the video lasts longer than the limit of {limits.max_seconds:g} s.")
    if alpha and not frame.format.name.startswith("yuva"):
        raise ImportFailed(f"{name}: the video is marked transparent but its alpha channel could not be decoded.")


def _kept_frames(decoded, name: str, limits: AnimationLimits, *, expected_end: float | None) -> Iterator[RawFrame]:
    """Drop frames under 1/max_fps after the last kept one; a kept frame lasts until the next."""
    pending, kept, pixels, end, previous = None, 0, 0, 0.0, 0.0
    for start, frame in decoded:
        end, previous = start + (_frame_seconds(frame) or start - previous), start
        if pending is not None and start - pending[0] < limits.min_frame_seconds - TIMESTAMP_SLACK:
            continue
        kept += 1
        pixels += frame.width * frame.height
        if kept > limits.max_frames or pixels > limits.max_total_pixels:
            raise ImportFailed(f"{name}: more than {limits.max_frames} frames or {limits.max_total_pixels} "
                               f"pixels over all frames (at up to {limits.max_fps} fps); make it shorter or smaller.")
        if pending is not None:
            yield _raw(pending[1], pending[0], start)
        pending = (start, frame)
    if pending is None:
        raise ImportFailed(f"{name}: the video has no frames.")
    if expected_end is not None and end < expected_end - TRUNCATION_SLACK:
        raise ImportFailed(f"{name}: the video is truncated: its frames end at {end:.2f} s of {expected_end:.2f} s.")
    yield _raw(pending[1], pending[0], max(end, pending[0] + limits.min_frame_seconds))


def _frame_seconds(frame) -> float:
    if frame.duration and frame.time_base:
        return float(frame.duration * frame.time_base)
    return 0.0


def _raw(frame, start: float, end: float) -> RawFrame:
    rgba = frame.reformat(format="rgba")
    plane = rgba.planes[0]
    return RawFrame(pixels=bytes(plane), width=rgba.width, height=rgba.height, stride=plane.line_size,
                    rawmode="RGBA", duration_ms=duration_ms(start, end))
