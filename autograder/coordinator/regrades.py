"""Regrades that say what changed (issue #27, item 3).

Every run of the class command (``python -m autograder.grade_class``) ends by comparing the
points each check earned for each student *before* the run with what it earns *after*, and
writes ``reports/<assignment>/regrade.csv``, one row per student and check whose points
changed::

    student,test,check,before,after,message

``before`` / ``after``: the points the check earned (its share of the cell's points where
it passed, 0 where it failed; a format check beside no passed concept check earns 0, as the
judge scores it), empty where the check did not exist on that side (a check added to or
removed from the master, a test cell renamed, a student whose notebook could not be graded
this time); ``message``: the check's failure message after the run (empty where it passes).
(A cell in which no call of the student's code returned scores 0 whatever its checks say;
its checks' points are read as they are recorded, passed or failed.)
A change of the master's test code, a threshold or a cell's points shows here.

*Before* is the snapshot ``reports/<assignment>/checks_state.json`` that the last run
wrote at its end (student -> test -> each check's points and message); where there is none
yet (the first run with this module), the autograded notebooks as they are when the run
starts (saved as the snapshot at once). *After* is read from the autograded notebooks at the end of the run, which then
becomes the new snapshot. An interrupted run writes no snapshot, so the run that resumes
it compares with the state before both. Only students in both are compared: one graded for
the first time is not a regrade.

A run that grades nobody leaves ``regrade.csv`` as it is; a run that regrades students
whose points did not change writes the header alone and prints "no score changed". The
printed summary (through the class command's ``progress``): the students changed, the
points gained and lost in total, the checks that moved most; the same summary and the rows
are the "Regrades" section of ``report.html``, which ``python -m autograder.item_analysis``
rebuilds from ``regrade.csv``.
"""

import csv
import html
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from autograder.coordinator.item_analysis import cell_records, earned, insert_section
from autograder.markers import REFUSED

REGRADE_COLUMNS = ["student", "test", "check", "before", "after", "message"]
SNAPSHOT = "checks_state.json"
SECTION_BEGIN, SECTION_END = "<!-- regrades -->", "<!-- /regrades -->"
SHOWN = 200   # rows listed on the report page (regrade.csv has them all)
MOVED = 5     # checks named in the summary


def snapshot(course: Path, assignment: str) -> dict[str, dict[str, list[dict]]]:
    """student -> test id -> [{"check", "points" earned, "message"}], from the autograded
    notebooks, every test cell with a record; a student of ``state.json`` (not refused)
    without an autograded notebook has no test."""
    state_path = course / "reports" / assignment / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    students = {name for name, row in state.items() if row.get("status") != REFUSED}
    students |= {folder.parent.name for folder in (course / "autograded").glob(f"*/{assignment}")}
    result = {}
    for student in sorted(students):
        tests = {}
        for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
            try:
                tests.update(cell_records(json.loads(path.read_text())))
            except (ValueError, OSError):
                continue
        result[student] = {test: [{"check": int(record["check"]), "points": round(paid, 4),
                                   "message": record.get("message")}
                                  for record, paid in zip(checks, earned(checks))]
                           for test, checks in tests.items()}
    return result


def previous_checks(course: Path, assignment: str) -> dict:
    """*Before*: the last run's snapshot, else the autograded notebooks now (call it before grading)."""
    path = course / "reports" / assignment / SNAPSHOT
    if path.is_file():
        try:
            return json.loads(path.read_text())
        except ValueError:
            pass
    current = snapshot(course, assignment)
    if current:  # the first run with this module: kept, so that a run interrupted now still compares with it
        _save_snapshot(path.parent, current)
    return current


def _save_snapshot(folder: Path, checks: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / (SNAPSHOT + ".tmp")
    temporary.write_text(json.dumps(checks, indent=1, sort_keys=True))
    temporary.replace(folder / SNAPSHOT)


def compare(before: dict, after: dict, order: list[str] | None = None) -> list[list]:
    """The rows of regrade.csv: every (student, test, check) of a student in both snapshots
    whose points differ or that is on one side only; sorted by student, then tests in
    ``order`` (the notebook's; others after, by name), then check."""
    rank = {test: number for number, test in enumerate(order or [])}
    rows = []
    for student in sorted(set(before) & set(after)):
        old, new = before[student], after[student]
        for test in sorted(set(old) | set(new), key=lambda t: (rank.get(t, len(rank)), t)):
            was = {c["check"]: c for c in old.get(test, [])}
            now = {c["check"]: c for c in new.get(test, [])}
            for number in sorted(set(was) | set(now)):
                a, b = was.get(number), now.get(number)
                if a and b and abs(a["points"] - b["points"]) < 1e-9:
                    continue
                rows.append([student, test, number, _points(a), _points(b), (b or {}).get("message") or ""])
    return rows


@dataclass
class Regrades:
    rows: list[list]
    regraded: int           # students graded this run who had been graded before
    summary: str
    csv: Path | None        # None: nobody was graded, regrade.csv left as it was


def summarise(rows: list[list], regraded: int | None = None) -> str:
    """One paragraph: students changed, points gained and lost, the checks that moved most."""
    who = f"{regraded} student(s) regraded" if regraded is not None else "last regrade"
    if not rows:
        return f"regrades: {who}, no score changed"
    gained = sum(max(0.0, _value(r[4]) - _value(r[3])) for r in rows)
    lost = sum(max(0.0, _value(r[3]) - _value(r[4])) for r in rows)
    moved = defaultdict(lambda: [set(), 0.0])
    for student, test, check, old, new, _ in rows:
        moved[(test, check)][0].add(student)
        moved[(test, check)][1] += _value(new) - _value(old)
    most = sorted(moved.items(), key=lambda item: (-len(item[1][0]), -abs(item[1][1]), item[0]))[:MOVED]
    checks = "; ".join(f"{test} #{check}: {len(students)} student(s), {round(net, 2):+g} points"
                       for (test, check), (students, net) in most)
    changed = len({row[0] for row in rows})
    return (f"regrades: {who}, {changed} changed: {round(gained, 2):g} points gained, {round(lost, 2):g} lost in total; "
            f"checks that moved most: {checks}")


def record_regrades(course: Path, assignment: str, before: dict, graded: list[str],
                    order: list[str] | None = None, progress=print) -> Regrades:
    """End of a class run: compare ``before`` (``previous_checks``, read before grading) with the
    autograded notebooks now, for the students in both; write regrade.csv when someone was
    graded (``graded``) or a score moved, print the summary, put the "Regrades" section into
    report.html and save the snapshot."""
    folder = course / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    after = snapshot(course, assignment)
    rows = compare(before, after, order)
    regraded = len(set(graded) & set(before) & set(after))
    path = None
    if graded or rows:
        path = folder / "regrade.csv"
        with open(path, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(REGRADE_COLUMNS)
            writer.writerows(rows)
        summary = summarise(rows, regraded)
        first = len(set(graded) - set(before))
        if first:
            summary += f" ({first} graded for the first time, not compared)"
    else:
        summary = "regrades: nobody graded in this run; regrade.csv is the last regrade's"
    _save_snapshot(folder, after)
    progress(summary)
    insert_section(folder / "report.html", section_html(*read_regrades(folder / "regrade.csv"), summary),
                   SECTION_BEGIN, SECTION_END)
    return Regrades(rows, regraded, summary, path)


def read_regrades(path: Path) -> tuple[list[list], bool]:
    """regrade.csv's rows (none where it is missing) and whether it exists."""
    if not path.is_file():
        return [], False
    with open(path, newline="") as source:
        rows = list(csv.reader(source))[1:]
    return [[s, t, int(c), b, a, m] for s, t, c, b, a, m in rows], True


def rebuild_section(course: Path, assignment: str) -> None:
    """Put the "Regrades" section, from regrade.csv, into report.html again (no grading)."""
    folder = course / "reports" / assignment
    rows, exists = read_regrades(folder / "regrade.csv")
    summary = summarise(rows) if exists else "regrades: no regrade recorded yet"
    insert_section(folder / "report.html", section_html(rows, exists, summary), SECTION_BEGIN, SECTION_END)


def section_html(rows: list[list], exists: bool, summary: str) -> str:
    head = "".join(f"<th>{name}</th>" for name in REGRADE_COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                     for row in rows[:SHOWN])
    more = f"<p>... and {len(rows) - SHOWN} more rows in regrade.csv.</p>" if len(rows) > SHOWN else ""
    table = f"<table><tr>{head}</tr>\n{body}</table>{more}" if rows else ""
    link = ' (<a href="regrade.csv">regrade.csv</a>)' if exists else ""
    return f"""{SECTION_BEGIN}
<h2 id="regrades">Regrades</h2>
<p>What the last run that graded students changed, per student and check: points the check earned
before and after{link}.</p>
<p class="summary">{html.escape(summary)}</p>
{table}
{SECTION_END}"""


def _points(check: dict | None) -> str:
    return "" if check is None else f"{check['points']:g}"


def _value(cell) -> float:
    return float(cell) if cell not in ("", None) else 0.0
