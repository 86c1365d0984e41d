"""Charts drawn on the server as SVG (no script, prints as it shows): the distribution of points
in a round, with the line where the quota falls."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from markupsafe import Markup

from tierpoints.features.rounds.distribution import PointsDistribution
from tierpoints.web.templating import points

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 52, 40


def _text(x: float, y: float, text: str, anchor: str = "middle", css: str = "axis") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">{escape(text)}</text>'


def distribution_svg(distribution: PointsDistribution, t: Callable[..., str]) -> Markup:
    """Bars of how many applicants hold how many points; inside the quota dark, outside light,
    the bin the cut falls in striped; a dashed line at the last total inside the quota."""
    title = t("chart.title", entries=distribution.entries, quota=distribution.quota)
    quoted = escape(title, {'"': "&quot;"})
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
              f'class="chart" aria-label="{quoted}"><title>{escape(title)}</title>'),
             ('<defs><pattern id="cut" width="6" height="6" patternUnits="userSpaceOnUse" '
              'patternTransform="rotate(45)"><rect width="6" height="6" class="bar-out"/>'
              '<rect width="3" height="6" class="bar-in"/></pattern></defs>')]
    bins = distribution.bins
    if not bins:
        parts.append(_text(WIDTH / 2, HEIGHT / 2, t("chart.empty")))
        return Markup("".join(parts) + "</svg>")
    low, high = bins[0].low, bins[-1].high
    most = max(b.count for b in bins) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + (value - low) / (high - low) * plot_w

    def y(count: float) -> float:
        return TOP + plot_h - count / most * plot_h

    cut = distribution.cut_total
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" class="frame"/>')
    parts.append(_text(LEFT - 6, y(most) + 4, f"{most:,}", "end"))
    parts.append(_text(LEFT - 6, TOP + plot_h, "0", "end"))
    every = max(1, len(bins) // 10)
    for index, b in enumerate(bins):
        inside = cut is not None and (distribution.fits_all or b.low >= cut)
        straddles = cut is not None and not inside and b.low < cut < b.high
        css = "bar-in" if inside else "bar-out"
        fill = ' fill="url(#cut)"' if straddles else ""
        top = y(b.count)
        label = t("chart.bar", low=points(b.low), high=points(b.high), count=b.count)
        parts.append(f'<rect x="{x(b.low) + 1:.1f}" y="{top:.1f}" width="{max(x(b.high) - x(b.low) - 2, 1):.1f}" '
                     f'height="{TOP + plot_h - top:.1f}" class="{css}"{fill}><title>{escape(label)}</title></rect>')
        if b.count:
            parts.append(_text((x(b.low) + x(b.high)) / 2, top - 4, str(b.count), css="count"))
        if index % every == 0:
            parts.append(_text(x(b.low), TOP + plot_h + 16, points(b.low)))
    parts.append(_text(x(high), TOP + plot_h + 16, points(high)))
    parts.append(_text(WIDTH / 2, HEIGHT - 6, t("chart.x_axis")))
    if cut is not None:
        line_x = x(cut) if not distribution.fits_all else x(low)
        parts.append(f'<line x1="{line_x:.1f}" y1="{TOP - 24}" x2="{line_x:.1f}" y2="{TOP + plot_h}" class="quota"/>')
        caption = t("chart.fits_all", quota=distribution.quota) if distribution.fits_all else \
            t("chart.quota_line", quota=distribution.quota, cut=points(cut))
        anchor = "start" if line_x < WIDTH * 0.6 else "end"
        parts.append(_text(line_x + (4 if anchor == "start" else -4), TOP - 30, caption, anchor, "quota-label"))
    return Markup("".join(parts) + "</svg>")


def impact_svg(distribution, t: Callable[..., str]) -> Markup:
    """Two bars a band of points: how many applicants held it under the published policy (light)
    and would under the draft (dark) — the shift a draft causes, at a glance."""
    bands = [(low, before, after) for low, before, after
             in zip(distribution.bins, distribution.before, distribution.after, strict=True)]
    while bands and not (bands[-1][1] or bands[-1][2]):
        bands.pop()
    title = t("impact.chart_title")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
             f'aria-label="{escape(title, {chr(34): "&quot;"})}"><title>{escape(title)}</title>']
    if not bands:
        parts.append(_text(WIDTH / 2, HEIGHT / 2, t("chart.empty")))
        return Markup("".join(parts) + "</svg>")
    most = max(max(b, a) for _, b, a in bands) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(bands)
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" class="frame"/>')
    parts.append(_text(LEFT - 6, TOP + 4, f"{most:,}", "end"))
    every = max(1, len(bands) // 10)
    for index, (low, before, after) in enumerate(bands):
        for offset, count, css, key in ((0.1, before, "bar-out", "impact.before"), (0.5, after, "bar-in", "impact.after")):
            height = count / most * plot_h
            label = t("impact.bar", low=points(low), count=count, which=t(key))
            parts.append(f'<rect x="{LEFT + (index + offset) * step:.1f}" y="{TOP + plot_h - height:.1f}" '
                         f'width="{step * 0.4:.1f}" height="{height:.1f}" class="{css}"><title>{escape(label)}'
                         '</title></rect>')
        if index % every == 0:
            parts.append(_text(LEFT + index * step, TOP + plot_h + 16, points(low), "start"))
    parts.append(_text(WIDTH / 2, HEIGHT - 6, t("chart.x_axis")))
    parts.append(_text(LEFT, TOP - 30, t("impact.legend"), "start", "quota-label"))
    return Markup("".join(parts) + "</svg>")
