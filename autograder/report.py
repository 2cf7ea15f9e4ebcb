"""The class report: a CSV per student, per-question statistics, two charts and an HTML page."""

import csv
import html
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def write_report(rows: list[dict], points: dict[str, float], folder: Path, title: str) -> Path:
    """Write results.csv, questions.csv, totals.png, questions.png and report.html; return the page.

    rows: one per student with "student", "status", "reason" and "scores" (test id -> score).
    points: test id -> maximum points, in notebook order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tests = list(points)
    maximum = sum(points.values())
    totals = [sum(row["scores"].get(test, 0.0) for test in tests) for row in rows]
    with open(folder / "results.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["student", "status", "reason", "total", "max", *tests])
        for row, total in zip(rows, totals):
            writer.writerow([row["student"], row["status"], row["reason"], total, maximum,
                             *(row["scores"].get(test, 0.0) for test in tests)])
    stats = {test: _mean_std([row["scores"].get(test, 0.0) for row in rows]) for test in tests}
    with open(folder / "questions.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["question", "max", "mean", "std"])
        for test in tests:
            writer.writerow([test, points[test], *(round(v, 3) for v in stats[test])])
    _totals_chart(totals, maximum, title).savefig(folder / "totals.png", dpi=100)
    _questions_chart(tests, points, stats, title).savefig(folder / "questions.png", dpi=100)
    page = folder / "report.html"
    page.write_text(_page(rows, totals, maximum, tests, points, stats, title))
    return page


def _mean_std(values):
    return (float(np.mean(values)), float(np.std(values))) if values else (0.0, 0.0)


def _totals_chart(totals, maximum, title):
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    axes = figure.add_subplot()
    axes.hist(totals, bins=np.linspace(0, maximum, 11), color="tab:blue", edgecolor="white")
    axes.set(title=f"{title}: autograded totals", xlabel=f"Points (of {maximum:g})",
             ylabel="Students")
    return figure


def _questions_chart(tests, points, stats, title):
    figure = Figure(figsize=(max(6, 0.5 * len(tests) + 2), 4), layout="constrained")
    axes = figure.add_subplot()
    fractions = [stats[t][0] / points[t] if points[t] else 0.0 for t in tests]
    spreads = [stats[t][1] / points[t] if points[t] else 0.0 for t in tests]
    axes.bar(range(len(tests)), fractions, yerr=spreads, capsize=3, color="tab:green")
    axes.set_xticks(range(len(tests)), tests, rotation=60, ha="right", fontsize=8)
    axes.set(title=f"{title}: mean score per question (± std)", xlabel="Question",
             ylabel="Fraction of the points", ylim=(0, 1.1))
    return figure


def _page(rows, totals, maximum, tests, points, stats, title):
    def cells(values, tag="td"):
        return "".join(f"<{tag}>{html.escape(str(v))}</{tag}>" for v in values)

    students = "\n".join(f"<tr>{cells([r['student'], r['status'], r['reason'], f'{t:g} / {maximum:g}'])}</tr>"
                         for r, t in zip(rows, totals))
    questions = "\n".join(f"<tr>{cells([t, f'{points[t]:g}', f'{stats[t][0]:.2f}', f'{stats[t][1]:.2f}'])}</tr>"
                          for t in tests)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{len(rows)} students; autograded points only (written answers are graded in formgrader).</p>
<img src="totals.png" alt="Histogram of totals"> <img src="questions.png" alt="Mean score per question">
<h2>Students</h2><table><tr>{cells(["student", "status", "reason", "autograded total"], "th")}</tr>
{students}</table>
<h2>Questions</h2><table><tr>{cells(["question", "max", "mean", "std"], "th")}</tr>
{questions}</table></body></html>
"""
