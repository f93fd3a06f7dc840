"""Charts drawn on the server as SVG: they work offline, need no script and scale to a phone's
width (the view box is about as wide as a phone's card, so 11 units of text read as 11 px).

Colours come from CSS classes ("Insights" in static/css/app.css) and shapes from SVG
presentation attributes, so the strict CSP (no inline styles) holds. Every chart names itself
with <title> and <desc> through aria-labelledby; the page puts a table with the same figures
next to it."""
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Protocol

from markupsafe import Markup, escape

from tend.formatting import day_and_month as short_date  # "12 Mar" or "Mar 12"
from tend.formatting import number, short_dates
from tend.i18n import page_translations

WIDTH = 320
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 18, 22
MARKER_LABEL_SPACE = 14  # how far apart two change numbers must be to read apart
LINE_HEIGHT, BAR_HEIGHT = 140, 96  # of a line chart, and of a strip of bars


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


def _(text: str, **values) -> Markup:
    """A sentence as the templates say it: the request's translation, trusted as markup, with
    ``values`` escaped into it."""
    return Markup(page_translations().ugettext(text)) % values


def ngettext(singular: str, plural: str, num: int, **values) -> Markup:
    """As ``_``, the singular or plural sentence for ``num`` (``%(num)s`` in it)."""
    values.setdefault("num", num)
    return Markup(page_translations().ungettext(singular, plural, num)) % values


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


@lru_cache(maxsize=128)
def _band_places(day_count: int) -> tuple[float, list[str], list[str]]:
    """For a chart of ``day_count`` days: the width of a day's band, the middle of each band
    and the left edge of a bar in it, written as the SVG gets them (the same for every chart
    of that many days, so written once)."""
    band = (WIDTH - LEFT - RIGHT) / max(day_count, 1)
    bar = max(band - 1, 1)
    middles = [LEFT + (n + 0.5) * band for n in range(day_count)]
    return band, [f"{x:.1f}" for x in middles], [f"{x - bar / 2:.1f}" for x in middles]


class _DayAxis:
    """Days side by side in equal bands, under a plot ``height`` tall; a day's point sits in
    the middle of its band. Its dates, ``markers`` and grids are drawn once however many
    charts it is under (a page's line charts share one: see ``PeriodCharts``)."""

    def __init__(self, days: list[date], height: float, markers: list[Mark] = ()):
        self.days = days
        self.height, self.top, self.bottom = height, TOP, height - BOTTOM
        self.groups = markers
        self._grids: dict[tuple, str] = {}
        self.band, self.middles, self.bar_lefts = _band_places(len(days))
        self.bar_width = max(self.band - 1, 1)

    @cached_property
    def index(self) -> dict[date, int]:
        return {day: n for n, day in enumerate(self.days)}

    def x(self, n: int) -> float:
        return LEFT + (n + 0.5) * self.band

    def y(self, value: float, low: float, high: float) -> float:
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)

    def grid(self, low: float, high: float, ticks: list[float]) -> str:
        """A line across the plot at each of ``ticks`` with its number, on a scale from
        ``low`` to ``high`` (drawn once for the charts of a page that share the scale)."""
        key = (low, high, tuple(ticks))
        if key not in self._grids:
            parts = []
            for tick in ticks:
                y = self.y(tick, low, high)
                parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                             f'y1="{y:.1f}" y2="{y:.1f}"/>'
                             f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" '
                             f'text-anchor="end">{escape(_number(tick))}</text>')
            self._grids[key] = "".join(parts)
        return self._grids[key]

    @cached_property
    def labels(self) -> str:
        """The first, middle and last dates under the plot."""
        if not self.days:
            return ""
        picks = sorted({0, len(self.days) // 2, len(self.days) - 1})
        anchors = {0: "start", len(self.days) - 1: "end"}
        parts = []
        for n in picks:
            anchor = anchors.get(n, "middle")
            x = LEFT if anchor == "start" else WIDTH - RIGHT if anchor == "end" else self.x(n)
            parts.append(f'<text class="chart-label" x="{x:.1f}" y="{self.bottom + 15:.1f}" '
                         f'text-anchor="{anchor}">{escape(short_date(self.days[n]))}</text>')
        return "".join(parts)

    @cached_property
    def marks(self) -> str:
        """A dashed line on each day a medication changed and one number per group of changes
        (as in the list of changes), at the group's first day; its <title> says what changed
        for a pointer, and the chart's description says it for a screen reader."""
        parts = []
        for group in self.groups:
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
        return "".join(parts)


def line_chart(chart_id: str, title: str, desc: str, days: list[date],
               values: list[float | None], low: float, high: float, ticks: list[float],
               markers: list[Mark] = ()) -> Markup:
    """One value per day, joined by a line that breaks where a day has no value, so a day
    without an entry reads as a gap, never as a zero."""
    return _line_chart(_DayAxis(days, LINE_HEIGHT, markers), chart_id, title, desc, values,
                       low, high, ticks)


def _line_chart(axis: _DayAxis, chart_id: str, title: str, desc: str,
                values: list[float | None], low: float, high: float,
                ticks: list[float]) -> Markup:
    body = [axis.grid(low, high, ticks), axis.marks]
    heights = {value: f"{axis.y(value, low, high):.1f}" for value in set(values)
               if value is not None}
    ending = f'" r="{3 if len(axis.days) <= 31 else 1.75}"/>'  # each point's radius, and the end
    # Each day with a value: its place, and whether the line comes to it from the day before.
    points = [(x, heights[value], before is not None)
              for x, value, before in zip(axis.middles, values, [None, *values])
              if value is not None]
    if points:
        path = " ".join([f"{'L' if joined else 'M'}{x} {y_}" for x, y_, joined in points])
        body.append(f'<path class="chart-line" d="{path}" fill="none" '
                    f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>')
    body += [f'<circle class="chart-point" cx="{x}" cy="{y_}{ending}' for x, y_, _ in points]
    body.append(axis.labels)
    return _svg(chart_id, title, desc, axis.height, body, "chart-lines", axis.groups)


def _severity_strip(axis: _DayAxis, chart_id: str, title: str, desc: str,
                    levels: list[int | None]) -> Markup:
    """A bar on each day with a side effect, taller and darker the stronger it was (0 none to
    3 severe); days without one stay empty."""
    bottom = axis.bottom
    step = (bottom - TOP) / 3
    body = [f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" '
            f'y2="{bottom}"/>']
    for level, name in ((1, "1"), (3, "3")):
        body.append(f'<text class="chart-label" x="{LEFT - 6}" y="{bottom - level * step + 4:.1f}"'
                    f' text-anchor="end">{name}</text>')
    body.append(axis.marks)
    bars = {}  # level: the bar's class, top and size, the same for each day of that level
    for level in set(levels) - {None}:
        bar = max(level * step, 2)
        bars[level] = (f'class="chart-severity-{level}"', f'y="{bottom - bar:.1f}" '
                       f'width="{axis.bar_width:.1f}" height="{bar:.1f}"')
    body += [f'<rect {bars[level][0]} x="{x}" {bars[level][1]}/>'
             for x, level in zip(axis.bar_lefts, levels) if level is not None]
    body.append(axis.labels)
    return _svg(chart_id, title, desc, axis.height, body, "chart-severity", axis.groups)


def _share_bars(axis: _DayAxis, chart_id: str, title: str, desc: str,
                shares: list[float | None], top_label: str) -> Markup:
    """For each day, an outline as tall as the whole and a bar as tall as the share of it
    (0 to 1); a day with nothing to share (None) stays empty."""
    bottom = axis.bottom
    full = bottom - TOP
    width = f"{axis.bar_width:.1f}"
    body = [f'<text class="chart-label" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">'
            f'{escape(top_label)}</text>',
            f'<text class="chart-label" x="{LEFT - 6}" y="{bottom + 4}" text-anchor="end">0</text>']
    body.append(axis.marks)
    whole = f'y="{TOP}" width="{width}" height="{full:.1f}"'
    parts = {share: f'y="{bottom - share * full:.1f}" width="{width}" height="{share * full:.1f}"'
             for share in set(shares) if share}  # a day's share is one of a few fractions
    body += [f'<rect class="chart-share-whole" x="{x}" {whole}/>'
             + (f'<rect class="chart-share-part" x="{x}" {parts[share]}/>' if share else '')
             for x, share in zip(axis.bar_lefts, shares) if share is not None]
    body.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" '
                f'y2="{bottom}"/>')
    body.append(axis.labels)
    return _svg(chart_id, title, desc, axis.height, body, "chart-shares", axis.groups)


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


def _row_head(name: str) -> str:
    return f'<tr><th scope="row">{escape(name)}</th>'


def _table(caption: str, headings: list[str], row_heads: list[str], columns: list[list],
           missing: str) -> Markup:
    blank = Markup('<td><span class="muted">%s</span></td>') % missing

    def cell(value) -> str:
        if value is None:
            return blank
        return f"<td>{escape(value if isinstance(value, str) else number(value))}</td>"

    cells = []  # each column's items as table cells: a period's values repeat, written once
    for column in columns:
        written = {value: cell(value) for value in set(column)}
        cells.append([written[value] for value in column])
    nothing = (None,) * len(columns)  # a row without a single item
    rows = [f'{head}{"".join(row)}</tr>'
            for head, row, items in zip(row_heads, zip(*cells), zip(*columns))
            if missing or items != nothing]
    head = "".join(f'<th scope="col">{escape(heading)}</th>' for heading in headings)
    return Markup(f'<details class="chart-table"><summary>{escape(_("Show as a table"))}</summary>'
                  f'<div class="table-scroll"><table><caption>{escape(caption)}</caption>'
                  f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
                  f'</details>')


def figure_table(caption: str, headings: list[str], row_names: list[str],
                 columns: list[list]) -> Markup:
    """A chart's figures as a table, folded away under "Show as a table": a row for each name
    in ``row_names`` (a medication, a day with side effects), headed by it, with that row's
    item of each column: a number (written as the locale writes it) or a text. ``headings``
    name the column of row names, then each column."""
    return _table(caption, headings, [_row_head(name) for name in row_names], columns, "")


class Measure(Protocol):
    """One answer of the daily check-in over a period (tend.services.insights.Series)."""

    label: str
    values: list[float | None]
    logged: list[float]
    lowest: float | None
    highest: float | None
    in_hours: bool
    scale: tuple[float, float, list[float]]


class DoseTally(Protocol):
    """What happened to one medication's planned doses whose time has come
    (tend.services.insights.Adherence)."""

    name: str
    on_time: int
    late: int
    skipped: int
    missed: int
    not_yet: int
    taken: int
    due: int


# The parts of a medication's bar, in order: a tally's count and its colour's class.
DOSE_PARTS = (("on_time", "chart-dose-on-time"), ("late", "chart-dose-late"),
              ("skipped", "chart-dose-skipped"), ("missed", "chart-dose-missed"),
              ("not_yet", "chart-dose-waiting"))


def _legend(items: list[tuple[str, str]]) -> str:
    """A chart's colours named: (the bar's class, what it stands for)."""
    return "".join(f"<li>{swatch(css_class)} {escape(text)}</li>" for css_class, text in items)


def dose_sentences(tallies: list[DoseTally]) -> Markup:
    """Each medication's planned doses in words: taken, later, skipped, not logged."""
    items = []
    for tally in tallies:
        said = [ngettext("Logged as taken: %(taken)s of %(num)s planned dose.",
                         "Logged as taken: %(taken)s of %(num)s planned doses.", tally.due,
                         taken=number(tally.taken))]
        if tally.late:
            said.append(ngettext("%(num)s of them later than planned.",
                                 "%(num)s of them later than planned.", tally.late))
        if tally.skipped:
            said.append(ngettext("%(num)s skipped.", "%(num)s skipped.", tally.skipped))
        if tally.missed:
            said.append(ngettext("%(num)s wasn't logged.", "%(num)s weren't logged.",
                                 tally.missed))
        if tally.not_yet:
            said.append(ngettext("%(num)s not logged yet.", "%(num)s not logged yet.",
                                 tally.not_yet))
        items.append(f'<li><strong>{escape(tally.name)}:</strong> {" ".join(said)}</li>')
    return Markup(f'<ul class="insights-sentences">{"".join(items)}</ul>')


class PeriodCharts:
    """The charts of one period on a page: each is drawn over the period's ``days``, with
    the medication changes in ``markers``, and its table has a row for each day, headed by
    its date (written once for all the tables: 90 days of seven answers make 630 rows)."""

    def __init__(self, days: list[date], markers: list[Mark] = ()):
        self.days = days
        self.markers = markers

    @cached_property
    def line_axis(self) -> _DayAxis:
        return _DayAxis(self.days, LINE_HEIGHT, self.markers)

    @cached_property
    def row_heads(self) -> list[str]:
        return [_row_head(name) for name in short_dates(self.days)]

    def day_table(self, caption: str, headings: list[str], columns: list[list],
                  missing: str = "") -> Markup:
        """As ``figure_table``, a row for each day. With ``missing``, an empty item says it,
        muted; without, a day with no items is left out."""
        return _table(caption, headings, self.row_heads, columns, missing)

    @cached_property
    def bar_axis(self) -> _DayAxis:
        return _DayAxis(self.days, BAR_HEIGHT, self.markers)

    def planned_doses_figure(self, chart_id: str, tallies: list[DoseTally]) -> Markup:
        """For each medication, a bar of its planned doses split by what happened to them
        (see ``stacked_bars``), with its legend, the same in words, and its table."""
        title = _("Planned doses")
        rows = [{"label": tally.name,
                 "note": _("%(taken)s of %(due)s taken", taken=number(tally.taken),
                           due=number(tally.due)),
                 "parts": [(getattr(tally, part), css_class) for part, css_class in DOSE_PARTS]}
                for tally in tallies]
        chart = stacked_bars(chart_id, title, _(
            "For each medication, the doses planned so far in this period: taken on time, "
            "taken later, skipped, or not logged."), rows)
        legend = [("chart-dose-on-time", _("Taken")), ("chart-dose-late", _("Taken later")),
                  ("chart-dose-skipped", _("Skipped")), ("chart-dose-missed", _("Not logged"))]
        if any(tally.not_yet for tally in tallies):
            legend.append(("chart-dose-waiting", _("Not logged yet")))
        table = figure_table(
            title, [_("Medication"), _("Taken"), _("Taken later"), _("Skipped"), _("Not logged"),
                    _("Not logged yet"), _("Planned so far")],
            [tally.name for tally in tallies],
            [[getattr(tally, part) for tally in tallies]
             for part in ("on_time", "late", "skipped", "missed", "not_yet", "due")])
        return Markup(f'<figure class="chart"><figcaption class="chart-title">{title}'
                      f'</figcaption>{chart}<ul class="chart-legend">{_legend(legend)}</ul>'
                      f'{dose_sentences(tallies)}{table}</figure>')

    def daily_doses_figure(self, chart_id: str, shares: list[float | None],
                           counts: tuple[list[int | None], list[int | None]]) -> Markup:
        """All medications together, each day's share of its planned doses taken (see
        ``_share_bars``), with its legend and a table of each day's ``counts`` (taken, due)."""
        title = _("Doses taken each day")
        desc = _("For each day with planned doses, how many of them were logged as taken, all "
                 "medications together; the rest were skipped or not logged. The table below "
                 "gives the numbers.")
        chart = _share_bars(self.bar_axis, chart_id, title, desc, shares, _("all"))
        legend = _legend([("chart-share-part", _("Taken")), ("chart-share-whole", _("Planned"))])
        table = self.day_table(title, [_("Day"), _("Taken"), _("Planned so far")], counts)
        return Markup(f'<figure class="chart"><figcaption class="chart-title">{title}'
                      f'</figcaption>{chart}<ul class="chart-legend">{legend}</ul>{table}'
                      f'</figure>')

    def severity_figure(self, chart_id: str, levels: list[int | None],
                        words: dict[date, str]) -> Markup:
        """Side effects day by day (see ``_severity_strip``), with its legend and a table of
        each day's side effects in ``words``."""
        title = _("Side effects, day by day")
        desc = ngettext("A bar on each day with a side effect, taller the stronger it was: 1 is "
                        "mild, 2 moderate, 3 severe. %(num)s day in this period had one.",
                        "A bar on each day with a side effect, taller the stronger it was: 1 is "
                        "mild, 2 moderate, 3 severe. %(num)s days in this period had one.",
                        len(words))
        chart = _severity_strip(self.bar_axis, chart_id, title, desc, levels)
        legend = _legend([("chart-severity-1", _("Mild")), ("chart-severity-2", _("Moderate")),
                          ("chart-severity-3", _("Severe"))])
        table = self.day_table(title, [_("Day"), _("Side effects")],
                               [[words.get(day) for day in self.days]])
        return Markup(f'<figure class="chart"><figcaption class="chart-title">'
                      f'{_("How strong, day by day")}</figcaption>{chart}'
                      f'<ul class="chart-legend">{legend}</ul>{table}</figure>')

    def line_figure(self, chart_id: str, measure: Measure, captioned: bool) -> Markup:
        """A check-in answer's line (see ``line_chart``) and its table, in a figure with the
        answer's name as its caption when ``captioned`` (a section of several answers)."""
        label = measure.label
        if measure.logged:
            desc = _("%(label)s for each day with a check-in: %(logged)s of %(days)s days, "
                     "from %(low)s to %(high)s. Days without a check-in are left as gaps in "
                     "the line.", label=label, logged=number(len(measure.logged)),
                     days=number(len(self.days)), low=number(measure.lowest),
                     high=number(measure.highest))
        else:
            desc = _("No check-ins in this period.")
        caption = f'<figcaption class="chart-title">{escape(label)}</figcaption>' \
            if captioned else ""
        chart = _line_chart(self.line_axis, chart_id, label, desc, measure.values,
                            *measure.scale)
        table = self.day_table(label, [_("Day"), _("Hours") if measure.in_hours else _("1 to 5")],
                               [measure.values], missing=_("No check-in"))
        return Markup(f'<figure class="chart">{caption}{chart}{table}</figure>')


def swatch(css_class: str) -> Markup:
    """A small sample of a bar's colour for a legend."""
    return Markup(f'<svg class="chart-swatch" viewBox="0 0 16 16" aria-hidden="true" '
                  f'focusable="false"><rect class="{escape(css_class)}" x="1" y="1" width="14" '
                  f'height="14" rx="2"/></svg>')
