"""Bar charts drawn on the server as SVG (templates/components/bar_chart.html).

The dashboard's charts are a handful of bars: SVG written by the template needs no script, no
library to vendor and keep up to date, prints, and works before htmx or without JavaScript. The
numbers are always on the page as text too; the drawing is hidden from screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar: ``y`` and ``height`` in the chart's units."""

    name: str
    value: Decimal | int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    label: str
    x: float
    width: float
    segments: list[Segment]

    @property
    def total(self):
        return sum(segment.value for segment in self.segments)

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int  # of the plotting area; labels go below it
    bars: list[Bar]
    top: Decimal | int  # the value at the top of the plotting area

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height + 18}"


def nice_top(value) -> Decimal | int:
    """A round number at least ``value`` (1, 2, 5 × a power of ten): the chart's ceiling."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # unreachable: 10 × power is always enough


def stacked_bars(
    columns: list[tuple[str, dict[str, Decimal | int]]],
    *,
    order: list[str],
    width: int = 600,
    height: int = 160,
    gap: float = 0.25,
) -> Chart:
    """Columns of stacked segments (``order`` from the bottom up), scaled to the tallest."""
    top = nice_top(max((sum(values.values()) for _, values in columns), default=0))
    slot = width / max(len(columns), 1)
    bars = []
    for index, (label, values) in enumerate(columns):
        base = float(height)
        segments = []
        for name in order:
            value = values.get(name, 0)
            size = float(value) / float(top) * height if value else 0.0
            base -= size
            segments.append(Segment(name, value, round(base, 2), round(size, 2)))
        bars.append(
            Bar(
                label, round(index * slot + slot * gap / 2, 2), round(slot * (1 - gap), 2), segments
            )
        )
    return Chart(width, height, bars, top)
