"""The geometry of the HTML report's picture: one bar per invocation on a time axis.

Checks run concurrently, so bars are packed into lanes (a lane is free again when its
last bar ended): a run at concurrency 16 is at most 16 lanes high, whether it has 10 or
10,000 checks. A cold start's Init Duration is the first part of its bar. The template
draws the SVG from these numbers; no markup is built here.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from smoke.dataclass_code import DataclassCode

WIDTH = 960  # plot width in SVG units
LEFT = 8
TOP = 22
MAX_HEIGHT = 420


_code = DataclassCode(__file__)  # Span's methods: compiled once per install


@dataclass(frozen=True, slots=True)
class Span:
    """One invocation: what the picture needs of it."""

    check_id: str
    anchor: str
    tone: str  # ok | bad | warn
    start_s: float  # epoch seconds
    latency_ms: float
    init_ms: float | None = None
    linked: bool = False  # a bar that links to its check (problems only: keeps 10k runs small)


_code.close()
del _code


def _ticks(span_ms: float) -> list[float]:
    """About five round tick values (ms) over [0, span_ms]."""
    if span_ms <= 0:
        return [0.0]
    raw = span_ms / 5
    step = 1.0
    while step * 10 <= raw:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= raw:
            step *= factor
            break
    count = int(span_ms // step)
    return [i * step for i in range(count + 1)]


def _label(ms: float) -> str:
    return f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"


def timeline(spans: Sequence[Span]) -> dict[str, Any] | None:
    """Bars, lanes and axis ticks for ``spans``; None when nothing ran.

    ``bars`` is an iterator, made as it is read: render the timeline once."""
    if not spans:
        return None
    ordered = sorted(spans, key=lambda s: s.start_s)
    lanes = _assign(ordered)
    t0 = ordered[0].start_s
    span_ms = max((s.start_s - t0) * 1000.0 + s.latency_ms for s in ordered) or 1.0
    scale = WIDTH / span_ms
    n_lanes = max(lanes) + 1
    lane_h = max(2.0, min(14.0, (MAX_HEIGHT - TOP) / n_lanes))
    bar_h = max(1.5, lane_h - (2 if lane_h >= 6 else 0.5))
    bars = _bars(ordered, lanes, t0, scale, lane_h, bar_h)
    ticks = [{"x": round(LEFT + t * scale, 1), "label": _label(t)} for t in _ticks(span_ms)]
    return {
        "width": WIDTH + 2 * LEFT,
        "height": round(TOP + n_lanes * lane_h + 6, 1),
        "top": TOP,
        "bars": bars,
        "ticks": ticks,
        "lanes": n_lanes,
        "span": _label(round(span_ms)),
        "cold_starts": sum(1 for s in ordered if s.init_ms),
    }


def _bars(ordered: Sequence[Span], lanes: Sequence[int], t0: float, scale: float,
          lane_h: float, bar_h: float) -> Iterator[dict[str, Any]]:
    """The bars, one at a time, as the template draws them (10,000 are never all held)."""
    for span, lane in zip(ordered, lanes, strict=True):
        x = LEFT + (span.start_s - t0) * 1000.0 * scale
        w = max(1.0, span.latency_ms * scale)
        init_w = min(w, span.init_ms * scale) if span.init_ms else 0.0
        title = f"{span.check_id}: {span.latency_ms:.0f} ms"
        if span.init_ms:
            title += f" (cold start, init {span.init_ms:.0f} ms)"
        yield {
            "x": round(x, 1), "y": round(TOP + lane * lane_h, 1), "w": round(w, 1),
            "h": round(bar_h, 1), "tone": span.tone, "init_w": round(init_w, 1),
            "init_y": round(TOP + lane * lane_h + bar_h * 0.55, 1), "init_h": round(bar_h * 0.45, 1),
            "cold": bool(span.init_ms), "title": title,
            "href": f"#{span.anchor}" if span.linked else None,
        }


def _assign(spans: Sequence[Span]) -> list[int]:
    """Lane per span: the lowest-numbered lane free at the span's start."""
    busy: list[tuple[float, int]] = []  # (end, lane) of bars still drawing
    free: list[int] = []
    used = 0
    lanes: list[int] = []
    for span in spans:
        while busy and busy[0][0] <= span.start_s:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, used = used, used + 1
        heapq.heappush(busy, (span.start_s + span.latency_ms / 1000.0, lane))
        lanes.append(lane)
    return lanes
