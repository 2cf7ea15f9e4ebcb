"""The class report: a CSV per student, statistics per question and per part, two charts, an HTML page."""

import csv
import html
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def write_report(rows: list[dict], points: dict[str, float], folder: Path, title: str,
                 sections: dict[str, str] | None = None) -> Path:
    """Write results.csv, questions.csv, totals.png, parts.png and report.html; return the page.

    rows: one per student with "student", "status", "reason" and "scores" (test id -> score),
        and optionally "late" (late_policy.late_facts: submitted_at, time_source, due,
        extension_hours, hours_late, penalty, score_before, score_after; None: no submission).
    points: test id -> maximum points, in notebook order.
    sections: test id -> the heading of its part ("Part 3: The first network (3 points)");
        without it every test is a part of its own.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tests = list(points)
    sections = {test: (sections or {}).get(test, test) for test in tests}
    parts = list(dict.fromkeys(sections[test] for test in tests))
    maximum = sum(points.values())
    totals = [sum(row["scores"].get(test, 0.0) for test in tests) for row in rows]
    failed = [[test for test in tests if row["scores"].get(test, 0.0) < points[test]] for row in rows]
    with open(folder / "results.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "status", "reason", "total", "max", "failed", *LATE_COLUMNS, *tests])
        for row, total, lost in zip(rows, totals, failed):
            writer.writerow([row["student"], row["status"], row["reason"], total, maximum, " ".join(lost),
                             *_late_cells(row.get("late")), *(row["scores"].get(test, 0.0) for test in tests)])
    stats = {test: _mean_std([row["scores"].get(test, 0.0) for row in rows]) for test in tests}
    with open(folder / "questions.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["part", "question", "max", "mean", "std"])
        for test in tests:
            writer.writerow([sections[test], test, points[test], *(round(v, 3) for v in stats[test])])
    part_points = {part: sum(points[t] for t in tests if sections[t] == part) for part in parts}
    part_stats = {part: _mean_std([sum(row["scores"].get(t, 0.0) for t in tests if sections[t] == part)
                                   for row in rows]) for part in parts}
    _totals_chart(totals, maximum, title).savefig(folder / "totals.png", dpi=100)
    _parts_chart(parts, part_points, part_stats, title).savefig(folder / "parts.png", dpi=100)
    page = folder / "report.html"
    page.write_text(_page(rows, totals, failed, maximum, points, sections, parts, part_points, part_stats, title))
    return page


LATE_COLUMNS = ["submitted_at", "time_source", "due", "extension_hours", "hours_late",
                "score_before", "penalty", "score_after"]


def _late_cells(late: dict | None) -> list:
    """A student's LATE_COLUMNS (times in UTC); empty cells without a submission."""
    if not late:
        return [""] * len(LATE_COLUMNS)
    when = lambda time: f"{time:%Y-%m-%d %H:%M:%S} UTC" if time else ""  # noqa: E731
    return [when(late["submitted_at"]), late["time_source"], when(late["due"]), late["extension_hours"],
            late["hours_late"], late["score_before"], late["penalty"], late["score_after"]]


def _lateness(late: dict | None) -> list[str]:
    """The report page's cells about deadlines: submitted (source), due (extension), late, penalty."""
    if not late:
        return ["-", "-", "-", "-"]
    submitted, source, due, extension, hours, *_ = _late_cells(late)
    return [f"{submitted} ({source})" if submitted else f"unknown ({source or 'no time'})",
            (due + (f" (extension {extension:g} h)" if extension else "")) or "no due date",
            f"{hours:g} h" if hours else ("on time" if submitted else "unknown"),
            f"-{late['penalty']:g}: {late['score_before']:g} -> {late['score_after']:g}" if late["penalty"] else "0"]


def _mean_std(values):
    return (float(np.mean(values)), float(np.std(values))) if values else (0.0, 0.0)


def _short(part: str) -> str:
    """"Part 3: The first network (3 points)" -> "Part 3" (the chart's tick label)."""
    return part.split(":")[0] if ":" in part else part


def _totals_chart(totals, maximum, title):
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    axes = figure.add_subplot()
    axes.hist(totals, bins=np.linspace(0, maximum, 11), color="tab:blue", edgecolor="white")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # students are counted whole
    axes.set(title=f"{title}: autograded totals", xlabel=f"Points (of {maximum:g})",
             ylabel="Students")
    return figure


def _parts_chart(parts, part_points, part_stats, title):
    figure = Figure(figsize=(max(6, 0.6 * len(parts) + 2), 4), layout="constrained")
    axes = figure.add_subplot()
    means = np.array([part_stats[p][0] / part_points[p] if part_points[p] else 0.0 for p in parts])
    spreads = np.array([part_stats[p][1] / part_points[p] if part_points[p] else 0.0 for p in parts])
    # One standard deviation, cut at what a fraction can be: the bars stay inside [0, 1].
    below, above = np.minimum(spreads, means), np.minimum(spreads, 1 - means)
    axes.bar(range(len(parts)), means, yerr=[below, above], capsize=3, color="tab:green")
    axes.set_xticks(range(len(parts)), [_short(p) for p in parts], rotation=45, ha="right", fontsize=8)
    axes.set(title=f"{title}: mean autograded score per part (± std)", xlabel="Part",
             ylabel="Fraction of the autograded points", ylim=(0, 1.05))
    return figure


def _page(rows, totals, failed, maximum, points, sections, parts, part_points, part_stats, title):
    def cells(values, tag="td"):
        return "".join(f"<{tag}>{html.escape(str(v))}</{tag}>" for v in values)

    def lost(row, tests):
        return ", ".join(f"{test} ({row['scores'].get(test, 0.0):g}/{points[test]:g})" for test in tests) or "-"

    students = "\n".join(f"<tr>{cells([r['student'], r['status'], r['reason'], f'{t:g} / {maximum:g}', lost(r, f), *_lateness(r.get('late'))])}</tr>"
                         for r, t, f in zip(rows, totals, failed))
    by_part = "\n".join(
        f"<tr>{cells([p, f'{part_points[p]:g}', f'{part_stats[p][0]:.2f}', f'{part_stats[p][1]:.2f}', ', '.join(t for t in points if sections[t] == p)])}</tr>"
        for p in parts)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{len(rows)} students; autograded points only (written answers are graded in formgrader).</p>
<img src="totals.png" alt="Histogram of autograded totals"> <img src="parts.png" alt="Mean autograded score per part">
<h2>Students</h2><table><tr>{cells(["student", "status", "reason", "autograded total", "tests failed (points/max)", "submitted at (source)", "due", "late", "late penalty (points: before -> after)"], "th")}</tr>
{students}</table>
<h2>Parts</h2><table><tr>{cells(["part", "autograded points", "mean", "std", "tests"], "th")}</tr>
{by_part}</table></body></html>
"""
