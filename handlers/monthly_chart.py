"""The monthly summary's one chart (bot/monthly.py), drawn as a small PNG when a post is sent.

The focus areas' proposals by month (or, for a strategy without focus areas, all proposals and
published posts), one line each, in the report's colours, markers and Danish
numbers (handlers/report_charts.py): the summary shows the same thing the page does, smaller.
A PNG, not the page's SVG: Slack shows an uploaded PNG inline, and Teams shows a `data:` PNG on
a card (an SVG not everywhere). The PNG is reduced to a palette of a few colours, which keeps it
to some 10-15 KB: a Teams card with the image in it must stay within Teams' message size.
matplotlib's object API, not pyplot, so it may draw on any thread (the senders draw off the
event loop).
"""

from __future__ import annotations

import io

from bot.monthly import Summary

WIDTH, HEIGHT = 6.4, 3.0  # inches
DPI = 100
# Colours the PNG keeps: the lines', the text's and a few shades for the edges of the lines.
PALETTE = 32


def png(summary: Summary) -> bytes:
    """The chart of the focus areas as PNG bytes."""
    # Imported here: matplotlib takes a moment, and the server needs it once a month.
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from handlers.report_charts import COLOURS, DANISH, MARKERS

    with rc_context({"font.family": "sans-serif", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False, "text.parse_math": False}):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        figure.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.78)
        ax = figure.add_subplot()
        xs = list(range(len(summary.months)))
        for i, line in enumerate(summary.lines):
            ax.plot(xs, line.values, marker=MARKERS[i % len(MARKERS)], markersize=5,
                    label=line.label, color=COLOURS[i % len(COLOURS)])
        ax.set_xticks(xs, summary.months)
        ax.set_xlim(-0.3, max(0.3, len(xs) - 0.7))
        ax.set_ylim(bottom=0)
        ax.set_ylabel(summary.axis)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(DANISH)
        ax.set_title(summary.chart_title, loc="left", fontsize=10, fontweight="bold", pad=28)
        if summary.lines:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=len(summary.lines),
                      frameon=False, fontsize=8, borderaxespad=0, handlelength=1.5)
        drawn = io.BytesIO()
        figure.savefig(drawn, format="png", dpi=DPI, facecolor="white")
    return _small(drawn.getvalue())


def _small(image: bytes) -> bytes:
    """The same picture with a palette of PALETTE colours: a third of the size or less."""
    from PIL import Image

    with Image.open(io.BytesIO(image)) as full:
        reduced = full.convert("RGB").quantize(colors=PALETTE)
        out = io.BytesIO()
        reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()
