"""Item analysis per check (issue #27, item 1): which checks the class passes, and whether
the students who pass them are the strong ones.

    python -m autograder.item_analysis mnist [--course DIR]

rebuilds, without grading, ``reports/<assignment>/checks.csv``, ``checks.png`` and the
"Checks" and "Regrades" sections of ``report.html`` from the autograded notebooks, the
gradebook and the last ``regrade.csv`` (regrades.py); the class command
(``python -m autograder.grade_class``) does the same at the end of every run.

The data: the judge writes into every autograded test cell an output whose data has the key
``status.CHECKS_MIME``, the cell's checks in source order (a ``for`` loop of checks counts by
its cases). A check is identified by its test cell and its number there, from 1.

Per check, over the graded students it ran for (those whose autograded test cell holds its
record; a student whose kernel died before the cell has none):

- ``graded``, ``passed``, ``pass_rate`` (passed / graded);
- points lost (report page only): the check's points times the students it failed for
  (the check's own share of the cell's points; a format check that passed but paid nothing
  because no concept check of its cell passed is not counted as lost);
- the most frequent failure message, with its count (ties: the alphabetically first);
- ``discrimination``: the point-biserial correlation (Pearson's r with a 0/1 variable)
  between passing the check and the student's *rest score*, their autograded total less
  the score of the check's test cell (the corrected item-total correlation of classical
  item analysis: the cell's own points are left out, so a check does not correlate with
  itself). Empty where undefined: fewer than 2 students, everyone passed or everyone
  failed, or every rest score equal. A negative value (the stronger students fail it more
  often) marks the check for review on the report page, with its source line from the
  master.
"""

import csv
import html
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from autograder.notebook.assignment import Assignment, load_assignment
from autograder.notebook.parts import is_test
from autograder.markers import CHECKS_MIME, REFUSED
from autograder.notebook.submissions import nbgrader_id

CHECKS_CSV_COLUMNS = ["part", "test", "check", "visibility", "points", "graded", "passed", "pass_rate",
                      "discrimination", "top_message", "top_message_count"]
LOWEST = 10  # checks listed on the report page under "lowest pass rates"
SECTION_BEGIN, SECTION_END = "<!-- item analysis -->", "<!-- /item analysis -->"


@dataclass
class CheckStats:
    """One check's item analysis (see the module's docstring)."""

    part: str
    test: str
    check: int
    hidden: bool
    points: float
    line: int
    source: str = ""                     # its line in the master's test cell
    graded: int = 0
    passed: int = 0
    lost: float = 0.0
    pass_rate: float | None = None
    discrimination: float | None = None
    top_message: str = ""
    top_message_count: int = 0
    messages: Counter = field(default_factory=Counter, repr=False)

    @property
    def visibility(self) -> str:
        return "hidden" if self.hidden else "visible"

    def csv_row(self) -> list:
        return [self.part, self.test, self.check, self.visibility, _number(self.points), self.graded, self.passed,
                _number(self.pass_rate), _number(self.discrimination), self.top_message, self.top_message_count]


# --- reading the records -------------------------------------------------------------
def cell_records(notebook: dict) -> dict[str, list[dict]]:
    """The checks' records of every test cell of one autograded notebook (JSON), by grade id."""
    records = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []) if grade_id else ():
            if CHECKS_MIME in output.get("data", {}):
                found = output["data"][CHECKS_MIME]
                records[grade_id] = json.loads(found) if isinstance(found, str) else list(found)
    return records


def class_records(course: Path, assignment: Assignment) -> dict[str, dict[str, list[dict]]]:
    """student -> test id -> the checks' records, from ``autograded/<student>/<assignment>/``;
    students whose last grading left no autograded notebook (refused, invalid, missing) are
    left out, and so are tests no longer in the master."""
    state_path = course / "reports" / assignment.name / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    everyone = {}
    for folder in sorted((course / "autograded").glob(f"*/{assignment.name}")):
        student = folder.parent.name
        if state.get(student, {}).get("status") == REFUSED:
            continue
        records = {}
        for notebook in assignment.notebooks:
            path = folder / notebook
            if path.is_file():
                try:
                    records.update(cell_records(json.loads(path.read_text())))
                except (ValueError, OSError):
                    continue
        everyone[student] = {test: checks for test, checks in records.items() if test in assignment.points}
    return everyone


def earned(checks: list[dict]) -> list[float]:
    """The points each check of one cell's record earned: its points where it passed, save
    a format check beside no passed concept check (judge.Verdict.format_pays)."""
    concept = [check for check in checks if not check.get("format")]
    format_pays = not concept or any(check["passed"] and check.get("weight", 1) > 0 for check in concept)
    return [float(check["points"]) if check["passed"] and (format_pays or not check.get("format")) else 0.0
            for check in checks]


def source_lines(assignment: Assignment) -> dict[str, list[str]]:
    """test id -> the lines of its test cell in the master."""
    return {nbgrader_id(cell): cell.source.splitlines()
            for master in assignment.masters.values() for cell in master.cells if is_test(cell)}


# --- the analysis ----------------------------------------------------------------------
def analyse(records: dict[str, dict[str, list[dict]]], scores: dict[str, dict[str, float]],
            assignment_points: dict[str, float], sections: dict[str, str] | None = None,
            sources: dict[str, list[str]] | None = None) -> list[CheckStats]:
    """Every check's statistics, in notebook order (tests as in ``assignment_points``, checks
    in source order).

    records: student -> test id -> the cell's checks' records (CHECKS_MIME).
    scores: student -> test id -> the cell's autograded score (the gradebook's); a test
        missing counts 0. The rest score is the sum over ``assignment_points`` less the
        check's own test.
    sections: test id -> its part (section heading); sources: test id -> the master cell's lines.
    """
    sections, sources = sections or {}, sources or {}
    totals = {student: sum(float(scores.get(student, {}).get(test, 0.0)) for test in assignment_points)
              for student in records}
    stats: dict[tuple[str, int], CheckStats] = {}
    outcomes: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for test in assignment_points:
        for student in sorted(records):
            checks = records[student].get(test)
            if not checks:
                continue
            rest = totals[student] - float(scores.get(student, {}).get(test, 0.0))
            for record, paid in zip(checks, earned(checks)):
                key = (test, int(record["check"]))
                if key not in stats:
                    line = int(record.get("line", 0))
                    cell = sources.get(test, [])
                    stats[key] = CheckStats(sections.get(test, test), test, key[1], bool(record.get("hidden")),
                                            float(record["points"]), line,
                                            cell[line - 1].strip() if 0 < line <= len(cell) else "")
                item = stats[key]
                item.graded += 1
                if record["passed"]:
                    item.passed += 1
                else:
                    item.lost += float(record["points"])
                    item.messages[record.get("message") or ""] += 1
                outcomes.setdefault(key, []).append((1 if record["passed"] else 0, rest))
    order = {test: number for number, test in enumerate(assignment_points)}
    result = sorted(stats.values(), key=lambda item: (order[item.test], item.check))
    for item in result:
        item.lost = round(item.lost, 4)
        item.pass_rate = round(item.passed / item.graded, 4) if item.graded else None
        item.discrimination = point_biserial(outcomes[(item.test, item.check)])
        if item.messages:
            item.top_message, item.top_message_count = min(item.messages.items(), key=lambda m: (-m[1], m[0]))
    return result


def point_biserial(pairs: list[tuple[int, float]]) -> float | None:
    """Pearson's r between the 0/1 outcomes and the scores of ``pairs``, 4 decimals; None
    where undefined (fewer than 2 pairs, or either variable constant)."""
    if len(pairs) < 2:
        return None
    passed = np.array([p for p, _ in pairs], dtype=float)
    rest = np.array([r for _, r in pairs], dtype=float)
    if passed.std() == 0 or np.isclose(rest.std(), 0):
        return None
    r = float(np.corrcoef(passed, rest)[0, 1])
    return None if math.isnan(r) else round(r, 4) + 0.0  # + 0.0: never -0


# --- the outputs -------------------------------------------------------------------------
def write_checks_csv(stats: list[CheckStats], path: Path) -> Path:
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CHECKS_CSV_COLUMNS)
        writer.writerows(item.csv_row() for item in stats)
    return path


def checks_chart(stats: list[CheckStats], title: str) -> Figure:
    """Pass rate of every check, grouped (and coloured) by part, in notebook order."""
    figure = Figure(figsize=(max(6.0, 0.3 * len(stats) + 3), 4.5), layout="constrained")
    axes = figure.add_subplot()
    parts = list(dict.fromkeys(item.part for item in stats))
    colours = {part: f"C{number % 10}" for number, part in enumerate(parts)}
    rates = [item.pass_rate if item.pass_rate is not None else 0.0 for item in stats]
    bars = axes.bar(range(len(stats)), rates, color=[colours[item.part] for item in stats])
    for bar, item in zip(bars, stats):
        if item.hidden:
            bar.set_hatch("//")
    for part in parts:  # one legend entry per part
        axes.bar([0], [0], color=colours[part], label=_short(part))
    axes.set_xticks(range(len(stats)), [f"{item.test} #{item.check}" for item in stats],
                    rotation=60, ha="right", fontsize=7)
    axes.set(title=f"{title}: pass rate per check, by part (hatched: hidden)",
             xlabel="Check (test cell #number, in notebook order)", ylabel="Pass rate (graded students)",
             ylim=(0, 1.05))
    if stats:
        axes.legend(title="Part", fontsize=7, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def section_html(stats: list[CheckStats]) -> str:
    """The report page's "Checks" section: the lowest pass rates and the checks to review."""

    def row(item: CheckStats) -> str:
        values = [item.part, item.test, item.check, item.visibility, _number(item.points), item.graded,
                  item.passed, _percent(item.pass_rate), _number(item.discrimination), f"{item.lost:g}",
                  f"{item.top_message} ({item.top_message_count})" if item.top_message_count else "-"]
        cells = "".join(f"<td>{html.escape(_cut(str(v)))}</td>" for v in values)
        review = item.discrimination is not None and item.discrimination < 0
        style = ' class="to-review" style="background:#fde2e2"' if review else ""
        return f"<tr{style}>{cells}<td><code>{item.line}: {html.escape(item.source)}</code></td></tr>"

    head = "".join(f"<th>{name}</th>" for name in ["part", "test", "check", "visibility", "points", "graded",
                                                  "passed", "pass rate", "discrimination", "points lost",
                                                  "most frequent failure (count)", "source line (master)"])
    rated = sorted((item for item in stats if item.pass_rate is not None),
                   key=lambda item: (item.pass_rate, -item.lost))[:LOWEST]
    review = [item for item in stats if item.discrimination is not None and item.discrimination < 0]
    lowest = "\n".join(row(item) for item in rated) or '<tr><td colspan="12">no check ran</td></tr>'
    flagged = "\n".join(row(item) for item in review)
    return f"""{SECTION_BEGIN}
<h2 id="checks">Checks</h2>
<p>Every check of every test cell (visible and hidden) over the graded students it ran for:
<a href="checks.csv">checks.csv</a>. Discrimination: the correlation between passing the check and the
student's autograded score on the other test cells; a check the stronger students fail (negative) is
marked for review. Points lost: the check's points times the students it failed for.</p>
<img src="checks.png" alt="Pass rate per check, grouped by part">
<h3>Lowest pass rates</h3>
<table><tr>{head}</tr>
{lowest}</table>
<h3>Marked for review: negative discrimination ({len(review)})</h3>
{f'<table class="review"><tr>{head}</tr>{chr(10)}{flagged}</table>' if review else '<p>No check has a negative discrimination.</p>'}
{SECTION_END}"""


def insert_section(page: Path, section: str, begin: str, end: str) -> None:
    """Put ``section`` (which starts with ``begin`` and ends with ``end``) into the report page:
    in place of an earlier one, else before ``</body>``. A missing page is left missing."""
    if not page.is_file():
        return
    text = page.read_text()
    earlier = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if earlier.search(text):
        text = earlier.sub(lambda _: section, text, count=1)
    else:
        text = text.replace("</body>", section + "\n</body>", 1) if "</body>" in text else text + section
    page.write_text(text)


@dataclass
class ItemAnalysis:
    checks: list[CheckStats]
    csv: Path
    chart: Path
    page: Path


def item_analysis(course: Path, assignment_name: str, assignment: Assignment | None = None,
                  scores: dict[str, dict[str, float]] | None = None) -> ItemAnalysis:
    """Write ``checks.csv`` and ``checks.png`` in ``reports/<assignment>/`` and put the
    "Checks" section into its ``report.html``; ``scores`` (student -> test -> score) default
    to the course gradebook's."""
    from autograder.coordinator.course import course_db_url
    from autograder.gradebook import cell_scores

    course = course.resolve()
    assignment = assignment or load_assignment(assignment_name, course)
    records = class_records(course, assignment)
    if scores is None:
        scores = {student: cell_scores(course_db_url(course), assignment_name, student) for student in records}
    stats = analyse(records, scores, assignment.points, assignment.sections, source_lines(assignment))
    folder = course / "reports" / assignment_name
    folder.mkdir(parents=True, exist_ok=True)
    path = write_checks_csv(stats, folder / "checks.csv")
    chart = folder / "checks.png"
    checks_chart(stats, f"{assignment_name}").savefig(chart, dpi=100)
    page = folder / "report.html"
    insert_section(page, section_html(stats), SECTION_BEGIN, SECTION_END)
    return ItemAnalysis(stats, path, chart, page)


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _short(part: str) -> str:
    return part.split(":")[0] if ":" in part else part
