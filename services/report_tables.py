"""The monthly report as text rows and CSV tables, labelled from the catalogs in one language.

One source for the supervisors' chat message (scheduler.jobs.monthly_report), the CLI's table
and CSV files (`aftersales report monthly`) and the dashboard's CSV downloads (/standards):
the same figures, the same first-time fix, the same column labels (`monthly.col.*`).
"""

from __future__ import annotations

import csv
import io

from core.i18n import Texts
from domain.metrics import Metric, ServiceReport

METRIC_COLUMNS = ("key", "label", "unit", "value", "shown", "target", "met")
TECHNICIAN_COLUMNS = (
    "technician_id",
    "technician_name",
    "closed",
    "first_time_fix_pct",
    "onsite_on_time_pct",
    "avg_satisfaction",
    "complaints",
    "cost_per_case",
)
CATEGORY_COLUMNS = (
    "category",
    "closed",
    "first_time_fix_pct",
    "repeat_repairs",
    "avg_satisfaction",
    "complaints",
    "cost_per_case",
)
MONEY_COLUMNS = frozenset({"cost_per_case"})
TABLES = ("figures", "technicians", "categories")


def format_value(texts: Texts, language: str, metric: Metric) -> str:
    """A figure as people read it: 96.5 %, 4.20, 123.00 (money), 5.0 h, or a dash."""
    if metric.value is None:
        return "-"
    return format_number(texts, language, metric.value, metric.unit)


def format_number(texts: Texts, language: str, value: float, unit: str) -> str:
    """A number in a unit."""
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "count":
        return str(int(value))
    if unit == "money":
        return texts.money(value)
    if unit == "hours":
        return texts.get(language, "standard.hours", hours=f"{value:.1f}")
    return f"{value:.2f}" if value != int(value) else str(int(value))


def report_rows(texts: Texts, language: str, report: ServiceReport) -> list[tuple[str, ...]]:
    """(figure, value, target, verdict) rows of the report, labelled from the catalogs."""
    rows: list[tuple[str, ...]] = []
    for metric in report.metrics:
        target = "-"
        if metric.target is not None:
            sign = "≥" if metric.higher_is_better else ("≤" if metric.at_most else "<")
            target = f"{sign} {format_number(texts, language, metric.target, metric.unit)}"
        verdict = {True: "standard.met", False: "standard.missed", None: "standard.no_target"}[
            metric.met
        ]
        rows.append(
            (
                texts.get(language, f"metric.{metric.key}"),
                format_value(texts, language, metric),
                target,
                texts.get(language, verdict),
            )
        )
    return rows


def column(texts: Texts, language: str, name: str) -> str:
    """A column's heading in the language."""
    return texts.get(language, f"monthly.col.{name}")


def cell(texts: Texts, name: str, value: object) -> str:
    """A breakdown cell; money (kept in cents) as currency, a dash for no value."""
    if value is None:
        return "-"
    if name in MONEY_COLUMNS and isinstance(value, int | float):
        return texts.money(value)
    return str(value)


def table(texts: Texts, language: str, report: ServiceReport, name: str) -> list[list[str]]:
    """One of TABLES as rows of text, its headings first."""
    if name == "figures":
        yes, no = texts.get(language, "monthly.yes"), texts.get(language, "monthly.no")
        return [
            [column(texts, language, c) for c in METRIC_COLUMNS],
            *(
                [
                    metric.key,
                    texts.get(language, f"metric.{metric.key}"),
                    texts.get(language, f"monthly.unit.{metric.unit}"),
                    "" if metric.value is None else str(metric.value),
                    format_value(texts, language, metric),
                    "" if metric.target is None else str(metric.target),
                    "" if metric.met is None else (yes if metric.met else no),
                ]
                for metric in report.metrics
            ),
        ]
    rows, columns = (
        (report.by_technician, TECHNICIAN_COLUMNS)
        if name == "technicians"
        else (report.by_category, CATEGORY_COLUMNS)
    )
    return [
        [column(texts, language, c) for c in columns],
        *([("" if row[c] is None else cell(texts, c, row[c])) for c in columns] for row in rows),
    ]


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text, starting with a BOM so spreadsheet programs read the Chinese."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return "\ufeff" + buffer.getvalue()
