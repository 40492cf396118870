"""Chart geometry for the invoices, leakage and volumes pages: positions for inline SVG (and
bar widths), laid out here from figures the queries give. Templates only place them; no
number a chart shows is computed here beyond where it goes on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from pactline.engine.money import plain_number
from pactline.engine.service_levels import Period

if TYPE_CHECKING:  # the templating module imports this one: keep it light
    from pactline.commercials.queries import BaselineMonth, BaselineSeries

ZERO = Decimal(0)
MONTH_ABBREVIATIONS: tuple[str, ...] = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def month_abbr(period: str) -> str:
    """ "2026-04" -> "Apr"."""
    return MONTH_ABBREVIATIONS[int(period[5:]) - 1]


def month_label(period: str) -> str:
    """ "2026-04" -> "Apr 2026"."""
    return f"{month_abbr(period)} {period[:4]}"


def whole(value: Decimal) -> str:
    """A figure with thousands separators and no trailing zeros: "2,080", "12.5"."""
    text = plain_number(value)
    head, _, tail = text.partition(".")
    sign = "-" if head.startswith("-") else ""
    grouped = f"{int(head.lstrip('-') or 0):,}"
    return f"{sign}{grouped}{'.' + tail if tail else ''}"


def compact(value: Decimal) -> str:
    """An amount for an axis: "950", "13.3k", "1.2m"."""
    size = abs(value)
    for limit, suffix in ((Decimal(1_000_000), "m"), (Decimal(1_000), "k")):
        if size >= limit:
            scaled = (value / limit).quantize(Decimal("0.1"))
            return f"{plain_number(scaled)}{suffix}"
    return whole(value.quantize(Decimal(1)) if size >= 10 else value)


def nice_ticks(low: Decimal, high: Decimal, most: int = 5) -> list[Decimal]:
    """Round values for an axis between low and high: steps of 1, 2 or 5 × 10^n."""
    if high <= low:
        return [low]
    raw = (high - low) / (most - 1)
    magnitude = Decimal(10) ** raw.adjusted()
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    value = (low / step).to_integral_value(rounding=ROUND_CEILING) * step
    ticks = []
    while value <= high:
        ticks.append(value)
        value += step
    return ticks


def _nice_ceiling(value: Decimal) -> Decimal:
    """The axis top for a largest value: the next step of 1, 2 or 5 × 10^n at or above it."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** value.adjusted()
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= value)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included."""
    months = []
    period, end = Period.parse(first), Period.parse(last)
    while period <= end:
        months.append(str(period))
        period = period.shift(1)
    return months


def _month_ticks(periods: Sequence[str], x: Any) -> list[dict[str, Any]]:
    """Month labels under an axis: every month while they fit, then every second or third;
    the year under the first month and under each January."""
    count = len(periods)
    every = 1 if count <= 12 else 2 if count <= 24 else 3
    return [
        {
            "x": x(index),
            "text": month_abbr(period),
            "year": period[:4] if index == 0 or period.endswith("-01") else "",
        }
        for index, period in enumerate(periods)
        if index % every == 0 or index == count - 1
    ]


# --- share bars: one bar per row of a table ------------------------------------------------


def share_bars(amounts: Sequence[Decimal]) -> list[float]:
    """Each amount's bar length in % of the largest (a non-zero amount stays visible)."""
    largest = max((a for a in amounts), default=Decimal(0))
    if largest <= 0:
        return [0.0 for _ in amounts]
    return [max(round(float(a / largest) * 100, 1), 1.0) if a > 0 else 0.0 for a in amounts]


def share_of(amount: Decimal, whole_amount: Decimal) -> str:
    """An amount as a share of a total, in words for a table: "93%", "<1%"."""
    if whole_amount <= 0:
        return "—"
    share = amount / whole_amount * 100
    if 0 < share < 1:
        return "<1%"
    return f"{share.quantize(Decimal(1)):f}%"


# --- columns by month ----------------------------------------------------------------------

COLUMNS_WIDTH = 640
COLUMNS_HEIGHT = 210
COLUMNS_LEFT = 56
COLUMNS_RIGHT = 12
COLUMNS_TOP = 12
COLUMNS_BOTTOM = 34


def month_columns(
    values: dict[str, Decimal], titles: dict[str, str], currency: str
) -> dict[str, Any]:
    """A column a month from the first month with a value to the last (months between at
    zero), on an axis from zero; ``titles`` gives each month's tooltip."""
    if not values:
        return {}
    periods = months_between(min(values), max(values))
    top = _nice_ceiling(max(values.values()))
    plot_w = COLUMNS_WIDTH - COLUMNS_LEFT - COLUMNS_RIGHT
    plot_h = COLUMNS_HEIGHT - COLUMNS_TOP - COLUMNS_BOTTOM
    bottom = COLUMNS_TOP + plot_h
    slot = plot_w / len(periods)
    width = min(slot * 0.62, 44.0)

    def x(index: int) -> float:
        return round(COLUMNS_LEFT + slot * index + slot / 2, 1)

    def y(value: Decimal) -> float:
        return round(COLUMNS_TOP + (1 - float(value / top)) * plot_h, 1)

    columns = []
    for index, period in enumerate(periods):
        value = values.get(period, Decimal(0))
        height = bottom - y(value)
        if value > 0:
            height = max(height, 2.0)  # a small amount stays visible
        columns.append(
            {
                "x": round(x(index) - width / 2, 1),
                "y": round(bottom - height, 1),
                "w": round(width, 1),
                "h": round(height, 1),
                "title": titles.get(period, f"{month_label(period)}: nothing at stake"),
            }
        )
    ticks = [{"y": y(v), "text": compact(v)} for v in nice_ticks(Decimal(0), top)]
    return {
        "width": COLUMNS_WIDTH,
        "height": COLUMNS_HEIGHT,
        "left": COLUMNS_LEFT,
        "right": COLUMNS_LEFT + plot_w,
        "top": COLUMNS_TOP,
        "bottom": bottom,
        "columns": columns,
        "ticks": ticks,
        "months": _month_ticks(periods, x),
        "unit": currency,
    }


# --- volume against baseline ---------------------------------------------------------------

LINE_WIDTH = 960  # drawn across a whole panel
LINE_HEIGHT = 260
LINE_LEFT = 56
LINE_RIGHT = 150
LINE_TOP = 14
LINE_BOTTOM = 34

POSITION_WORDS = {
    "above": "above the deadband: ARC is due",
    "below": "below the deadband: RRC is due if the terms give one",
    "inside": "inside the deadband: no ARC or RRC",
}


def _month_values(month: BaselineMonth) -> list[Decimal]:
    values = [v for v in (month.volume, month.baseline) if v is not None]
    if month.baseline is not None:
        values += [month.baseline + month.deadband, max(month.baseline - month.deadband, ZERO)]
    return values + list(month.arc_limits) + list(month.rrc_limits)


def baseline_chart(series: BaselineSeries) -> dict[str, Any]:
    """A line of the monthly volumes against the baseline: the baseline as a step line (it may
    move month to month), the deadband shaded around it, band limits dashed, each volume's
    point coloured by where it falls."""
    months = series.months
    values = [v for m in months for v in _month_values(m)]
    if not values or all(m.volume is None for m in months):
        return {}
    low, high = min(values), max(values)
    span = high - low or max(abs(high) / 10, Decimal(1))
    low = max(low - span * Decimal("0.15"), Decimal(0))
    high = high + span * Decimal("0.15")
    ticks_values = nice_ticks(low, high)
    step_value = ticks_values[1] - ticks_values[0] if len(ticks_values) > 1 else Decimal(1)
    low = min(low, (low / step_value).to_integral_value(rounding=ROUND_FLOOR) * step_value)
    plot_w = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    bottom = LINE_TOP + plot_h
    count = len(months)
    step = plot_w / max(count - 1, 1) if count > 1 else plot_w

    def x(index: int) -> float:
        return round(LINE_LEFT + (index * step if count > 1 else plot_w / 2), 1)

    def y(value: Decimal) -> float:
        share = float((high - value) / (high - low)) if high != low else 0.5
        return round(LINE_TOP + min(max(share, 0.0), 1.0) * plot_h, 1)

    def edges(index: int) -> tuple[float, float]:
        half = step / 2 if count > 1 else plot_w / 2
        return max(x(index) - half, LINE_LEFT), min(x(index) + half, LINE_LEFT + plot_w)

    def steps(levels: Sequence[Decimal | None]) -> str:
        """A step path: a flat segment a month at each level, joined where months follow."""
        path: list[str] = []
        joined = False
        for index, level in enumerate(levels):
            if level is None:
                joined = False
                continue
            left, right = edges(index)
            path.append(f"{'L' if joined else 'M'}{left},{y(level)} H{right}")
            joined = True
        return " ".join(path)

    # The deadband as one shape per run of months with a baseline (no seams between months).
    bands: list[str] = []
    run: list[tuple[float, float, float, float]] = []  # left, right, upper y, lower y
    for month_index, month in enumerate([*months, None]):
        if month is None or month.baseline is None:
            if run:
                top = " ".join(f"L{left},{upper} L{right},{upper}" for left, right, upper, _ in run)
                bottom_edge = " ".join(
                    f"L{right},{lower} L{left},{lower}" for left, right, _, lower in reversed(run)
                )
                bands.append(f"M{top[1:]} {bottom_edge} Z")
                run = []
            continue
        left, right = edges(month_index)
        upper = y(month.baseline + month.deadband)
        lower = y(max(month.baseline - month.deadband, ZERO))
        run.append((left, right, upper, lower))
    most_arc = max((len(m.arc_limits) for m in months), default=0)
    most_rrc = max((len(m.rrc_limits) for m in months), default=0)
    limits = [
        steps([m.arc_limits[i] if i < len(m.arc_limits) else None for m in months])
        for i in range(most_arc)
    ] + [
        steps([m.rrc_limits[i] if i < len(m.rrc_limits) else None for m in months])
        for i in range(most_rrc)
    ]
    line: list[str] = []
    points = []
    pen_down = False
    for index, month in enumerate(months):
        if month.volume is None:
            pen_down = False
            continue
        line.append(f"{'L' if pen_down else 'M'}{x(index)},{y(month.volume)}")
        pen_down = True
        title = f"{month_label(month.period)}: {whole(month.volume)} {series.unit}"
        if month.baseline is not None:
            title += (
                f" against a baseline of {whole(month.baseline)} ±{whole(month.deadband)}; "
                f"{POSITION_WORDS.get(month.position or '', '')}"
            )
        points.append(
            {
                "x": x(index),
                "y": y(month.volume),
                "position": month.position or "inside",
                "title": title,
            }
        )
    last = next((m for m in reversed(months) if m.baseline is not None), None)
    labels = []
    if last is not None and last.baseline is not None:
        labels.append(
            {"y": y(last.baseline), "text": f"Baseline {whole(last.baseline)}", "kind": "baseline"}
        )
        if last.deadband > 0:
            band_top = y(last.baseline + last.deadband)
            labels.append(
                {
                    "y": min(band_top, y(last.baseline) - 14),
                    "text": f"Deadband ±{whole(last.deadband)}",
                    "kind": "deadband",
                }
            )
    return {
        "width": LINE_WIDTH,
        "height": LINE_HEIGHT,
        "left": LINE_LEFT,
        "right": LINE_LEFT + plot_w,
        "top": LINE_TOP,
        "bottom": bottom,
        "label_x": LINE_LEFT + plot_w + 8,
        "bands": bands,
        "baseline": steps([m.baseline for m in months]),
        "limits": [p for p in limits if p],
        "line": " ".join(line),
        "points": points,
        "labels": labels,
        "ticks": [{"y": y(v), "text": whole(v)} for v in nice_ticks(low, high)],
        "months": _month_ticks([m.period for m in months], x),
        "has_limits": bool(most_arc or most_rrc),
    }
