"""The charts of the strategy report (handlers/report_html.py), drawn with matplotlib as SVG.

matplotlib's object API (`Figure`), not pyplot: no global figure state and no backend to choose,
so a server thread may draw too (a PNG from the same figure goes through Agg). Each chart is
returned as a `data:` address for an <img>, so the page loads nothing from anywhere and the
charts' own ids never clash in it. The words on a chart are given by the caller.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from policy.textchecks import danish_number

# Okabe and Ito's palette: told apart also with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
GREY = "#6b6b6b"
# A marker of its own for each line: lines that lie on top of each other stay apart, and a
# line is told from another without its colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
WIDTH = 7.5  # inches; at 96 dpi about the page's column
# No metadata in the SVG: it would name the time and matplotlib's web site.
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
# More month labels than this and only every second, third, ... is written.
MAX_TICKS = 12

def _styled[**P](draw: Callable[P, str]) -> Callable[P, str]:
    """Draw inside the report's style: matplotlib reads its settings when a figure's parts
    are made, so the whole drawing runs inside them, not only the saving."""

    @functools.wraps(draw)
    def styled(*args: P.args, **kwargs: P.kwargs) -> str:
        # Text stays text in the SVG: smaller, and sharp at any zoom. A name from the data is
        # text, never math: "$" in a department's name is a dollar sign.
        with rc_context({"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 10,
                         "axes.spines.top": False, "axes.spines.right": False,
                         "text.parse_math": False}):
            return draw(*args, **kwargs)

    return styled


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no value (a month without decisions), not zero


@dataclass(frozen=True)
class Line:
    """A horizontal reference line (the SLA, the escalation limit)."""

    value: float
    name: str


@_styled
def bars(categories: Sequence[str], series: Sequence[Series], *, axis: str,
         stacked: bool = False) -> str:
    """Horizontal bars, one group (or stack) per category, the first category on top."""
    per_row = 0.3 if stacked else 0.16 * (len(series) + 1)
    height = max(1.8, _TOP + _BOTTOM + len(categories) * per_row)
    figure = Figure(figsize=(WIDTH, height))
    # Room on the left for the longest name: a fixed layout, as matplotlib's own layout
    # engines draw the figure once more to measure it.
    longest = max((len(name) for name in categories), default=0)
    _margins(figure, height, left=min(WIDTH / 2, 0.3 + CHAR * longest), bottom=_BOTTOM)
    ax = figure.add_subplot()
    rows = list(range(len(categories)))
    thickness = 0.7 if stacked else 0.8 / max(1, len(series))
    left = [0.0] * len(categories)
    for i, one in enumerate(series):
        values = [v or 0.0 for v in one.values]
        colour = COLOURS[i % len(COLOURS)]
        if stacked:
            ax.barh(rows, values, thickness, left=left, label=one.name, color=colour)
            left = [a + b for a, b in zip(left, values, strict=True)]
        else:
            offset = (i - (len(series) - 1) / 2) * thickness
            ax.barh([r + offset for r in rows], values, thickness, label=one.name, color=colour)
    ax.set_yticks(rows, list(categories))
    ax.set_ylim(len(categories) - 0.5, -0.5)  # the first on top
    ax.set_xlabel(axis)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(DANISH)
    _legend(ax, series)
    return _svg(figure)


@_styled
def lines(months: Sequence[str], series: Sequence[Series], *, axis: str,
          reference: Line | None = None, integer: bool = False) -> str:
    """One line per series over the months; a missing value breaks the line."""
    figure = Figure(figsize=(WIDTH, HEIGHT))
    _margins(figure, HEIGHT, left=_LEFT, bottom=_month_bottom(months))
    ax = figure.add_subplot()
    xs = list(range(len(months)))
    for i, one in enumerate(series):
        ys = [float("nan") if v is None else v for v in one.values]
        ax.plot(xs, ys, marker=MARKERS[i % len(MARKERS)], markersize=5, label=one.name,
                color=COLOURS[i % len(COLOURS)])
    if reference is not None:
        ax.axhline(reference.value, color=GREY, linestyle="--", label=reference.name)
    _month_ticks(ax, months)
    ax.set_ylabel(axis)
    ax.set_ylim(bottom=0)
    if integer:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(DANISH)
    _legend(ax, [*series, *([reference] if reference else [])])
    return _svg(figure)


@_styled
def columns(months: Sequence[str], values: Sequence[float | None], *, axis: str,
            reference: Line | None = None) -> str:
    """One column per month (none where there is no value), with an optional reference."""
    figure = Figure(figsize=(WIDTH, HEIGHT))
    _margins(figure, HEIGHT, left=_LEFT, bottom=_month_bottom(months))
    ax = figure.add_subplot()
    ax.bar(range(len(months)), [v or 0.0 for v in values], 0.6, color=COLOURS[0])
    if reference is not None:
        ax.axhline(reference.value, color=GREY, linestyle="--", label=reference.name)
    _month_ticks(ax, months)
    ax.set_ylabel(axis)
    ax.yaxis.set_major_formatter(DANISH)
    _legend(ax, [reference] if reference else [], always=True)
    return _svg(figure)


# The fixed layout, in inches: what a 10-point label needs.
HEIGHT = 3.0
CHAR = 0.075  # one character
_LEFT = 0.75  # the value axis: its numbers and its name
_BOTTOM = 0.55  # the axis below: its numbers and its name
_TOP = 0.35  # the legend's one row above the chart
_RIGHT = 0.25


def _margins(figure: Figure, height: float, *, left: float, bottom: float) -> None:
    figure.subplots_adjust(left=left / WIDTH, right=1 - _RIGHT / WIDTH,
                           bottom=bottom / height, top=1 - _TOP / height)


def _month_bottom(months: Sequence[str]) -> float:
    """Room below for the month names; slanted when there are many."""
    if len(months) <= 6:
        return _BOTTOM
    return 0.25 + 0.6 * CHAR * max((len(month) for month in months), default=0) + 0.1


def _month_ticks(ax: Axes, labels: Sequence[str]) -> None:
    """Every label while they fit; every second, third, ... when there are many."""
    step = math.ceil(len(labels) / MAX_TICKS)
    shown = list(range(0, len(labels), step))
    slanted = len(labels) > 6
    ax.set_xticks(shown, [labels[i] for i in shown], rotation=40 if slanted else 0,
                  ha="right" if slanted else "center", rotation_mode="anchor")
    ax.set_xlim(-0.5, max(0.5, len(labels) - 0.5))


def _legend(ax: Axes, items: Sequence[Series | Line], *, always: bool = False) -> None:
    """One row above the chart, where it never hides a bar or a point (and costs nothing
    to place, unlike matplotlib's "best")."""
    if len(items) > 1 or (always and items):
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncols=len(items),
                  frameon=False, fontsize=9, borderaxespad=0, handlelength=1.5)


def _danish_tick(value: float, _: object) -> str:
    """1.000 and 0,5, as Danish writes numbers."""
    text = danish_number(value, 0 if float(value).is_integer() else 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


DANISH = FuncFormatter(_danish_tick)


def _svg(figure: Figure) -> str:
    buffer = io.BytesIO()
    # The same ids on every run: the same data gives the same page.
    with rc_context({"svg.hashsalt": "opslag"}):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
