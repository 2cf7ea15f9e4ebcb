"""Check what ``make demo`` graded (``make smoke`` runs both; CI on the oldest Python).

Reads the class reports the demo writes, ``reports/<assignment>/results.csv``: for each
assignment named on the command line (every assignment in ``source/`` when none is), the
full solution (``demo-solution``) must be graded with every
autograded point and the blank release (``demo-blank``) with none. Prints a line per
assignment and a closing ``N passed, N failed`` line; exits 1 on any failure.
"""

import csv
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED = {"demo-solution": "max", "demo-blank": 0.0}


def check(assignment: str) -> list[str]:
    """What is wrong with the demo's grades of ``assignment`` (empty when nothing is)."""
    results = REPO / "reports" / assignment / "results.csv"
    if not results.exists():
        return [f"no {results.relative_to(REPO)}: the demo did not grade it"]
    with open(results, newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    problems = []
    for student, expected in EXPECTED.items():
        row = rows.get(student)
        if row is None:
            problems.append(f"{student} not graded")
            continue
        want = float(row["max"]) if expected == "max" else expected
        if row["status"] != "graded" or float(row["total"]) != want:
            problems.append(f"{student}: {row['status']} {row['reason']} {row['total']}/{row['max']}, "
                            f"expected graded {want:g}/{row['max']}")
    return problems


def main(argv: list[str]) -> int:
    assignments = argv or sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir())
    failed = 0
    print(f"Demo grades, checked with Python {platform.python_version()}:")
    for assignment in assignments:
        problems = check(assignment)
        failed += bool(problems)
        print(f"  {assignment}: {'; '.join(problems) or 'full solution earns every point, blank none'}")
    print(f"smoke: {len(assignments) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
