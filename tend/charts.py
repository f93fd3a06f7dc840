"""Charts drawn on the server as SVG: they work offline, need no script and scale to a phone's
width (the view box is about as wide as a phone's card, so 11 units of text read as 11 px).

Colours come from CSS classes ("Insights" in static/css/app.css) and shapes from SVG
presentation attributes, so the strict CSP (no inline styles) holds. Every chart names itself
with <title> and <desc> through aria-labelledby; the page puts a table with the same figures
next to it."""
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask_babel import gettext as _
from markupsafe import Markup, escape

from tend.formatting import day_and_month as short_date  # "12 Mar" or "Mar 12"
from tend.formatting import number

WIDTH = 320
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 18, 22
MARKER_LABEL_SPACE = 14  # how far apart two change numbers must be to read apart


class Mark(Protocol):
    """A dashed line on each of its days, labelled once over the first: a group of medication
    changes (tend.services.insights.MarkerGroup) or a plain ``DayMark``. ``text`` says what
    it marks in words, for a pointer and a screen reader ("" when the chart's description
    already says it)."""

    label: str
    days: list[date]
    text: str


@dataclass(frozen=True)
class DayMark:
    label: str
    days: list[date]
    text: str = ""


def days_apart_to_read(day_count: int) -> float:
    """How many days apart two changes must be for their numbers not to overlap on a chart
    of ``day_count`` days (closer ones share one mark)."""
    return MARKER_LABEL_SPACE / ((WIDTH - LEFT - RIGHT) / max(day_count, 1))


def _number(value: float) -> str:
    return number(round(value, 1))


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str],
         css_class: str, markers: list[Mark] = ()) -> Markup:
    """The chart named by its title and described in words, changes marked on it included."""
    said = [f"{mark.label}. {mark.text}." for mark in markers if mark.text]
    if said:
        desc = " ".join([desc, _("Dashed lines mark medication changes:"), *said])
    chart_id = escape(chart_id)
    return Markup(
        f'<svg class="chart-svg {css_class}" viewBox="0 0 {WIDTH} {height:g}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{"".join(body)}</svg>')


class _DayAxis:
    """Days side by side in equal bands; a day's point sits in the middle of its band."""

    def __init__(self, days: list[date], top: float, bottom: float):
        self.days = days
        self.top, self.bottom = top, bottom
        self.band = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
        self.index = {day: n for n, day in enumerate(days)}

    def x(self, n: int) -> float:
        return LEFT + (n + 0.5) * self.band

    def labels(self) -> list[str]:
        """The first, middle and last dates under the plot."""
        if not self.days:
            return []
        picks = sorted({0, len(self.days) // 2, len(self.days) - 1})
        anchors = {0: "start", len(self.days) - 1: "end"}
        parts = []
        for n in picks:
            anchor = anchors.get(n, "middle")
            x = LEFT if anchor == "start" else WIDTH - RIGHT if anchor == "end" else self.x(n)
            parts.append(f'<text class="chart-label" x="{x:.1f}" y="{self.bottom + 15:.1f}" '
                         f'text-anchor="{anchor}">{escape(short_date(self.days[n]))}</text>')
        return parts

    def markers(self, groups: list[Mark]) -> list[str]:
        """A dashed line on each day a medication changed and one number per group of changes
        (as in the list of changes), at the group's first day; its <title> says what changed
        for a pointer, and the chart's description says it for a screen reader."""
        parts = []
        for group in groups:
            days = [day for day in group.days if day in self.index]
            if not days:
                continue
            xs = [self.x(self.index[day]) for day in days]
            lines = "".join(f'<line class="chart-marker" x1="{x:.1f}" x2="{x:.1f}" '
                            f'y1="{self.top - 4:.1f}" y2="{self.bottom:.1f}" '
                            f'stroke-dasharray="3 2"/>' for x in xs)
            x = xs[0]
            anchor = "start" if x < LEFT + 20 else "end" if x > WIDTH - RIGHT - 20 else "middle"
            title = f"<title>{escape(group.text)}</title>" if group.text else ""
            parts.append(f'<g class="chart-marker-group">{title}'
                         f'{lines}<text class="chart-marker-label" x="{x:.1f}" '
                         f'y="{self.top - 7:.1f}" text-anchor="{anchor}">'
                         f'{escape(group.label)}</text></g>')
        return parts


def line_chart(chart_id: str, title: str, desc: str, days: list[date],
               values: list[float | None], low: float, high: float, ticks: list[float],
               markers: list[Mark] = ()) -> Markup:
    """One value per day, joined by a line that breaks where a day has no value, so a day
    without an entry reads as a gap, never as a zero."""
    height = 140
    bottom = height - BOTTOM
    axis = _DayAxis(days, TOP, bottom)

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - TOP)

    body = []
    for tick in ticks:
        body.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                    f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        body.append(f'<text class="chart-label" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
                    f'text-anchor="end">{escape(_number(tick))}</text>')
    body += axis.markers(markers)
    # Each day's point, written once for the line and its dot: (joins the one before, x, y).
    points = [(n > 0 and values[n - 1] is not None, f"{axis.x(n):.1f}", f"{y(value):.1f}")
              for n, value in enumerate(values) if value is not None]
    if points:
        path = " ".join(f"{'L' if joined else 'M'}{x} {y_}" for joined, x, y_ in points)
        body.append(f'<path class="chart-line" d="{path}" fill="none" '
                    f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>')
    radius = 3 if len(days) <= 31 else 1.75
    body += [f'<circle class="chart-point" cx="{x}" cy="{y_}" r="{radius}"/>'
             for _, x, y_ in points]
    body += axis.labels()
    return _svg(chart_id, title, desc, height, body, "chart-lines", markers)


def severity_strip(chart_id: str, title: str, desc: str, days: list[date],
                   levels: list[int | None], markers: list[Mark] = ()) -> Markup:
    """A bar on each day with a side effect, taller and darker the stronger it was (0 none to
    3 severe); days without one stay empty."""
    height = 96
    bottom = height - BOTTOM
    axis = _DayAxis(days, TOP, bottom)
    step = (bottom - TOP) / 3
    width = max(axis.band - 1, 1)
    body = [f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" '
            f'y2="{bottom}"/>']
    for level, name in ((1, "1"), (3, "3")):
        body.append(f'<text class="chart-label" x="{LEFT - 6}" y="{bottom - level * step + 4:.1f}"'
                    f' text-anchor="end">{name}</text>')
    body += axis.markers(markers)
    for n, level in enumerate(levels):
        if level is None:
            continue
        bar = max(level * step, 2)
        body.append(f'<rect class="chart-severity-{level}" x="{axis.x(n) - width / 2:.1f}" '
                    f'y="{bottom - bar:.1f}" width="{width:.1f}" height="{bar:.1f}"/>')
    body += axis.labels()
    return _svg(chart_id, title, desc, height, body, "chart-severity", markers)


def share_bars(chart_id: str, title: str, desc: str, days: list[date],
               shares: list[float | None], top_label: str,
               markers: list[Mark] = ()) -> Markup:
    """For each day, an outline as tall as the whole and a bar as tall as the share of it
    (0 to 1); a day with nothing to share (None) stays empty."""
    height = 96
    bottom = height - BOTTOM
    axis = _DayAxis(days, TOP, bottom)
    full = bottom - TOP
    width = max(axis.band - 1, 1)
    body = [f'<text class="chart-label" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">'
            f'{escape(top_label)}</text>',
            f'<text class="chart-label" x="{LEFT - 6}" y="{bottom + 4}" text-anchor="end">0</text>']
    body += axis.markers(markers)
    for n, share in enumerate(shares):
        if share is None:
            continue
        x = axis.x(n) - width / 2
        body.append(f'<rect class="chart-share-whole" x="{x:.1f}" y="{TOP}" width="{width:.1f}" '
                    f'height="{full:.1f}"/>')
        if share > 0:
            body.append(f'<rect class="chart-share-part" x="{x:.1f}" '
                        f'y="{bottom - share * full:.1f}" width="{width:.1f}" '
                        f'height="{share * full:.1f}"/>')
    body.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" '
                f'y2="{bottom}"/>')
    body += axis.labels()
    return _svg(chart_id, title, desc, height, body, "chart-shares", markers)


def stacked_bars(chart_id: str, title: str, desc: str, rows: list[dict]) -> Markup:
    """One bar per row, split into parts: ``rows`` are {"label", "note", "parts": [(count,
    css class)]}; each bar is as long as its row's total, so rows compare at a glance."""
    row_height, bar_height = 42, 16
    height = 6 + row_height * len(rows)
    widest = max((sum(count for count, _ in row["parts"]) for row in rows), default=0) or 1
    usable = WIDTH - 2
    body = []
    for n, row in enumerate(rows):
        top = 6 + n * row_height
        label = row["label"] if len(row["label"]) <= 26 else row["label"][:25] + "…"
        body.append(f'<text class="chart-row-label" x="1" y="{top + 12}">{escape(label)}</text>')
        body.append(f'<text class="chart-label" x="{WIDTH - 1}" y="{top + 12}" '
                    f'text-anchor="end">{escape(row["note"])}</text>')
        x = 1.0
        for count, css_class in row["parts"]:
            if not count:
                continue
            width = usable * count / widest
            body.append(f'<rect class="{escape(css_class)}" x="{x:.1f}" y="{top + 18}" '
                        f'width="{max(width - 1, 1):.1f}" height="{bar_height}"/>')
            x += width
    return _svg(chart_id, title, desc, height, body, "chart-bars")


def day_rows(day_names: list[str], columns: list[list], missing: str = "") -> Markup:
    """The rows of a chart's table, one per day, headed by its name in ``day_names``, with
    that day's item of each column: a number (written as the locale writes it) or a text.
    With ``missing``, an empty item says it, muted; without, a day with no items is left out.
    Built here rather than in the template: 90 days of seven answers make 630 rows."""
    written: dict[object, str] = {}  # a period's values repeat: each is written once
    blank = Markup('<span class="muted">%s</span>') % missing

    def cell(value) -> str:
        if value is None:
            return blank
        if isinstance(value, str):
            return escape(value)
        if value not in written:
            written[value] = escape(number(value))
        return written[value]

    rows = []
    for name, items in zip(day_names, zip(*columns)):
        if not missing and all(item is None for item in items):
            continue
        cells = "".join(f"<td>{cell(item)}</td>" for item in items)
        rows.append(f'<tr><th scope="row">{escape(name)}</th>{cells}</tr>')
    return Markup("".join(rows))


def swatch(css_class: str) -> Markup:
    """A small sample of a bar's colour for a legend."""
    return Markup(f'<svg class="chart-swatch" viewBox="0 0 16 16" aria-hidden="true" '
                  f'focusable="false"><rect class="{escape(css_class)}" x="1" y="1" width="14" '
                  f'height="14" rx="2"/></svg>')
