"""Small SVG building blocks for the app's live views: escaping, paths, patterns, a line chart.

The app draws its live views as SVG markup built here in Python and drawn by the browser (Solara's
``HTML`` element): a week's redraw costs the server a few milliseconds instead of the hundreds a
matplotlib PNG costs, the text stays sharp and readable at any size, and every figure carries its
own alternative text (``<title>``/``<desc>``, ``role="img"``). Tick positions come from
matplotlib's ``MaxNLocator``, so the axes read like those of the figures in the notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
from matplotlib.ticker import MaxNLocator

FONT = "font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

#: Dash patterns (SVG ``stroke-dasharray``), so that lines differ by more than their colour.
DASHES = {"solid": "", "dashed": "9 5", "dotted": "2 4", "dashdot": "10 4 2 4"}

#: Fill patterns (``fill="url(#ls-hatch)"``): hatching for national initiatives, dots for tasks with
#: nobody in charge, cross-hatching for tasks with mixed messages. Defined once in the page
#: (:data:`PATTERN_DEFS`, never redrawn) and used by the views and their keys.
PATTERN_DEFS = """<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="ls-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<line x1="0" y1="0" x2="0" y2="8" stroke="#222" stroke-width="2.4"/></pattern>
<pattern id="ls-dots" width="7" height="7" patternUnits="userSpaceOnUse">
<circle cx="3.5" cy="3.5" r="1.5" fill="#222"/></pattern>
<pattern id="ls-cross" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<line x1="0" y1="4" x2="8" y2="4" stroke="#fff" stroke-width="1.8"/><line x1="4" y1="0" x2="4" y2="8" stroke="#fff" stroke-width="1.8"/></pattern>
</defs></svg>"""


def esc(text) -> str:
    """Text escaped for SVG content and attribute values."""
    return escape(str(text), quote=True)


def num(x: float) -> str:
    """A coordinate with one decimal (enough at screen size, short on the wire)."""
    return f"{x:.1f}"


def svg_open(width: float, height: float, title: str, desc: str, extra: str = "") -> str:
    """Opening of a scalable, labelled SVG (``role="img"``; title and description for screen
    readers and as the figure's alternative text)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(width)} {num(height)}" '
            f'role="img" aria-label="{esc(title)}" preserveAspectRatio="xMidYMid meet" '
            f'style="width:100%;height:auto;display:block;{FONT}" {extra}>'
            f"<title>{esc(title)}</title><desc>{esc(desc)}</desc>")


def segments_path(xy0: np.ndarray, xy1: np.ndarray) -> str:
    """One path ``d`` attribute of straight segments from ``xy0[i]`` to ``xy1[i]``."""
    if len(xy0) == 0:
        return ""
    a = np.round(np.asarray(xy0, float), 1)
    b = np.round(np.asarray(xy1, float), 1)
    return "".join(f"M{x0:g} {y0:g}L{x1:g} {y1:g}" for (x0, y0), (x1, y1) in zip(a, b))


@dataclass(frozen=True)
class Line:
    """One line of a chart: its values, legend label, colour and dash pattern."""

    label: str
    values: np.ndarray
    colour: str
    dash: str = "solid"


def ticks(low: float, high: float, n: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering [low, high] (matplotlib's ``MaxNLocator``)."""
    if high <= low:
        high = low + 1
    values = MaxNLocator(nbins=n, integer=integer).tick_values(low, high)
    return [float(v) for v in values if low - 1e-9 <= v <= high + 1e-9]


def fmt_tick(v: float) -> str:
    return f"{v:g}" if abs(v) >= 0.01 or v == 0 else f"{v:.2g}"


def line_chart(weeks: np.ndarray, lines: list[Line], title: str, ylabel: str, *,
               ylim: tuple[float, float] | None = None, min_weeks: int = 52, counts: bool = False,
               width: float = 560, height: float = 290) -> str:
    """A line chart of weekly values as SVG: x is the week (at least ``min_weeks`` wide, so the
    first weeks are not stretched), y starts at 0 unless ``ylim`` says otherwise. The legend is
    left to the page (HTML, always visible); the description names each line's latest value."""
    left, right, top, bottom = 64, 14, 12, 46
    pw, ph = width - left - right, height - top - bottom
    weeks = np.asarray(weeks, float)
    x_hi = max(float(weeks[-1]) if len(weeks) else 0.0, float(min_weeks))
    values = [np.asarray(line.values, float) for line in lines]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if ylim is None:
        top_value = float(finite.max()) if finite.size else 1.0
        ylim = (0.0, max(top_value * 1.08, 4.0 if counts else 1e-9) if top_value > 0 else 1.0)
    y_lo, y_hi = ylim

    def sx(w):
        return left + pw * (np.asarray(w, float) - 0) / (x_hi - 0)

    def sy(v):
        return top + ph * (1 - (np.asarray(v, float) - y_lo) / (y_hi - y_lo))

    if len(weeks):
        summary = "; ".join(
            f"{line.label}: {v[np.isfinite(v)][-1]:.3g} now" if np.isfinite(v).any()
            else f"{line.label}: no value yet" for line, v in zip(lines, values))
        desc = f"Line chart of {title.lower()} over weeks 1 to {int(weeks[-1])}. {summary}."
    else:
        desc = f"Line chart of {title.lower()}: no week run yet."
    out = [svg_open(width, height, title, desc)]
    # grid and axes
    for v in ticks(y_lo, y_hi, integer=counts):
        y = sy(v)
        out.append(f'<line x1="{left}" x2="{num(left + pw)}" y1="{num(y)}" y2="{num(y)}" '
                   f'stroke="#ddd" stroke-width="1"/>'
                   f'<text x="{left - 6}" y="{num(y + 5)}" text-anchor="end" font-size="14" '
                   f'fill="#333">{fmt_tick(v)}</text>')
    for w in ticks(0, x_hi, 6, integer=True):
        x = sx(w)
        out.append(f'<line x1="{num(x)}" x2="{num(x)}" y1="{num(top + ph)}" y2="{num(top + ph + 5)}" '
                   f'stroke="#555"/><text x="{num(x)}" y="{num(top + ph + 21)}" text-anchor="middle" '
                   f'font-size="14" fill="#333">{w:g}</text>')
    out.append(f'<line x1="{left}" x2="{num(left + pw)}" y1="{num(top + ph)}" y2="{num(top + ph)}" '
               f'stroke="#555"/><line x1="{left}" x2="{left}" y1="{top}" y2="{num(top + ph)}" '
               f'stroke="#555"/>')
    out.append(f'<text x="{num(left + pw / 2)}" y="{num(height - 4)}" text-anchor="middle" '
               f'font-size="14" fill="#333">week</text>')
    out.append(f'<text transform="translate(16 {num(top + ph / 2)}) rotate(-90)" '
               f'text-anchor="middle" font-size="14" fill="#333">{esc(ylabel)}</text>')
    if not len(weeks):
        out.append(f'<text x="{num(left + pw / 2)}" y="{num(top + ph / 2)}" text-anchor="middle" '
                   f'font-size="16" fill="#555">press Step or Play to run the model</text>')
    for line, v in zip(lines, values):
        ok = np.isfinite(v)
        if not ok.any():
            continue
        pts = " ".join(map("{:.1f},{:.1f}".format, sx(weeks[ok]).tolist(), sy(v[ok]).tolist()))
        dash = DASHES[line.dash]
        out.append(f'<polyline points="{pts}" fill="none" stroke="{line.colour}" stroke-width="2.6" '
                   f'stroke-linejoin="round"' + (f' stroke-dasharray="{dash}"' if dash else "")
                   + f'><title>{esc(line.label)}</title></polyline>')
    out.append("</svg>")
    return "".join(out)


def legend_html(items: list[tuple[str, str]]) -> str:
    """An HTML legend: (swatch SVG markup, label) pairs, wrapping on narrow screens."""
    cells = "".join(f'<span class="leadsim-key"><svg width="34" height="18" viewBox="0 0 34 18" '
                    f'aria-hidden="true">{swatch}</svg>{esc(label)}</span>'
                    for swatch, label in items)
    return f'<div class="leadsim-legend">{cells}</div>'


def line_swatch(colour: str, dash: str = "solid") -> str:
    d = DASHES[dash]
    return (f'<line x1="1" y1="9" x2="33" y2="9" stroke="{colour}" stroke-width="3"'
            + (f' stroke-dasharray="{d}"' if d else "") + "/>")
