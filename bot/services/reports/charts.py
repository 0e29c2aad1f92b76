"""The report's chart: one tall PNG that reads on a phone, drawn with matplotlib's Agg.

Three panels: reports per day, by category, and the on-time share by unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# 1080 x 1620 pixels: a phone's width, three panels tall.
WIDTH_IN, HEIGHT_IN, DPI = 7.2, 10.8, 150
TOP_BARS = 10  # categories and units beyond these are summed as "..."


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, with its titles in the reader's language."""

    title: str
    per_day: Sequence[tuple[date, int]]
    by_category: Sequence[tuple[str, int]]
    on_time_by_unit: Sequence[tuple[str, int]]
    titles: tuple[str, str, str]
    empty: str


def draw(data: ChartData, path: Path) -> Path:
    """Draw the three panels into a PNG file and return its path."""
    import matplotlib  # lazy: the bot's start-up does not load it

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    figure.suptitle(data.title, fontsize=13, fontweight="bold")
    days, categories, units = figure.subplots(3, 1)

    days.set_title(data.titles[0], fontsize=12)
    if data.per_day:
        xs = [d for d, _ in data.per_day]
        days.bar(xs, [n for _, n in data.per_day], color="#2F75B5")
        days.tick_params(axis="x", labelrotation=45, labelsize=8)
        days.yaxis.get_major_locator().set_params(integer=True)
    else:
        _empty(days, data.empty)

    categories.set_title(data.titles[1], fontsize=12)
    top = list(data.by_category)[:TOP_BARS]
    if top:
        categories.barh([c for c, _ in top][::-1], [n for _, n in top][::-1], color="#548235")
        categories.tick_params(axis="y", labelsize=9)
    else:
        _empty(categories, data.empty)

    units.set_title(data.titles[2], fontsize=12)
    shares = list(data.on_time_by_unit)[:TOP_BARS]
    if shares:
        colours = ["#C00000" if p < 80 else "#548235" for _, p in shares][::-1]
        units.barh([u for u, _ in shares][::-1], [p for _, p in shares][::-1], color=colours)
        units.set_xlim(0, 100)
        units.tick_params(axis="y", labelsize=9)
    else:
        _empty(units, data.empty)

    figure.savefig(path, format="png", dpi=DPI)
    return path


def _empty(axes: object, text: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, fontsize=11)
    axes.set_axis_off()
