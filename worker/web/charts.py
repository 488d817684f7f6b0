"""The geometry of the charts the pages draw as inline SVG: an article's timeline, a site's
edits per day, its most edited articles.

Plain numbers and words here; the templates write the SVG, so every label (scraped headlines
included) is escaped by Jinja's autoescape. Colours come from classes in style.css: the CSP
allows no inline style.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from worker.models import Change, Check, Snapshot
from worker.types import SIGNIFICANCE

WIDTH = 720  # the viewBox's width; the SVG scales to the page
TIMELINE_HEIGHT = 84
CHART_HEIGHT = 160
LABEL_CHARACTERS = 40  # of a headline beside its bar
Scale = Callable[[datetime], float]
FAINT_OUTCOMES = {"error": "failed", "held": "held"}  # checks drawn faintly, and what they say


@dataclass(frozen=True)
class Mark:
    """One mark on a chart: where, which classes colour it, what it says, where it leads."""

    x: float
    y: float
    classes: str
    title: str
    href: str | None = None
    width: float = 0.0
    height: float = 0.0


@dataclass(frozen=True)
class Chart:
    marks: list[Mark]
    labels: list[Mark]  # text at (x, y): dates on the axis, numbers
    width: int
    height: int


def timeline(
    watch_id: int, versions: Sequence[Snapshot], changes: Sequence[Change], checks: Sequence[Check]
) -> Chart:
    """One mark per version along the time axis, coloured by the significance of the change
    that led to it, silent edits ringed; the failed and held checks faintly below."""
    times = [v.fetched_at for v in versions if v.fetched_at] + [
        c.started_at for c in checks if c.started_at
    ]
    if not times:
        return Chart([], [], WIDTH, TIMELINE_HEIGHT)
    start, end = min(times), max(times)
    place = _scale(start, end, 24, WIDTH - 24)
    leading = {c.to_version: c for c in changes if c.kind in {"edit", "revert"}}
    marks = [_version_mark(watch_id, v, leading.get(v.version), place) for v in versions]
    faint = [
        Mark(place(c.started_at), 62, f"check check-{c.outcome}", _check_title(c))
        for c in checks
        if c.outcome in FAINT_OUTCOMES and c.started_at
    ]
    labels = [Mark(24, 80, "axis start", _day(start)), Mark(WIDTH - 24, 80, "axis end", _day(end))]
    return Chart(marks + faint, labels, WIDTH, TIMELINE_HEIGHT)


def _version_mark(watch_id: int, version: Snapshot, change: Change | None, place: Scale) -> Mark:
    level = change.significance if change else "first"
    silent = change is not None and change.disclosure == "silent"
    words = [f"v{version.version}", _day(version.fetched_at), version.title]
    if change is not None:
        words.insert(2, f"{change.significance}{', silent edit' if silent else ''}")
    return Mark(
        place(version.fetched_at),
        30,
        f"version sig-{level}" + (" silent" if silent else ""),
        " · ".join(word for word in words if word),
        href=f"/articles/{watch_id}/versions/{version.version}",
    )


def _check_title(check: Check) -> str:
    said = FAINT_OUTCOMES[check.outcome]
    return f"check {said} {_day(check.started_at)}" + (f": {check.error}" if check.error else "")


def edits_per_day(
    rows: Sequence[tuple[str, str, str | None, int]], days: int, today: date
) -> Chart:
    """Stacked bars, one per day of the last `days`, by significance (least at the bottom)."""
    first = today - timedelta(days=days - 1)
    totals: dict[str, dict[str, int]] = {}
    for day, significance, _, n in rows:
        totals.setdefault(day, {}).setdefault(significance, 0)
        totals[day][significance] += n
    highest = max((sum(levels.values()) for levels in totals.values()), default=0) or 1
    slot = (WIDTH - 40) / days
    marks, labels = [], []
    for offset in range(days):
        day = (first + timedelta(days=offset)).isoformat()
        x, bottom = 40 + offset * slot, CHART_HEIGHT - 20
        for level in SIGNIFICANCE:
            n = totals.get(day, {}).get(level, 0)
            if n:
                height = n / highest * (CHART_HEIGHT - 30)
                bottom -= height
                title = f"{day}: {n} {level}"
                marks.append(Mark(x + 1, bottom, f"bar sig-{level}", title, None, slot - 2, height))
    labels.append(Mark(40, CHART_HEIGHT - 4, "axis start", first.isoformat()))
    labels.append(Mark(WIDTH, CHART_HEIGHT - 4, "axis end", today.isoformat()))
    labels.append(Mark(34, 14, "axis top", str(highest)))
    return Chart(marks, labels, WIDTH, CHART_HEIGHT)


def ranked_bars(rows: Sequence[tuple[str, str, int]]) -> Chart:
    """Horizontal bars of (label, link, number), largest first, each labelled."""
    highest = max((n for _, _, n in rows), default=0) or 1
    marks, labels = [], []
    for rank, (label, href, n) in enumerate(rows):
        y = 4 + rank * 26
        width = n / highest * (WIDTH - 300)
        marks.append(Mark(290, y, "bar ranked", f"{label}: {n}", href, max(width, 2), 18))
        labels.append(Mark(282, y + 14, "label", _shortened(label), href))
        labels.append(Mark(296 + width, y + 14, "count", str(n)))
    return Chart(marks, labels, WIDTH, 8 + 26 * len(rows))


def shares(rows: Sequence[tuple[str, str, str | None, int]]) -> dict[str, int]:
    """Of the edits in `rows`: how many in all, substantive or major, and silent."""
    total = sum(n for *_, n in rows)
    heavy = sum(n for _, level, _, n in rows if level in {"substantive", "major"})
    silent = sum(n for _, _, how, n in rows if how == "silent")
    return {"total": total, "substantive": heavy, "silent": silent}


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _scale(start: datetime, end: datetime, left: float, right: float) -> Scale:
    span = (end - start).total_seconds() or 1.0
    return lambda when: left + (when - start).total_seconds() / span * (right - left)


def _day(when: datetime | None) -> str:
    return when.date().isoformat() if when else ""


def _shortened(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"
