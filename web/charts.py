"""Server-rendered SVG charts (no JavaScript): percentage bars with their target marks."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

ROW = 34
LABEL_W = 230
BAR_W = 360
WIDTH = LABEL_W + BAR_W + 70


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and target in percent (None when unknown), and verdict."""

    label: str
    value: float | None
    target: float | None
    met: bool | None


def percent_bars(bars: list[Bar], *, title: str) -> Markup:
    """Horizontal 0-100 % bars, coloured by whether each meets its target, target as a line."""
    height = ROW * len(bars) + 30
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = 10 + index * ROW
        colour = {True: "#1f7a3a", False: "#b3261e"}.get(bar.met, "#5b6475")  # type: ignore[arg-type]
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="#1d2433">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{BAR_W}" height="18" fill="#eef1f6"/>'
        )
        if bar.value is not None:
            width = BAR_W * max(0.0, min(bar.value, 100.0)) / 100
            parts.append(
                f'<rect x="{LABEL_W}" y="{y + 4}" width="{width:.1f}" height="18" '
                f'fill="{colour}"/>'
            )
        shown = "–" if bar.value is None else f"{bar.value:.1f} %"
        parts.append(
            f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 17}" font-size="13" '
            f'fill="#1d2433">{shown}</text>'
        )
        if bar.target is not None:
            x = LABEL_W + BAR_W * max(0.0, min(bar.target, 100.0)) / 100
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 26}" stroke="#1d2433" '
                f'stroke-width="2" stroke-dasharray="3 2"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
