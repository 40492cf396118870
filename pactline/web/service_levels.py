"""Web pages of service levels: a contract's scorecard, one month's credit, and the portfolio.

Handlers translate: they read the form, call one service or query function and render the
result; the service decides (which statuses a credit may move to, who may approve what, what
a file must contain). The charts are laid out here as inline SVG from figures the queries
give; no number shown is computed here beyond placing it on the page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from pactline.contracts import queries as contract_queries
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.errors import Conflict, PactlineError, ValidationFailed
from pactline.core.http import SessionDep
from pactline.disputes import queries as dispute_queries
from pactline.disputes import service as dispute_service
from pactline.disputes.schemas import DisputeCreate
from pactline.engine.service_levels import Direction, MeasureStatus, MeasureType, Period, Unit
from pactline.service_levels import queries, service, staging
from pactline.service_levels.enums import (
    CreditStatus,
    ExclusionKind,
    ExclusionStatus,
)
from pactline.service_levels.models import PeriodCredit
from pactline.service_levels.rules import first_day
from pactline.service_levels.schemas import (
    CreditStatusChange,
    ExclusionCreate,
    ExclusionDecision,
    MeasurementCreate,
)
from pactline.terms import EventSource
from pactline.users.enums import Permission
from pactline.users.principal import Principal
from pactline.web import forms
from pactline.web.auth import WebPrincipal, csrf_protect
from pactline.web.charts import MONTH_ABBREVIATIONS
from pactline.web.contracts import contract_context
from pactline.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])

MONTH_CHOICES = (6, 12, 18)
DEFAULT_MONTHS = 18
_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")

STATUS_LABELS = {
    MeasureStatus.MET.value: "Met",
    MeasureStatus.EXPECTED_MISS.value: "Expected level missed",
    MeasureStatus.MINIMUM_MISS.value: "Minimum level missed",
    MeasureStatus.NOT_REPORTED.value: "Not reported",
    MeasureStatus.EXCLUDED.value: "Excluded",
    MeasureStatus.NOT_DUE.value: "Not due",
    "not_assessed": "Not reported, not assessed",
}
COMPACT_UNITS = {Unit.HOURS.value: "h", Unit.MINUTES.value: "min", Unit.DAYS.value: "d"}
CREDIT_BADGES = {
    CreditStatus.COMPUTED.value: "badge-info",
    CreditStatus.UNDER_REVIEW.value: "badge-warn",
    CreditStatus.DISPUTED.value: "badge-bad",
    CreditStatus.AGREED.value: "badge-ok",
    CreditStatus.APPLIED.value: "badge-ok",
    CreditStatus.EARNED_BACK.value: "badge-muted",
}
CREDIT_ACTIONS = {
    CreditStatus.UNDER_REVIEW: "Put under review",
    CreditStatus.DISPUTED: "Dispute",
    CreditStatus.AGREED: "Agree",
    CreditStatus.APPLIED: "Mark applied",
    CreditStatus.EARNED_BACK: "Mark earned back",
}
EXCLUSION_BADGES = {
    ExclusionStatus.REQUESTED.value: "badge-warn",
    ExclusionStatus.APPROVED.value: "badge-ok",
    ExclusionStatus.REJECTED.value: "badge-muted",
}
EXCLUSION_KINDS = {
    ExclusionKind.ADJUSTED_ACTUAL.value: "Remove events or time: a corrected actual",
    ExclusionKind.WHOLE_PERIOD.value: "Exclude the whole month: it is not assessed",
}
SERVICE_CREDIT_FIGURES = (
    # (key in the stored result's service_credits, label)
    ("charge_base", "Charge base"),
    ("at_risk_amount", "At-risk amount"),
    ("uncapped", "Credits before caps"),
    ("carried_in", "Carried in"),
    ("cap", "Cap"),
    ("total", "Total credits"),
    ("carried_forward", "Carried forward"),
    ("discarded", "Discarded over the cap"),
    ("deferred", "Deferred (earnback)"),
    ("released", "Released"),
    ("refunded", "Refunded"),
    ("payable", "Payable"),
)
ALWAYS_SHOWN_FIGURES = frozenset({"charge_base", "at_risk_amount", "uncapped", "total", "payable"})


# --- small translations ------------------------------------------------------------------


def _number(value: Decimal | str | None) -> str:
    """A figure as people write it: no exponent, no trailing zeros ("99.5", "100")."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):f}"
    return f"{number.normalize():f}"


def _show(value: Decimal | str | None, unit: str | None) -> str:
    """A figure with its unit ("99.95%", "4 hours"); a dash when there is none."""
    if value is None or value == "":
        return "—"
    try:
        return Unit(unit).show(Decimal(value)) if unit else _number(value)
    except ValueError:
        return _number(value)


def _compact(value: Decimal, unit: str) -> str:
    """A figure for a grid cell: "99.95%", "1.5h", "3d"."""
    suffix = COMPACT_UNITS.get(unit)
    return f"{_number(value)}{suffix}" if suffix else _show(value, unit)


def _whole(value: Decimal) -> str:
    """An amount in whole units for the narrowest columns: "2,667" (the title has the cents)."""
    return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,f}"


def _amount(value: Decimal | str | None) -> str:
    """An amount without its currency for narrow columns: "13,250", "1,250.50"."""
    if value is None or value == "":
        return "—"
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def _money(value: Decimal | str | None, currency: str) -> str:
    if value is None or value == "":
        return "—"
    return f"{currency} {Decimal(value):,.2f}"


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{_number(value.quantize(Decimal('0.1')))}%"


def _month_label(period: str) -> str:
    """ "2026-03" -> "Mar 2026"."""
    return f"{MONTH_ABBREVIATIONS[int(period[5:]) - 1]} {period[:4]}"


def _field_messages(exc: PactlineError | ValidationError) -> dict[str, str]:
    """Per-field messages of a refused form, for showing next to its inputs."""
    if isinstance(exc, ValidationError):
        return forms.model_errors(exc)
    return {p["field"]: p["message"] for p in forms.problems(exc) if p["field"]}


def _message(exc: PactlineError | ValidationError) -> str:
    if isinstance(exc, ValidationError):
        return "Please correct the highlighted fields."
    text = forms.capitalised(exc.message)
    return text if text.endswith(".") else text + "."


def _status_code(exc: PactlineError | ValidationError) -> int:
    return 422 if isinstance(exc, ValidationError) else exc.http_status


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _period_param(value: str | None) -> str | None:
    """A YYYY-MM month from a query string, or None (flash texts only show checked values)."""
    return value if value and _PERIOD.fullmatch(value) else None


# --- what the terms say --------------------------------------------------------------------


def _measures(record: Contract) -> list[queries.MeasureChoice]:
    return queries.measures_named(record, clock.today())


# --- flashes -------------------------------------------------------------------------------


def _flashes(params: Mapping[str, str], measure_ids: Sequence[str]) -> list[dict[str, str]]:
    """The success message of the form just submitted, from the redirect's query string.

    Only checked values reach the text (numbers, months, known ids and statuses), so a
    crafted link cannot put words on the page.
    """
    texts = []
    period = _period_param(params.get("period"))
    measure = params.get("measure")
    if "recorded" in params and period:
        what = measure if measure in measure_ids else "The measurement"
        texts.append(
            f"{what} for {period} saved. Stored credits of that month and later ones were "
            "recalculated."
        )
    imported = _int(params.get("imported"))
    if imported is not None:
        replaced = _int(params.get("replaced")) or 0
        first, last = _period_param(params.get("first")), _period_param(params.get("last"))
        span = f" ({first} to {last})" if first and last else ""
        texts.append(
            f"Imported {imported + replaced} measurements{span}: {imported} new, {replaced} "
            "replaced. Stored credits were recalculated."
        )
    computed = _int(params.get("computed"))
    if computed is not None:
        first, last = _period_param(params.get("first")), _period_param(params.get("last"))
        span = f" ({first} to {last})" if first and last else ""
        texts.append(
            f"Computed {computed} measurements{span} from the events file; each keeps the file's "
            "checksum and the counts behind it. Stored credits were recalculated."
        )
    requested = _int(params.get("requested"))
    if requested is not None:
        texts.append(
            f"Exclusion #{requested} requested. Someone with the service_levels.approve "
            "permission decides it on the month's page."
        )
    if "evaluated" in params and period:
        texts.append(f"{period} evaluated: its service credit is stored for review.")
    decided, outcome = _int(params.get("decided")), params.get("outcome")
    if decided is not None and outcome in (ExclusionStatus.APPROVED, ExclusionStatus.REJECTED):
        follow = " Stored credits were recalculated." if outcome == "approved" else ""
        texts.append(f"Exclusion #{decided} {outcome}.{follow}")
    status = params.get("credit")
    if status in {s.value for s in CreditStatus}:
        texts.append(f"The service credit is now {status.replace('_', ' ')}.")
    return [{"kind": "ok", "text": text} for text in texts]


# --- scorecard -----------------------------------------------------------------------------


CHART_WIDTH = 640
CHART_HEIGHT = 190
CHART_LEFT = 60
CHART_RIGHT = 118
CHART_TOP = 14
CHART_BOTTOM = 30


def _y_range(values: Sequence[Decimal], unit: str) -> tuple[Decimal, Decimal]:
    """The values' range with some air, kept inside what the unit allows (0–100 for %)."""
    low, high = min(values), max(values)
    span = high - low or max(abs(high) / 10, Decimal(1))
    low, high = low - span * Decimal("0.12"), high + span * Decimal("0.12")
    floor, ceiling = Unit(unit).bounds() if unit else (Decimal(0), None)
    low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    return low, high


def _nice_ticks(low: Decimal, high: Decimal, most: int = 5) -> list[Decimal]:
    """Round values for a chart's axis between low and high: steps of 1, 2 or 5 x 10^n."""
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


def _trend_chart(row: queries.ScorecardRow, periods: Sequence[str]) -> dict[str, Any]:
    """Positions for a line chart of a measure's actuals with its levels as lines, and the
    zones where the level is missed shaded on the side the direction makes bad."""
    cells = {c.period: c for c in row.cells}
    values: list[Decimal] = []
    for each in row.cells:
        values += [v for v in (each.actual, each.level, each.minimum) if v is not None]
    if not values:
        return {}
    low, high = _y_range(values, row.unit)
    plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bottom = CHART_TOP + plot_h
    count = len(periods)
    step = plot_w / max(count - 1, 1)
    higher = row.direction == Direction.HIGHER_IS_BETTER.value

    def x(index: int) -> float:
        return round(CHART_LEFT + (index * step if count > 1 else plot_w / 2), 1)

    def y(value: Decimal) -> float:
        share = float((high - value) / (high - low)) if high != low else 0.5
        return round(CHART_TOP + min(max(share, 0.0), 1.0) * plot_h, 1)

    def edges(index: int) -> tuple[float, float]:
        half = step / 2 if count > 1 else plot_w / 2
        return max(x(index) - half, CHART_LEFT), min(x(index) + half, CHART_LEFT + plot_w)

    zones: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    level_path: list[str] = []
    minimum_path: list[str] = []
    line: list[str] = []
    pen_down = False
    for index, period in enumerate(periods):
        cell = cells.get(period)
        if cell is None:
            pen_down = False
            continue
        left, right = edges(index)
        if cell.level is not None and cell.minimum is not None:
            level_y, minimum_y = y(cell.level), y(cell.minimum)
            # The red zone lies beyond the minimum, the amber one between the two levels.
            bad_top, bad_bottom = (minimum_y, bottom) if higher else (CHART_TOP, minimum_y)
            zones.append({"x": left, "y": bad_top, "w": right - left, "h": bad_bottom - bad_top})
            amber_top, amber_bottom = sorted((level_y, minimum_y))
            if amber_bottom > amber_top:
                zones.append(
                    {
                        "x": left,
                        "y": amber_top,
                        "w": right - left,
                        "h": amber_bottom - amber_top,
                        "kind": "amber",
                    }
                )
            level_path.append(f"{'M' if not level_path else 'L'}{left},{level_y} H{right}")
            minimum_path.append(f"{'M' if not minimum_path else 'L'}{left},{minimum_y} H{right}")
        status = _display_status(cell)
        title = f"{_month_label(period)}: {STATUS_LABELS.get(status, status)}"
        if cell.actual is None:
            pen_down = False
            points.append({"x": x(index), "y": bottom - 6, "status": status, "title": title})
            continue
        title += f", {_show(cell.actual, row.unit)}"
        line.append(f"{'L' if pen_down else 'M'}{x(index)},{y(cell.actual)}")
        pen_down = True
        points.append({"x": x(index), "y": y(cell.actual), "status": status, "title": title})
    last = next((c for c in reversed(row.cells) if c.level is not None), None)
    if last is not None and last.level is not None and last.minimum is not None:
        level_y, minimum_y = y(last.level), y(last.minimum)
        one_level = last.level == last.minimum
        labels.append(
            {
                "y": level_y,
                "text": f"{'Target' if one_level else 'Expected'} {_show(last.level, row.unit)}",
                "kind": "level",
            }
        )
        if not one_level:
            # Keep the two labels apart when the levels are close on the chart.
            gap = 12 if higher else -12
            if abs(minimum_y - level_y) < 12:
                minimum_y = level_y + gap
            labels.append(
                {
                    "y": minimum_y,
                    "text": f"Minimum {_show(last.minimum, row.unit)}",
                    "kind": "minimum",
                }
            )
    ticks = [{"y": y(value), "text": _show(value, row.unit)} for value in _nice_ticks(low, high)]
    every = 1 if count <= 9 else 2 if count <= 18 else 3
    months = [
        {"x": x(i), "text": MONTH_ABBREVIATIONS[int(p[5:]) - 1], "year": p[:4]}
        for i, p in enumerate(periods)
        if i % every == 0 or i == count - 1
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_LEFT + plot_w,
        "top": CHART_TOP,
        "bottom": bottom,
        "label_x": CHART_LEFT + plot_w + 8,
        "zones": zones,
        "level_path": " ".join(level_path),
        "minimum_path": " ".join(minimum_path) if labels and len(labels) > 1 else "",
        "line": " ".join(line),
        "points": points,
        "labels": labels,
        "ticks": ticks,
        "months": months,
        "direction": "Higher is better" if higher else "Lower is better",
    }


def _display_status(cell: queries.ScorecardCell) -> str:
    """The cell's status for colour: a missing report the terms ignore is not a failure, so it
    is shown like a month not assessed."""
    if cell.status == MeasureStatus.NOT_REPORTED.value and not cell.failed:
        return "not_assessed"
    return cell.status


def _grid(card: queries.Scorecard, contract_id: int) -> dict[str, Any]:
    """The scorecard as rows of display cells, one per month (a measure the terms of a month
    do not name gets an empty cell)."""
    base = f"/contracts/{contract_id}/service-levels"
    months = [
        {
            "period": m.period,
            "abbr": MONTH_ABBREVIATIONS[int(m.period[5:]) - 1],
            "year": m.period[:4],
            "url": f"{base}/{m.period}",
            "credit": _whole(m.credit),
            "credit_full": _money(m.credit, card.currency),
            "has_credit": m.credit > 0,
            "at_risk": _money(m.at_risk, card.currency),
            "stored_status": m.stored_status,
            "stored_badge": CREDIT_BADGES.get(m.stored_status or "", ""),
            "stored_amount": _money(m.stored_amount, card.currency),
            "stale": m.stale,
            "red_flags": list(m.red_flags),
        }
        for m in card.months
    ]
    rows = []
    for row in card.rows:
        by_period = {c.period: c for c in row.cells}
        cells: list[dict[str, Any] | None] = []
        for month in card.months:
            cell = by_period.get(month.period)
            if cell is None:
                cells.append(None)
                continue
            status = _display_status(cell)
            label = STATUS_LABELS.get(status, status)
            title = [f"{_month_label(cell.period)} · {label}"]
            if cell.actual is not None:
                title.append(f"actual {_show(cell.actual, row.unit)}")
            if cell.level is not None:
                if cell.level == cell.minimum:
                    title.append(f"target {_show(cell.level, row.unit)}")
                else:
                    title.append(
                        f"expected {_show(cell.level, row.unit)}, "
                        f"minimum {_show(cell.minimum, row.unit)}"
                    )
            if cell.credit:
                title.append(f"credit {_money(cell.credit, card.currency)}")
            if cell.default:
                title.append("a default")
            cells.append(
                {
                    "status": status,
                    "label": label,
                    "actual": _compact(cell.actual, row.unit) if cell.actual is not None else "",
                    "default": cell.default,
                    "title": "; ".join(title),
                    "url": f"{base}/{cell.period}",
                }
            )
        latest = row.cells[-1] if row.cells else None
        if latest is None or latest.level is None:
            levels = ""
        elif latest.level == latest.minimum:
            levels = f"target {_show(latest.level, row.unit)}"
        else:
            levels = (
                f"expected {_show(latest.level, row.unit)} · "
                f"minimum {_show(latest.minimum, row.unit)}"
            )
        rows.append(
            {
                "id": row.id,
                "name": row.name,
                "type": row.type,
                "critical": row.type == MeasureType.CRITICAL.value,
                "levels": levels,
                "direction": "higher is better"
                if row.direction == Direction.HIGHER_IS_BETTER.value
                else "lower is better",
                "met": _pct(row.met_share),
                "cells": cells,
            }
        )
    # Latest month first: a trigger reached again each month should not bury the newest one.
    flags = [
        {"period": m.period, "url": f"{base}/{m.period}", "messages": list(m.red_flags)}
        for m in reversed(card.months)
        if m.red_flags
    ]
    return {
        "months": months,
        "rows": rows,
        "red_flags": flags[:1],
        "earlier_red_flags": flags[1:],
        "red_flag_count": sum(len(f["messages"]) for f in flags),
    }


def _months_shown(value: str | None) -> int:
    number = _int(value)
    return number if number in MONTH_CHOICES else DEFAULT_MONTHS


def _grid_context(
    session: SessionDep, record: Contract, has_service_levels: bool, last: int
) -> dict[str, Any]:
    card = (
        queries.scorecard(session, record.id, last=last)
        if has_service_levels
        else queries.Scorecard(record.currency, (), ())
    )
    charts = [
        {"name": row.name, "id": row.id, "chart": _trend_chart(row, card.periods)}
        for row in card.rows
        if row.type == MeasureType.CRITICAL.value
    ]
    base = f"/contracts/{record.id}/service-levels"
    return {
        "card": card,
        "grid": _grid(card, record.id),
        "charts": [c for c in charts if c["chart"]],
        "months_shown": last,
        "month_choices": [
            {"months": n, "url": f"{base}?months={n}", "current": n == last} for n in MONTH_CHOICES
        ],
        "currency": record.currency,
    }


def _default_period(card: queries.Scorecard) -> str:
    """The month a form offers first: the latest measured, else last month."""
    if card.periods:
        return card.periods[-1]
    return str(Period(clock.today().year, clock.today().month).shift(-1))


EMPTY_MEASUREMENT = {"measure_id": "", "period": "", "value": "", "note": ""}
EMPTY_EXCLUSION = {
    "measure_id": "",
    "period": "",
    "kind": ExclusionKind.ADJUSTED_ACTUAL.value,
    "ground": "",
    "actual_after_exclusions": "",
    "reason": "",
    "evidence": "",
}


def _scorecard_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    ctx = contract_context(session, principal, contract_id, "service_levels")
    record = contract_queries.get_contract(session, contract_id)
    has_service_levels = queries.has_service_levels(record)
    last = _months_shown(request.query_params.get("months"))
    ctx.update(_grid_context(session, record, has_service_levels, last))
    measures = _measures(record)
    period = _default_period(ctx["card"])
    can_write_levels = principal.can(Permission.SERVICE_LEVELS_WRITE)
    ctx.update(
        {
            "has_service_levels": has_service_levels,
            "measures": measures,
            "computed_sources": queries.computed_sources(record),
            "grounds": queries.exclusion_grounds(record, clock.today()),
            "can_record": can_write_levels,
            "can_evaluate": staging.can_evaluate(principal),
            "can_approve": principal.can(Permission.SERVICE_LEVELS_APPROVE),
            "awaiting": queries.list_exclusions(
                session, contract_id, status=ExclusionStatus.REQUESTED.value
            )
            if has_service_levels
            else [],
            "measurement": {**EMPTY_MEASUREMENT, "period": period},
            "exclusion": {**EMPTY_EXCLUSION, "period": period},
            "evaluate_period": period,
            "exclusion_kinds": EXCLUSION_KINDS,
            "failed_form": None,
            "field_errors": {},
            "form_message": None,
            "import_problems": [],
            "flashes": _flashes(request.query_params, [m.id for m in measures]),
            **extra,
        }
    )
    return render(
        request,
        "service_levels/scorecard.html",
        ctx,
        status_code=status_code,
        active="service_levels",
    )


@router.get("/contracts/{contract_id}/service-levels")
def scorecard_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int
) -> Response:
    if forms.is_partial(request):
        record = contract_queries.get_contract(session, contract_id)
        last = _months_shown(request.query_params.get("months"))
        ctx = _grid_context(session, record, queries.has_service_levels(record), last)
        return forms.vary(render(request, "service_levels/_scorecard.html", ctx))
    return forms.vary(_scorecard_page(request, session, principal, contract_id))


def _form_failed(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    exc: PactlineError | ValidationError,
    form: str,
    **extra: Any,
) -> Response:
    """The scorecard again, the refused form keeping what was typed and saying why."""
    session.rollback()
    return _scorecard_page(
        request,
        session,
        principal,
        contract_id,
        status_code=_status_code(exc),
        failed_form=form,
        form_message=_message(exc),
        field_errors=_field_messages(exc),
        error="Nothing was saved: see the form below.",
        **extra,
    )


@router.post("/contracts/{contract_id}/service-levels/measurements")
def record_measurement(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    measure_id: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.SERVICE_LEVELS_WRITE)
    form = {"measure_id": measure_id, "period": period, "value": value, "note": note}
    try:
        data = MeasurementCreate(
            measure_id=measure_id.strip(),
            period=period.strip(),
            value=value.strip() or None,
            note=note.strip() or None,
        )
        service.record_measurement(session, actor=principal, contract_id=contract_id, data=data)
    except (ValidationFailed, Conflict, ValidationError) as exc:
        return _form_failed(
            request, session, principal, contract_id, exc, "measurement", measurement=form
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels?recorded=1&measure={data.measure_id}"
        f"&period={data.period}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/service-levels/compute")
def compute_measurements(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    source: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    principal.require(Permission.SERVICE_LEVELS_WRITE)
    name = PurePath(file.filename or "").name if file is not None else ""
    try:
        if file is None or not name:
            raise ValidationFailed(
                "choose a tickets or outages file",
                details=[{"file": None, "row": None, "field": "file", "message": "no file"}],
            )
        try:
            kind = EventSource(source)
        except ValueError:
            raise ValidationFailed(
                "choose what the file holds: tickets or outages",
                details=[{"file": name, "row": None, "field": "source", "message": "unknown"}],
            ) from None
        suffix = PurePath(name).suffix.lower() or ".csv"
        with tempfile.TemporaryDirectory(prefix="pactline-events-") as folder:
            path = Path(folder) / f"events{suffix}"
            with path.open("wb") as handle:
                shutil.copyfileobj(file.file, handle, length=1 << 20)
            computed = service.compute_measurements(
                session,
                actor=principal,
                contract_id=contract_id,
                source=kind,
                path=path,
                source_name=name,
            )
    except ValidationFailed as exc:
        session.rollback()
        return _scorecard_page(
            request,
            session,
            principal,
            contract_id,
            status_code=422,
            failed_form="compute",
            import_problems=forms.problems(exc),
            error="Nothing was computed: see the problems below.",
        )
    periods = sorted(f.period for f in computed.figures)
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels?computed={len(computed.figures)}"
        f"&first={periods[0]}&last={periods[-1]}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/service-levels/import")
def import_measurements(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    principal.require(Permission.SERVICE_LEVELS_WRITE)
    content = file.file.read(service.MAX_MEASUREMENTS_BYTES + 1) if file is not None else b""
    name = PurePath(file.filename or "").name if file is not None else ""
    try:
        if not name and not content:
            # The browser sends an empty part when no file was chosen.
            raise ValidationFailed(
                "choose a CSV or XLSX file",
                details=[
                    {
                        "file": None,
                        "row": None,
                        "field": "file",
                        "message": "choose a CSV or XLSX file to import",
                    }
                ],
            )
        imported = service.import_measurements(
            session,
            actor=principal,
            contract_id=contract_id,
            source_name=name or "measurements.csv",
            content=content,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _scorecard_page(
            request,
            session,
            principal,
            contract_id,
            status_code=422,
            failed_form="import",
            import_problems=forms.problems(exc),
            error="Nothing was imported: see the problems below.",
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels?imported={imported.created}"
        f"&replaced={imported.updated}&first={imported.periods[0]}&last={imported.periods[-1]}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/service-levels/exclusions")
def request_exclusion(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    measure_id: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = ExclusionKind.ADJUSTED_ACTUAL.value,
    ground: Annotated[str, Form()] = "",
    actual_after_exclusions: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.SERVICE_LEVELS_WRITE)
    form = {
        "measure_id": measure_id,
        "period": period,
        "kind": kind,
        "ground": ground,
        "actual_after_exclusions": actual_after_exclusions,
        "reason": reason,
        "evidence": evidence,
    }
    try:
        data = ExclusionCreate(
            measure_id=measure_id.strip(),
            period=period.strip(),
            kind=kind,  # Pydantic checks the value
            ground=ground.strip() or None,
            actual_after_exclusions=actual_after_exclusions.strip() or None,
            reason=reason.strip(),
            evidence=evidence.strip() or None,
        )
        exclusion = service.request_exclusion(
            session, actor=principal, contract_id=contract_id, data=data
        )
    except (ValidationFailed, Conflict, ValidationError) as exc:
        return _form_failed(
            request, session, principal, contract_id, exc, "exclusion", exclusion=form
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels?requested={exclusion.id}", status_code=303
    )


@router.post("/contracts/{contract_id}/service-levels/evaluate")
def evaluate_month(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    period: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    period = period.strip()
    try:
        result = service.evaluate_service_levels(
            session, actor=principal, contract_id=contract_id, period=period
        )
    except (ValidationFailed, Conflict) as exc:
        if back == "month" and _PERIOD.fullmatch(period):
            session.rollback()
            return _month_page(
                request,
                session,
                principal,
                contract_id,
                period,
                status_code=exc.http_status,
                error=_message(exc),
            )
        return _form_failed(
            request, session, principal, contract_id, exc, "evaluate", evaluate_period=period
        )
    month = str(result.period)
    if back == "month":
        return RedirectResponse(
            f"/contracts/{contract_id}/service-levels/{month}?evaluated=1&period={month}",
            status_code=303,
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels?evaluated=1&period={month}", status_code=303
    )


# --- one month -----------------------------------------------------------------------------


def _measure_views(
    result: Mapping[str, Any], units: Mapping[str, str], currency: str
) -> list[dict[str, Any]]:
    views = []
    for item in result.get("service_levels", []):
        unit = units.get(item.get("id", ""), "")
        level, minimum = item.get("level"), item.get("minimum")
        one_level = level is not None and level == minimum
        views.append(
            {
                "id": item.get("id"),
                "name": item.get("name"),
                "type": item.get("type"),
                "status": item.get("status"),
                "label": STATUS_LABELS.get(item.get("status", ""), item.get("status")),
                "actual": _show(item.get("actual"), unit),
                "level": _show(level, unit),
                "minimum": "" if one_level else _show(minimum, unit),
                "level_label": "Target" if one_level else "Expected",
                "default": item.get("default"),
                "credit_before_caps": _money(item.get("credit_before_caps"), currency),
                "credit": _money(item.get("credit"), currency),
                "has_credit": Decimal(item.get("credit") or 0) > 0,
                "capped": (item.get("credit_before_caps") or "0") != (item.get("credit") or "0"),
                "earnback": item.get("earnback"),
                "next_level": _show(item.get("next_level"), unit) if item.get("next_level") else "",
                "explanation": list(item.get("explanation") or []),
            }
        )
    return views


def _credit_figures(result: Mapping[str, Any], currency: str) -> list[dict[str, str]]:
    totals = result.get("service_credits") or {}
    figures = []
    for key, label in SERVICE_CREDIT_FIGURES:
        value = totals.get(key)
        if value is None:
            continue
        if key not in ALWAYS_SHOWN_FIGURES and Decimal(value) == 0:
            continue
        figures.append({"key": key, "label": label, "value": _money(value, currency)})
    return figures


def _credit_actions(
    principal: Principal, credit: PeriodCredit | None, in_dispute: bool
) -> list[dict[str, str]]:
    """The moves the credit's status allows that the signed-in role may make; none while a
    dispute is open on it (resolving or withdrawing the dispute moves it)."""
    if credit is None or in_dispute:
        return []
    return [
        {"status": status.value, "label": CREDIT_ACTIONS[status]}
        for status in staging.credit_moves(principal, CreditStatus(credit.status))
    ]


def _month_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    period_text: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    period = queries.period_of(period_text)
    key = str(period)
    ctx = contract_context(session, principal, contract_id, "service_levels")
    record = contract_queries.get_contract(session, contract_id)
    has_service_levels = queries.has_service_levels(record)
    view = queries.month_view(session, contract_id, period)
    credit, problem = view.stored, view.problem
    live: dict[str, Any] | None = dict(view.live.to_dict()) if view.live is not None else None
    result: Mapping[str, Any] = credit.result if credit is not None else (live or {})
    currency = str(result.get("currency") or record.currency)
    units = {m.id: m.unit for m in _measures(record)}
    live_total = view.live.service_credits.total if view.live is not None else None
    stale = view.stale
    exclusions = queries.list_exclusions(session, contract_id, period=key)
    base = f"/contracts/{contract_id}/service-levels"
    credit_dispute = (
        dispute_queries.open_dispute_of_credit(session, credit.id) if credit is not None else None
    )
    ctx.update(
        {
            "has_service_levels": has_service_levels,
            "period": key,
            "period_label": period.label(),
            "previous_url": f"{base}/{period.shift(-1)}",
            "previous_label": _month_label(str(period.shift(-1))),
            "next_url": f"{base}/{period.shift(1)}",
            "next_label": _month_label(str(period.shift(1))),
            "problem": problem,
            "result": result,
            "currency": currency,
            "measures": _measure_views(result, units, currency),
            "credit_figures": _credit_figures(result, currency),
            "credit_explanation": list(
                (result.get("service_credits") or {}).get("explanation", [])
            ),
            "red_flags": [f.get("message", "") for f in result.get("red_flags", [])],
            "earnback": [e.get("explanation", "") for e in result.get("earnback", [])],
            "credit": credit,
            "credit_badge": CREDIT_BADGES.get(credit.status, "") if credit else "",
            "credit_amount": _money(credit.amount, credit.currency) if credit else "",
            "credit_at_risk": _money(credit.at_risk_amount, credit.currency) if credit else "",
            "stale": stale,
            "live_total": _money(live_total, currency) if live_total is not None else "",
            "credit_actions": _credit_actions(principal, credit, credit_dispute is not None),
            "credit_dispute": credit_dispute,
            "exclusions": exclusions,
            "exclusion_actuals": {
                e.id: _show(e.actual_after_exclusions, units.get(e.measure_id)) for e in exclusions
            },
            # Only a request still waiting is offered for a decision (the service refuses others).
            "open_exclusions": {
                e.id for e in exclusions if e.status == ExclusionStatus.REQUESTED.value
            },
            "exclusion_badges": EXCLUSION_BADGES,
            "exclusion_kinds": EXCLUSION_KINDS,
            "grounds": dict(queries.exclusion_grounds(record, first_day(period))),
            "can_evaluate": staging.can_evaluate(principal),
            "can_approve": principal.can(Permission.SERVICE_LEVELS_APPROVE),
            "credit_error": None,
            "decision_error": None,
            "failed_exclusion": None,
            "flashes": _flashes(request.query_params, list(units)),
            **extra,
        }
    )
    return render(
        request,
        "service_levels/month.html",
        ctx,
        status_code=status_code,
        active="service_levels",
    )


@router.get("/contracts/{contract_id}/service-levels/{period}")
def month_page(
    request: Request, session: SessionDep, principal: WebPrincipal, contract_id: int, period: str
) -> Response:
    return _month_page(request, session, principal, contract_id, period)


@router.post("/contracts/{contract_id}/service-levels/exclusions/{exclusion_id}/decision")
def decide_exclusion(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    exclusion_id: int,
    approve: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    principal.require(Permission.SERVICE_LEVELS_APPROVE)
    period = queries.get_exclusion(session, contract_id, exclusion_id).period
    try:
        data = ExclusionDecision(approve=approve == "true", note=note.strip())
        decided, _ = service.decide_exclusion(
            session,
            actor=principal,
            contract_id=contract_id,
            exclusion_id=exclusion_id,
            data=data,
        )
    except (ValidationFailed, Conflict, ValidationError) as exc:
        session.rollback()
        return _month_page(
            request,
            session,
            principal,
            contract_id,
            period,
            status_code=_status_code(exc),
            decision_error=_message(exc),
            decision_fields=_field_messages(exc),
            failed_exclusion=exclusion_id,
            decision_note=note,
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels/{period}?decided={decided.id}"
        f"&outcome={decided.status}",
        status_code=303,
    )


@router.post("/contracts/{contract_id}/service-levels/{period}/status")
def change_credit_status(
    request: Request,
    session: SessionDep,
    principal: WebPrincipal,
    contract_id: int,
    period: str,
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    invoice_reference: Annotated[str, Form()] = "",
) -> Response:
    key = str(queries.period_of(period))
    if status == CreditStatus.DISPUTED.value:
        # A credit is disputed by opening a dispute, which carries both positions, the amount
        # and the outcome, and moves the credit itself.
        return _dispute_credit(request, session, principal, contract_id, key, note)
    try:
        data = CreditStatusChange(
            status=status,  # Pydantic checks the value
            note=note.strip() or None,
            invoice_reference=invoice_reference.strip() or None,
        )
        credit = service.change_credit_status(
            session, actor=principal, contract_id=contract_id, period=key, data=data
        )
    except (ValidationFailed, Conflict, ValidationError) as exc:
        session.rollback()
        return _month_page(
            request,
            session,
            principal,
            contract_id,
            key,
            status_code=_status_code(exc),
            credit_error=_message(exc),
            credit_fields=_field_messages(exc),
            credit_note=note,
            credit_invoice=invoice_reference,
        )
    return RedirectResponse(
        f"/contracts/{contract_id}/service-levels/{key}?credit={credit.status}", status_code=303
    )


def _dispute_credit(
    request: Request,
    session: SessionDep,
    principal: Principal,
    contract_id: int,
    period: str,
    note: str,
) -> Response:
    try:
        if not note.strip():
            raise ValidationFailed(
                "note: say why the credit is disputed (our position)",
                details=[{"field": "note", "message": "required for a dispute: say why"}],
            )
        dispute = dispute_service.open_dispute(
            session,
            actor=principal,
            contract_id=contract_id,
            data=DisputeCreate(period=period, our_position=note.strip()),
        )
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        return _month_page(
            request,
            session,
            principal,
            contract_id,
            period,
            status_code=_status_code(exc),
            credit_error=_message(exc),
            credit_fields=_field_messages(exc),
            credit_note=note,
        )
    return RedirectResponse(f"/disputes/{dispute.id}?opened=1", status_code=303)


# --- portfolio -----------------------------------------------------------------------------


SPARK_WIDTH = 120
SPARK_HEIGHT = 30
SPARK_PAD = 3


def _sparkline(months: Sequence[str], values: Sequence[Decimal | None]) -> dict[str, Any]:
    """A small line of a 0–100 share per month; a month without a figure breaks the line."""
    count = len(months)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(count - 1, 1)
    usable = SPARK_HEIGHT - 2 * SPARK_PAD

    def y(value: Decimal) -> float:
        return round(
            SPARK_PAD + float((100 - min(max(value, Decimal(0)), Decimal(100))) / 100) * usable, 1
        )

    path, points, pen_down = [], [], False
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        px = round(SPARK_PAD + (index * step if count > 1 else usable / 2), 1)
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{px},{y(value)}")
        pen_down = True
        points.append({"x": px, "y": y(value), "title": f"{_month_label(month)}: {_pct(value)}"})
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "path": " ".join(path),
        "points": points,
        "last": points[-1] if points else None,
        "mid_y": y(Decimal(50)),
        "label": ", ".join(
            f"{_month_label(m)} {_pct(v)}" for m, v in zip(months, values, strict=True)
        ),
    }


def _bar_strip(months: Sequence[str], values: Sequence[Decimal | None]) -> dict[str, Any]:
    """One bar a month of a 0–100 share; taller and darker as more of the at-risk is used."""
    count = max(len(months), 1)
    gap = 2
    width = max((SPARK_WIDTH - gap * (count - 1)) / count, 2)
    bars = []
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        share = min(max(value, Decimal(0)), Decimal(100)) if value is not None else Decimal(0)
        height = round(float(share) / 100 * (SPARK_HEIGHT - 2), 1)
        if value is not None and value > 0:
            height = max(height, 2.0)  # a small credit stays visible
        band = "none" if not share else "low" if share < 25 else "mid" if share < 50 else "high"
        bars.append(
            {
                "x": round(index * (width + gap), 1),
                "y": round(SPARK_HEIGHT - 1 - height, 1),
                "w": round(width, 1),
                "h": height,
                "band": band,
                "title": f"{_month_label(month)}: {_pct(value)} of the at-risk amount",
            }
        )
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "bars": bars,
        "label": ", ".join(
            f"{_month_label(m)} {_pct(v)}" for m, v in zip(months, values, strict=True)
        ),
    }


@router.get("/service-levels")
def portfolio_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    rows = []
    for item in queries.portfolio_service_levels(session):
        latest_met = item.critical_met_pct[-1] if item.critical_met_pct else None
        latest_share = item.credits_of_at_risk_pct[-1] if item.credits_of_at_risk_pct else None
        rows.append(
            {
                "item": item,
                "url": f"/contracts/{item.contract_id}/service-levels",
                "span": f"{_month_label(item.months[0])} – {_month_label(item.months[-1])}",
                "met": _sparkline(item.months, item.critical_met_pct),
                "latest_met": _pct(latest_met),
                "share": _bar_strip(item.months, item.credits_of_at_risk_pct),
                "latest_share": _pct(latest_share),
                "total": _money(item.credits_total, item.currency),
            }
        )
    return render(request, "service_levels/portfolio.html", {"rows": rows}, active="service_levels")
