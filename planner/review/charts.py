"""matplotlib `Figure` builders for the weekly review (Figure API, Agg; no pyplot, no Qt)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.artist import Artist
from matplotlib.backend_bases import MouseEvent
from matplotlib.container import BarContainer
from matplotlib.figure import Figure, FigureBase
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from planner.domain.i18n import N_, is_rtl, ntr, tr
from planner.platform.paths import open_private
from planner.review.reports import RESUMPTION_COST_SOURCE, ShareTrend, WeekReport

NO_ROLE = "#9d9d9d"
HATCH_MEETING = "//"
HATCH_INTERRUPTION = "xx"
EXPORT_FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    muted: str
    grid: str
    accent: str
    warning: str

    def rc(self) -> Any:  # an rcParams mapping
        return {
            "figure.facecolor": self.background,
            "savefig.facecolor": self.background,
            "axes.facecolor": self.background,
            "axes.edgecolor": self.muted,
            "axes.labelcolor": self.foreground,
            "axes.titlecolor": self.foreground,
            "text.color": self.foreground,
            "xtick.color": self.foreground,
            "ytick.color": self.foreground,
            "grid.color": self.grid,
            "legend.facecolor": self.background,
            "legend.edgecolor": self.muted,
            "legend.labelcolor": self.foreground,
            "hatch.color": self.foreground,
            "hatch.linewidth": 0.6,
            "font.size": 9,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
        }


LIGHT = Theme("light", "#ffffff", "#1f2328", "#6e7781", "#d0d7de", "#0969da", "#cf222e")
DARK = Theme("dark", "#1e1f22", "#e6edf3", "#8b949e", "#3d444d", "#58a6ff", "#ff7b72")


@dataclass
class Hit:
    """Something on a chart that answers hovering (its exact figure) and maybe clicking (a day)."""

    artist: Artist
    text: str | Callable[[float, float], str | None]
    day: date | None = None

    def tip(self, x: float | None, y: float | None) -> str | None:
        if isinstance(self.text, str):
            return self.text
        if x is None or y is None:
            return None
        return self.text(x, y)


Updater = Callable[[WeekReport, ShareTrend], "list[Hit] | None"]


@dataclass
class Chart:
    """A built figure, what its parts mean, and how to show another week in place."""

    name: str
    figure: Figure
    hits: list[Hit] = field(default_factory=list)
    theme: Theme | None = None
    update: Updater | None = None

    def hit_at(self, event: MouseEvent) -> Hit | None:
        for hit in self.hits:
            inside, _ = hit.artist.contains(event)
            if inside:
                return hit
        return None


@contextmanager
def themed(theme: Theme) -> Iterator[None]:
    with matplotlib.rc_context(theme.rc()):
        yield


def hm(minutes: float) -> str:
    """'1 h 05 min', '45 min'."""
    total = round(minutes)
    h, m = divmod(abs(total), 60)
    sign = "-" if total < 0 else ""
    return f"{sign}{h} h {m:02d} min" if h else f"{sign}{m} min"


def _reading_order(ax: Any) -> None:
    """A right-to-left language reads time from the right: a chart's days, hours or weeks run
    right to left (the value axes keep their direction)."""
    if is_rtl():
        ax.invert_xaxis()


def _day_label(day: date) -> str:
    from planner.domain.localefmt import weekday_name

    return f"{weekday_name(day.weekday())} {day.day}"


def _role_names(week: WeekReport) -> dict[int | None, str]:
    names: dict[int | None, str] = {r.id: r.name for r in week.roles}
    names[None] = tr("no role")
    return names


def _role_colours(week: WeekReport) -> dict[int | None, str]:
    colours: dict[int | None, str] = {r.id: r.colour for r in week.roles}
    colours[None] = NO_ROLE
    return colours


# ---------------------------------------------------------------- 1. time split per day


# (side, series attribute, what, hatch, alpha): the planned bar (left), the actual bar (right)
SPLIT_SERIES = (
    (-1, "planned", N_("planned slots"), None, 0.45),
    (-1, "planned_meetings", N_("planned meetings"), HATCH_MEETING, 0.45),
    (1, "work", N_("worked"), None, 1.0),
    (1, "meetings", N_("meetings"), HATCH_MEETING, 1.0),
    (1, "interruptions", "interruptions", HATCH_INTERRUPTION, 1.0),
)
SPLIT_WIDTH = 0.38


def _split_roles(week: WeekReport) -> tuple[int | None, ...]:
    return (*(r.id for r in week.roles), None)


def draw_time_split(fig: FigureBase, week: WeekReport, theme: Theme) -> tuple[list[Hit], Updater]:
    """Planned vs actual hours per day, stacked by role; meetings and interruptions hatched;
    each day's working time up to its hard stop (the window less its breaks) marked. Every
    (role, series) gets its bars, empty ones hidden, so that another week redraws by moving
    bars, not rebuilding."""
    colours = _role_colours(week)
    ax = fig.add_subplot()
    x = list(range(7))
    roles = _split_roles(week)
    bars: list[tuple[int | None, str, str, Any]] = []
    for side in (-1, 1):
        for role in roles:
            for s_side, attr, what, hatch, alpha in SPLIT_SERIES:
                if s_side != side:
                    continue
                # The bars' rectangles are added as plain artists, not with ax.bar: that
                # updates the data limits patch by patch (two thirds of building this chart,
                # ~105 bars); the limits are set below (y) and by the hard-stop lines (x).
                rects = [
                    Rectangle(
                        (i + (side - 1) * SPLIT_WIDTH / 2, 0.0),
                        SPLIT_WIDTH,
                        0.0,
                        facecolor=colours.get(role, NO_ROLE),
                        alpha=alpha,
                        hatch=hatch,
                        edgecolor=theme.background,
                        linewidth=0.5,
                    )
                    for i in x
                ]
                for rect in rects:
                    ax.add_artist(rect)
                container = BarContainer(rects)
                ax.add_container(container)
                bars.append((role, attr, what, container))
    stops = [
        ax.plot(
            [i - SPLIT_WIDTH - 0.04, i + SPLIT_WIDTH + 0.04],
            [0.0, 0.0],
            color=theme.warning,
            linestyle="--",
            linewidth=1.4,
        )[0]
        for i in x
    ]
    ax.set_ylabel(tr("hours"))
    ax.set_xlabel(tr("day (left bar: planned, right bar: actual)"))
    ax.grid(axis="y", alpha=0.6)
    ax.set_axisbelow(True)
    names = _role_names(week)
    handles: list[Artist] = [
        Patch(facecolor=colours.get(r.id, NO_ROLE), label=names.get(r.id, "?"))
        for r in week.roles
        if not r.archived
    ]
    handles += [
        Patch(
            facecolor="none", edgecolor=theme.foreground, hatch=HATCH_MEETING, label=tr("meeting")
        ),
        Patch(
            facecolor="none",
            edgecolor=theme.foreground,
            hatch=HATCH_INTERRUPTION,
            label=tr("interruption"),
        ),
    ]
    stops[0].set_label(tr("hard stop"))
    handles.append(stops[0])
    ax.legend(handles=handles, loc="upper right", fontsize=8, ncols=2)

    def fill(week: WeekReport, _trend: ShareTrend | None = None) -> list[Hit] | None:
        if _split_roles(week) != roles:
            return None
        names = _role_names(week)
        hits: list[Hit] = []
        bottoms = {-1: [0.0] * 7, 1: [0.0] * 7}
        top = 0.0
        for role, attr, what, container in bars:
            values = getattr(week, attr).get(role, (0.0,) * 7)
            side = next(s for s, a, *_ in SPLIT_SERIES if a == attr)
            bottom = bottoms[side]
            for i, (rect, v) in enumerate(zip(container, values, strict=True)):
                rect.set_y(bottom[i] / 60)
                rect.set_height(v / 60)
                rect.set_visible(v > 0)
                if v > 0:
                    day = week.days[i]
                    said = tr(what)
                    text = f"{_day_label(day)} · {names[role]} · {said}: {hm(v)}"
                    hits.append(Hit(rect, text, day))
                bottom[i] += v
                top = max(top, bottom[i])
        zone = _zone(week)
        for i, line in enumerate(stops):
            stop = week.hard_stops[i]
            line.set_visible(stop is not None)
            if stop is None:
                continue
            start = week.day_starts[i] or week.day_bounds[i][0]
            # the working time up to the hard stop: the window less its planned breaks (a day
            # lived to plan reaches the line; breaks are not working time)
            pause = week.break_minutes[i]
            hours = max(0.0, (stop - start).total_seconds() / 3600 - pause / 60)
            line.set_ydata([hours, hours])
            top = max(top, hours * 60)
            from planner.domain.localefmt import clock

            label = f"{_day_label(week.days[i])} · " + tr("hard stop {time}").format(
                time=clock(stop, zone)
            )
            if pause:
                label += " · " + tr("{span} of breaks not counted").format(span=hm(pause))
            hits.append(Hit(line, label, week.days[i]))
        ax.set_xticks(x, [_day_label(d) for d in week.days])
        ax.set_title(tr("Time split per day — {week}").format(week=week.week))
        ax.set_ylim(0, max(4.0, top / 60 * 1.3))
        return hits

    _reading_order(ax)
    hits = fill(week)
    assert hits is not None
    return hits, fill


def _zone(week: WeekReport) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(week.zone)
    except (KeyError, ValueError):
        from datetime import UTC

        return UTC


# ---------------------------------------------------------------- 2. target vs actual share


def draw_share(
    fig: FigureBase, week: WeekReport, trend: ShareTrend, theme: Theme
) -> tuple[list[Hit], Updater]:
    """Each role's target and actual share of working time, and the trend over the weeks."""
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    roles = [r for r in week.roles if not r.archived]
    key = (tuple(r.id for r in roles), len(trend.weeks))
    targets, actuals = [], []
    for k, role in enumerate(roles):
        targets.append(
            left.barh(k + 0.2, role.target_percent, 0.38, color="none", edgecolor=role.colour,
                      hatch="..", linewidth=1.2)[0]
        )  # fmt: skip
        actuals.append(left.barh(k - 0.2, 0.0, 0.38, color=role.colour)[0])
    other = left.barh(len(roles) - 0.2, 0.0, 0.38, color=NO_ROLE)[0]
    left.set_xlim(0, 100)
    left.set_xlabel(tr("share of working time (%)"))
    left.set_ylabel(tr("role"))
    left.grid(axis="x", alpha=0.6)
    left.set_axisbelow(True)
    left.legend(
        handles=[
            Patch(facecolor=theme.muted, label=tr("actual")),
            Patch(facecolor="none", edgecolor=theme.muted, hatch="..", label=tr("target")),
        ],
        loc="lower right",
        fontsize=8,
    )
    xs = list(range(len(trend.weeks)))
    lines, dots = [], []
    for role in roles:
        lines.append(
            right.plot(
                [],
                [],
                color=role.colour,
                label=tr("{role} actual").format(role=role.name),
                linewidth=2,
            )[0]
        )
        right.axhline(role.target_percent, color=role.colour, linestyle=":", linewidth=1.2,
                      label=tr("{role} target").format(role=role.name))  # fmt: skip
        dots.append(
            [right.plot([i], [0.0], marker="o", color=role.colour, markersize=6)[0] for i in xs]
        )
    right.set_xlim(-0.5, len(xs) - 0.5)
    right.set_ylim(0, 100)
    right.set_xlabel(tr("ISO week"))
    right.set_ylabel(tr("actual share (%)"))
    right.set_title(tr("Last {weeks} weeks").format(weeks=len(trend.weeks)))
    right.grid(alpha=0.6)
    right.legend(loc="lower center", fontsize=7, ncols=2)

    def fill(week: WeekReport, trend: ShareTrend | None = None) -> list[Hit] | None:
        assert trend is not None
        shown = [r for r in week.roles if not r.archived]
        if (tuple(r.id for r in shown), len(trend.weeks)) != key:
            return None
        hits: list[Hit] = []
        share = week.actual_share()
        by_role = week.actual_by_role()
        for role, target, actual in zip(shown, targets, actuals, strict=True):
            value = 100 * share.get(role.id, 0.0)
            target.set_width(role.target_percent)
            actual.set_width(value)
            hits.append(
                Hit(
                    target,
                    tr("{name} · target {target_percent:.0f} %").format(
                        name=role.name, target_percent=role.target_percent
                    ),
                )
            )
            hits.append(
                Hit(
                    actual,
                    tr("{name} · actual {value:.1f} % ({done} of {total})").format(
                        name=role.name,
                        value=value,
                        done=hm(by_role.get(role.id, 0.0)),
                        total=hm(week.working_minutes),
                    ),
                )
            )
        rest = sum(v for r, v in share.items() if r not in {x.id for x in shown})
        other.set_width(100 * rest)
        other.set_visible(rest > 0)
        rows = len(shown) + (1 if rest > 0 else 0)
        left.set_yticks(range(rows), [r.name for r in shown] + ["other"] * (rows - len(shown)))
        left.set_ylim(-0.7, rows - 0.3)
        if rest > 0:
            hits.append(
                Hit(
                    other,
                    tr("other (no or archived role) · actual {value:.1f} %").format(
                        value=100 * rest
                    ),
                )
            )
        for role, line, role_dots in zip(shown, lines, dots, strict=True):
            values = trend.shares.get(role.id, (None,) * len(trend.weeks))
            pts = [(i, 100 * v) for i, v in enumerate(values) if v is not None]
            line.set_data([p[0] for p in pts], [p[1] for p in pts])
            for i, dot in enumerate(role_dots):
                v = values[i]
                dot.set_visible(v is not None)
                if v is not None:
                    dot.set_ydata([100 * v])
                    hits.append(Hit(dot, f"{trend.weeks[i]} · {role.name} · {100 * v:.1f} %"))
        left.set_title(tr("Target vs actual — {week}").format(week=week.week))
        right.set_xticks(xs, [w[-2:] for w in trend.weeks])
        return hits

    _reading_order(right)
    hits = fill(week, trend)
    assert hits is not None
    return hits, fill


# ---------------------------------------------------------------- 3. interruptions


def _heat_hours(week: WeekReport) -> tuple[int, int]:
    used = [h for h in range(24) if any(week.heat[wd][h] for wd in range(7))]
    return min([8, *used]), max([18, *used])


def draw_interruptions(
    fig: FigureBase, week: WeekReport, theme: Theme
) -> tuple[list[Hit], Updater]:
    """A weekday x hour heat map of interruption counts, the top sources, the focus lost."""
    heat_ax, src_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.7, 1]})
    first, last = _heat_hours(week)
    hours = list(range(first, last + 1))
    n_sources = min(6, len(week.sources))
    cmap = matplotlib.colormaps["magma_r" if theme.name == "light" else "magma"]
    image = heat_ax.imshow(
        [[0] * len(hours) for _ in range(7)],
        aspect="auto",
        cmap=cmap,
        vmin=0,
        vmax=1,
        extent=(first - 0.5, last + 0.5, 6.5, -0.5),
        interpolation="nearest",
    )
    heat_ax.set_xticks(hours[::2], [f"{h:02d}" for h in hours[::2]])
    heat_ax.set_xlabel(tr("hour of day"))
    heat_ax.set_ylabel(tr("day"))
    bar = fig.colorbar(image, ax=heat_ax, fraction=0.05, pad=0.02)
    bar.set_label(tr("interruptions per hour"))
    bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars = src_ax.barh(range(n_sources), [0] * n_sources, color=theme.accent)
    notes = [
        src_ax.annotate(
            "", (0, k), va="center", fontsize=8, color=theme.foreground, annotation_clip=True
        )
        for k in range(n_sources)
    ]
    src_ax.set_xlabel(tr("interruptions · time"))
    src_ax.set_ylabel(tr("source"))
    src_ax.set_title(tr("Top sources"))
    lost = fig.suptitle("", fontsize=9, color=theme.foreground)
    shown_week: list[WeekReport] = [week]

    def cell(x: float, y: float) -> str | None:
        wk = shown_week[0]
        wd, h = round(y), round(x)
        if not (0 <= wd < 7 and first <= h <= last):
            return None
        n = wk.heat[wd][h]
        count = ntr("{n} interruption", "{n} interruptions", n).format(n=n)
        return f"{_day_label(wk.days[wd])} {h:02d}:00–{h + 1:02d}:00 · {count}"

    def fill(week: WeekReport, _trend: ShareTrend | None = None) -> list[Hit] | None:
        if _heat_hours(week) != (first, last) or min(6, len(week.sources)) != n_sources:
            return None
        shown_week[0] = week
        grid = [[week.heat[wd][h] for h in hours] for wd in range(7)]
        image.set_data(grid)
        image.set_clim(0, max(1, max(max(row) for row in grid)))
        heat_ax.set_yticks(range(7), [_day_label(d) for d in week.days])
        heat_ax.set_title(tr("Interruptions by hour — {week}").format(week=week.week))
        hits: list[Hit] = [Hit(image, cell)]
        top = list(week.sources[:n_sources])[::-1]  # the biggest at the top
        for rect, note, source in zip(bars, notes, top, strict=True):
            rect.set_width(source.count)
            note.set_text(f" {source.count} · {hm(source.minutes)}")
            where = (source.count, rect.get_y() + rect.get_height() / 2)
            note.xy = where
            note.set_position(where)
            hits.append(
                Hit(
                    rect,
                    ntr(
                        "{source}: {n} interruption, {hm}",
                        "{source}: {n} interruptions, {hm}",
                        source.count,
                    ).format(source=source.source, n=source.count, hm=hm(source.minutes)),
                )
            )
        src_ax.set_yticks(range(n_sources), [x.source for x in top])
        # room right of the longest bar for its label, so that no label spills past the frame
        src_ax.set_xlim(0, max([1, *(x.count for x in top)]) * 2.2)
        lost.set_text(
            ntr(
                "{interruption_count} interruption, {hm}; estimated focus lost ≈ {hm2} "
                "({interruption_count} × {resumption_cost_minutes:g} min)  (i)",
                "{interruption_count} interruptions, {hm}; estimated focus lost ≈ {hm2} "
                "({interruption_count} × {resumption_cost_minutes:g} min)  (i)",
                week.interruption_count,
            ).format(
                interruption_count=week.interruption_count,
                hm=hm(week.interruption_minutes),
                hm2=hm(week.focus_lost_minutes),
                resumption_cost_minutes=week.resumption_cost_minutes,
            )
        )
        hits.append(Hit(lost, tr(RESUMPTION_COST_SOURCE)))
        return hits

    _reading_order(heat_ax)
    hits = fill(week)
    assert hits is not None
    return hits, fill


# ---------------------------------------------------------------- 4. plan adherence


def draw_adherence(fig: FigureBase, week: WeekReport, theme: Theme) -> tuple[list[Hit], Updater]:
    """Share of planned slot time spent on the slot's role, and overtime past the hard stop."""
    top, bottom = fig.subplots(2, 1, sharex=True)
    x = list(range(7))
    on_plan = top.bar(x, [0.0] * 7, 0.6, color=theme.accent, label=tr("on the slot's role"))
    no_plan = [
        top.annotate(
            tr("no plan"), (i, 50), ha="center", va="center", fontsize=8, color=theme.muted
        )
        for i in x
    ]
    top.set_ylim(0, 100)
    top.set_ylabel(tr("plan adherence (%)"))
    top.grid(axis="y", alpha=0.6)
    top.set_axisbelow(True)
    top.legend(loc="lower right", fontsize=8)
    late = bottom.bar(x, [0.0] * 7, 0.6, color=theme.warning, label=tr("past the hard stop"))
    bottom.set_ylabel(tr("overtime (hours)"))
    bottom.set_xlabel(tr("day"))
    bottom.grid(axis="y", alpha=0.6)
    bottom.set_axisbelow(True)
    bottom.legend(loc="upper right", fontsize=8)

    def fill(week: WeekReport, _trend: ShareTrend | None = None) -> list[Hit] | None:
        hits: list[Hit] = []
        for i, (rect, a) in enumerate(zip(on_plan, week.adherence, strict=True)):
            day = week.days[i]
            rect.set_height(100 * a if a is not None else 0.0)
            no_plan[i].set_visible(a is None)
            if a is not None:
                hits.append(
                    Hit(
                        rect,
                        tr(
                            "{day_label} · {value:.0f} % of planned slot time on the slot's role "
                            "({hm} of {hm2})"
                        ).format(
                            day_label=_day_label(day),
                            value=100 * a,
                            hm=hm(week.on_role_minutes[i]),
                            hm2=hm(week.slot_minutes[i]),
                        ),
                        day,
                    )
                )
        for i, (rect, v) in enumerate(zip(late, week.overtime, strict=True)):
            day = week.days[i]
            rect.set_height(v / 60)
            off = tr(" (day off)") if week.hard_stops[i] is None else ""
            hits.append(
                Hit(
                    rect,
                    tr("{day_label} · overtime{off}: {hm}").format(
                        day_label=_day_label(day), off=off, hm=hm(v)
                    ),
                    day,
                )
            )
        top.set_title(tr("Plan adherence and overtime — {week}").format(week=week.week))
        bottom.set_xticks(x, [_day_label(d) for d in week.days])
        bottom.set_ylim(0, max(1.0, max(week.overtime) / 60 * 1.3))
        return hits

    _reading_order(bottom)
    hits = fill(week)
    assert hits is not None
    return hits, fill


# ---------------------------------------------------------------- figures and export

CHART_NAMES = ("time-split", "share", "interruptions", "adherence")


def draw(
    name: str, fig: FigureBase, week: WeekReport, trend: ShareTrend, theme: Theme
) -> tuple[list[Hit], Updater | None]:
    """Draw one chart; also return how to show another week in place (None: rebuild)."""
    if name == "time-split":
        return draw_time_split(fig, week, theme)
    if name == "share":
        return draw_share(fig, week, trend, theme)
    if name == "interruptions":
        return draw_interruptions(fig, week, theme)
    if name == "adherence":
        return draw_adherence(fig, week, theme)
    raise ValueError(
        tr("no chart named {name!r} (charts: {join})").format(
            name=name, join=", ".join(CHART_NAMES)
        )
    )


def build(
    name: str,
    week: WeekReport,
    trend: ShareTrend,
    theme: Theme = LIGHT,
    *,
    figure: Figure | None = None,
    size: tuple[float, float] = (9.0, 4.8),
) -> Chart:
    """Draw one chart into a new figure, or into `figure` (cleared first)."""
    with themed(theme):
        if figure is None:
            figure = Figure(figsize=size, layout="constrained")
        else:
            figure.clear()
            figure.set_facecolor(theme.background)
        hits, update = draw(name, figure, week, trend, theme)
    return Chart(name, figure, hits, theme=theme, update=update)


def redraw(chart: Chart, week: WeekReport, trend: ShareTrend, theme: Theme) -> Chart:
    """Show another week on a chart already drawn: move its bars when the chart can (same
    roles, same theme), else rebuild it in the same figure. The caller draws the canvas."""
    if chart.update is not None and chart.theme == theme:
        with themed(theme):
            hits = chart.update(week, trend)
        if hits is not None:
            # keep the layout worked out for the first week: laying out again on every draw
            # costs more than moving the bars (a resize turns it back on, see thaw_layout)
            chart.figure.set_layout_engine("none")
            chart.hits = hits
            return chart
    chart.figure.set_layout_engine("constrained")
    return build(chart.name, week, trend, theme, figure=chart.figure)


def thaw_layout(figure: Figure) -> None:
    """Lay the figure out again on its next draw (after a resize)."""
    if not isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        figure.set_layout_engine("constrained")


def week_page(week: WeekReport, trend: ShareTrend, theme: Theme = LIGHT) -> Figure:
    """All four charts on one A4 landscape page."""
    with themed(theme):
        fig = Figure(figsize=(11.69, 8.27), layout="constrained")
        fig.suptitle(
            tr("Splitday weekly review — {week} ({value} to {value2})").format(
                week=week.week, value=week.days[0], value2=week.days[-1]
            )
        )
        subs: Any = fig.subfigures(2, 2)
        for sub, name in zip(subs.flat, CHART_NAMES, strict=True):
            draw(name, sub, week, trend, theme)
    return fig


def save(fig: Figure, path: str | Path, fmt: str | None = None) -> Path:
    """Write a figure as PNG, SVG or PDF (by the file's extension unless `fmt` is given)."""
    target = Path(path)
    kind = (fmt or target.suffix.lstrip(".")).lower()
    if kind not in EXPORT_FORMATS:
        raise ValueError(
            tr("cannot export {name!r}: use .png, .svg or .pdf").format(name=target.name)
        )
    with open_private(target) as fh:  # 0600, like every export
        fig.savefig(fh, format=kind, dpi=150 if kind == "png" else None)
    return target
