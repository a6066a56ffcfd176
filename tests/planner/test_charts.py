"""The chart builders draw the right series, with titles, axis labels and legends (Agg)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest
from matplotlib.layout_engine import ConstrainedLayoutEngine

from planner.domain.values import RoleV
from planner.review import charts
from planner.review.reports import ShareTrend, SourceStat, WeekReport

MONDAY = date(2026, 11, 23)
SUP, COM = 1, 2
Z7 = (0.0,) * 7


def _week() -> WeekReport:
    days = tuple(MONDAY + timedelta(days=i) for i in range(7))
    base = [datetime(2026, 11, 23, 3, 0, tzinfo=UTC) + timedelta(days=i) for i in range(8)]
    heat = [[0] * 24 for _ in range(7)]
    heat[0][10] = 3
    heat[2][14] = 1
    return WeekReport(
        week="2026-W48",
        monday=MONDAY,
        days=days,
        zone="Europe/Berlin",
        roles=(
            RoleV(SUP, "Support", "#e15759", 60.0, 0, False),
            RoleV(COM, "Community", "#4e79a7", 40.0, 1, False),
        ),
        day_bounds=tuple((base[i], base[i + 1]) for i in range(7)),
        day_starts=tuple(base[i] + timedelta(hours=5) if i < 5 else None for i in range(7)),
        hard_stops=tuple(base[i] + timedelta(hours=13) if i < 5 else None for i in range(7)),
        planned=MappingProxyType({SUP: (240.0, 240.0, 0, 0, 0, 0, 0), COM: (180.0, *Z7[1:])}),
        planned_meetings=MappingProxyType({COM: (0, 0, 0, 60.0, 0, 0, 0)}),
        work=MappingProxyType({SUP: (200.0, 250.0, 0, 0, 0, 30.0, 0), COM: (170.0, *Z7[1:])}),
        meetings=MappingProxyType({COM: (0, 0, 0, 60.0, 0, 0, 0)}),
        interruptions=MappingProxyType({SUP: (30.0, *Z7[1:])}),
        breaks=Z7,
        overtime=(0, 20.0, 0, 0, 0, 30.0, 0),
        slot_minutes=(420.0, 240.0, 0, 0, 0, 0, 0),
        on_role_minutes=(336.0, 240.0, 0, 0, 0, 0, 0),
        heat=tuple(tuple(r) for r in heat),
        sources=(SourceStat("chat", 3, 24.0), SourceStat("email", 1, 6.0)),
        interruption_count=4,
        interruption_minutes=30.0,
        resumption_cost_minutes=23.0,
    )


def _trend() -> ShareTrend:
    return ShareTrend(
        weeks=("2026-W47", "2026-W48"),
        mondays=(MONDAY - timedelta(weeks=1), MONDAY),
        shares=MappingProxyType({SUP: (None, 0.6), COM: (None, 0.4)}),
        minutes=MappingProxyType({SUP: (0.0, 600.0), COM: (0.0, 400.0)}),
    )


def _labels(ax) -> set[str]:  # type: ignore[no-untyped-def]
    legend = ax.get_legend()
    assert legend is not None, f"no legend on {ax.get_title()!r}"
    return {t.get_text() for t in legend.get_texts()}


def _bar_heights(ax, colour: str) -> list[float]:  # type: ignore[no-untyped-def]
    from matplotlib.colors import to_hex

    return [
        round(p.get_height() * 60, 6)
        for c in ax.containers
        for p in c
        if p.get_visible() and to_hex(p.get_facecolor(), keep_alpha=False) == colour
    ]


@pytest.mark.parametrize("theme", [charts.LIGHT, charts.DARK])
def test_time_split(theme: charts.Theme) -> None:
    chart = charts.build("time-split", _week(), _trend(), theme)
    (ax,) = chart.figure.axes
    assert ax.get_title() == "Time split per day — 2026-W48"
    assert ax.get_ylabel() == "hours" and ax.get_xlabel()
    assert {"Support", "Community", "meeting", "interruption", "hard stop"} <= _labels(ax)
    # Support: planned 240, 240 (two days); worked 200, 250, 30 (Sat); interrupted 30 (Mon)
    assert sorted(_bar_heights(ax, "#e15759")) == [30.0, 30.0, 200.0, 240.0, 240.0, 250.0]
    hatches = {p.get_hatch() for c in ax.containers for p in c if p.get_visible()}
    assert {charts.HATCH_MEETING, charts.HATCH_INTERRUPTION} <= hatches
    # five hard stops (weekdays), each 8 h after the window's start
    stops = [ln for ln in ax.lines if ln.get_linestyle() == "--" and ln.get_visible()]
    assert len(stops) == 5 and all(list(ln.get_ydata()) == [8.0, 8.0] for ln in stops)
    tips = [h.tip(None, None) for h in chart.hits]
    assert "Mon 23 · Support · interruptions: 30 min" in tips
    assert "Thu 26 · Community · planned meetings: 1 h 00 min" in tips
    assert all(h.day is not None for h in chart.hits)


def test_share() -> None:
    chart = charts.build("share", _week(), _trend())
    left, right = chart.figure.axes
    assert left.get_xlabel() and left.get_ylabel() and left.get_title()
    assert {"actual", "target"} <= _labels(left)
    widths = sorted(round(p.get_width(), 3) for c in left.containers for p in c if p.get_visible())
    # targets 60 / 40; actual: Support 510 of 680 min, Community 170 of 680... plus meetings
    work = {SUP: 200 + 250 + 30 + 30, COM: 170 + 60}
    total = sum(work.values())
    assert widths == sorted(
        [60.0, 40.0, round(100 * work[SUP] / total, 3), round(100 * work[COM] / total, 3)]
    )
    assert {"Support actual", "Support target", "Community actual"} <= _labels(right)
    lines = [ln for ln in right.lines if ln.get_label() == "Support actual"]
    assert list(lines[0].get_ydata()) == [60.0]


def test_interruptions() -> None:
    chart = charts.build("interruptions", _week(), _trend())
    heat_ax, src_ax = chart.figure.axes[:2]
    image = heat_ax.images[0]
    data = image.get_array()
    assert data[0][10 - 8] == 3 and data[2][14 - 8] == 1 and data.sum() == 4
    assert [p.get_width() for p in src_ax.containers[0]] == [1, 3]  # email, chat (bottom up)
    # each bar is a count, and its label says the count and the time (not minutes alone)
    assert [t.get_text() for t in src_ax.texts] == [" 1 · 6 min", " 3 · 24 min"]
    assert src_ax.get_xlabel() == "interruptions · time"
    chart.figure.canvas.draw()
    frame = src_ax.get_window_extent()
    for label in src_ax.texts:  # no label spills past the frame
        box = label.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, label.get_text()
    assert "focus lost ≈ 1 h 32 min (4 × 23 min)" in chart.figure.get_suptitle()
    lost = [h for h in chart.hits if "Gloria Mark" in str(h.text)]
    assert lost, "the resumption cost's source is in a tooltip"
    cell = next(h for h in chart.hits if callable(h.text))
    assert cell.tip(10.2, 0.1) == "Mon 23 10:00–11:00 · 3 interruptions"


def test_adherence() -> None:
    chart = charts.build("adherence", _week(), _trend())
    top, bottom = chart.figure.axes
    assert [round(p.get_height(), 6) for p in top.containers[0]] == [80.0, 100.0, 0, 0, 0, 0, 0]
    assert [round(p.get_height() * 60, 6) for p in bottom.containers[0]] == [
        0,
        20.0,
        0,
        0,
        0,
        30.0,
        0,
    ]
    assert top.get_ylabel() and bottom.get_ylabel() and bottom.get_xlabel() and top.get_title()
    assert _labels(top) == {"on the slot's role"} and _labels(bottom) == {"past the hard stop"}
    assert "Sat 28 · overtime (day off): 30 min" in [h.tip(None, None) for h in chart.hits]


def test_redraw_into_the_same_figure() -> None:
    first = charts.build("time-split", _week(), _trend())
    again = charts.build("time-split", _week(), _trend(), charts.DARK, figure=first.figure)
    assert again.figure is first.figure and len(again.figure.axes) == 1


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_redraw_another_week_in_place(name: str) -> None:
    import dataclasses

    week = _week()
    other = dataclasses.replace(
        week,
        week="2026-W49",
        days=tuple(d + timedelta(weeks=1) for d in week.days),
        work=MappingProxyType({SUP: (60.0, 0, 0, 0, 0, 0, 0), COM: (90.0, *Z7[1:])}),
        overtime=(45.0, 0, 0, 0, 0, 0, 0),
        slot_minutes=(100.0, *Z7[1:]),
        on_role_minutes=(50.0, *Z7[1:]),
    )
    chart = charts.build(name, week, _trend())
    axes = list(chart.figure.axes)
    moved = charts.redraw(chart, other, _trend(), charts.LIGHT)
    fresh = charts.build(name, other, _trend())
    assert moved.figure is chart.figure
    assert moved.figure.axes == axes  # updated in place, not rebuilt
    assert moved.figure.get_layout_engine() is None or not isinstance(
        moved.figure.get_layout_engine(), ConstrainedLayoutEngine
    )
    charts.thaw_layout(moved.figure)
    assert isinstance(moved.figure.get_layout_engine(), ConstrainedLayoutEngine)
    assert sorted(h.tip(None, None) or "" for h in moved.hits) == sorted(
        h.tip(None, None) or "" for h in fresh.hits
    )
    for ax_moved, ax_fresh in zip(moved.figure.axes, fresh.figure.axes, strict=True):
        assert ax_moved.get_title() == ax_fresh.get_title()

        def sizes(ax):  # type: ignore[no-untyped-def]
            return [
                [(round(p.get_height(), 6), round(p.get_width(), 6)) for p in c if p.get_visible()]
                for c in ax.containers
            ]

        assert sizes(ax_moved) == sizes(ax_fresh)
        for img_moved, img_fresh in zip(ax_moved.images, ax_fresh.images, strict=True):
            assert (img_moved.get_array() == img_fresh.get_array()).all()


def test_a_different_shape_rebuilds() -> None:
    import dataclasses

    week = _week()
    chart = charts.build("interruptions", week, _trend())
    fewer = dataclasses.replace(week, sources=week.sources[:1])
    moved = charts.redraw(chart, fewer, _trend(), charts.LIGHT)
    assert moved is not chart and moved.figure is chart.figure
    assert [p.get_width() for p in moved.figure.axes[1].containers[0]] == [3]


@pytest.mark.parametrize("fmt", charts.EXPORT_FORMATS)
def test_export_each_chart(tmp_path: Path, fmt: str) -> None:
    chart = charts.build("share", _week(), _trend())
    out = charts.save(chart.figure, tmp_path / f"share.{fmt}")
    head = out.read_bytes()[:8]
    assert {
        "png": head.startswith(b"\x89PNG"),
        "pdf": head.startswith(b"%PDF"),
        "svg": b"<svg" in out.read_bytes()[:400],
    }[fmt]


def test_week_page_is_one_pdf_page(tmp_path: Path) -> None:
    out = charts.save(charts.week_page(_week(), _trend()), tmp_path / "week.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert (b"/Type /Pages" in data and b"/Count 1\n" in data) or b"/Count 1 " in data


def test_unknown_export_format(tmp_path: Path) -> None:
    chart = charts.build("share", _week(), _trend())
    with pytest.raises(ValueError, match=r"png, \.svg or \.pdf"):
        charts.save(chart.figure, tmp_path / "x.gif")


@pytest.mark.parametrize("name", charts.CHART_NAMES)
def test_an_empty_week_still_draws(name: str, tmp_path: Path) -> None:
    import dataclasses

    empty = dataclasses.replace(
        _week(),
        planned=MappingProxyType({}),
        planned_meetings=MappingProxyType({}),
        work=MappingProxyType({}),
        meetings=MappingProxyType({}),
        interruptions=MappingProxyType({}),
        overtime=Z7,
        slot_minutes=Z7,
        on_role_minutes=Z7,
        heat=tuple((0,) * 24 for _ in range(7)),
        sources=(),
        interruption_count=0,
        interruption_minutes=0.0,
    )
    trend = ShareTrend(
        weeks=("2026-W48",),
        mondays=(MONDAY,),
        shares=MappingProxyType({}),
        minutes=MappingProxyType({}),
    )
    chart = charts.build(name, empty, trend)
    charts.save(chart.figure, tmp_path / "empty.png")
    assert chart.figure.axes


def test_the_hard_stop_line_leaves_the_day_s_breaks_out() -> None:
    """Was: the line marked the whole window (8 h), so a day lived to plan with 55 min of
    lunch and breaks ended 55 min under it. Now it marks the working time to the hard stop."""
    from dataclasses import replace

    week = replace(_week(), break_minutes=(55.0, 45.0, 0, 0, 0, 0, 0))
    chart = charts.build("time-split", week, _trend())
    (ax,) = chart.figure.axes
    stops = [ln for ln in ax.lines if ln.get_linestyle() == "--" and ln.get_visible()]
    heights = [ln.get_ydata()[0] for ln in stops]
    assert heights == pytest.approx([8 - 55 / 60, 8 - 45 / 60, 8.0, 8.0, 8.0])
    tips = [h.tip(None, None) for h in chart.hits]
    assert any(t.startswith("Mon 23 · hard stop") and "55 min of breaks" in t for t in tips), tips
