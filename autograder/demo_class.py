"""The main job: release every assignment and autograde a small demo class.

``make demo`` runs ``python -m autograder.demo_class [assignment ...]`` from the repository
root. For each
assignment in ``source/`` it writes three submissions into ``submitted/`` — the full
solution, the untouched release and a half-solved notebook — grades them with the class
grading command (release regenerated, 2 workers, feedback, report) and prints a table.
Grades are exported by nbgrader to ``grades.csv``. Running it again re-grades nothing
unless a submission changed.
"""

import sys
from pathlib import Path

from autograder import course as kit
from autograder.grade_class import grade_class
from autograder.nbgrader_cli import run_nbgrader


def demo_submissions(assignment: str, repo: Path) -> dict[str, dict]:
    """Student id -> notebooks: full solution, blank release, first half of the parts solved."""
    answers = list(kit.parts(assignment, repo))
    unsolved = {answer: None for answer in answers[len(answers) // 2:]}
    return {
        "demo-solution": kit.solved_assignment(assignment, repo=repo),
        "demo-blank": kit.releases(assignment, repo),
        "demo-partial": kit.solved_assignment(assignment, unsolved, repo=repo),
    }


def main(assignments: list[str], repo: Path = kit.REPO, workers: int = 2) -> int:
    """Demo-grade the named assignments (all of them when none is named)."""
    table = []
    for assignment in assignments or kit.assignments(repo):
        students = demo_submissions(assignment, repo)
        for student, notebooks in students.items():
            kit.submit(repo, student, assignment, notebooks)
        rows = grade_class(repo, assignment, workers=workers, students=list(students))
        maximum = sum(kit.points(assignment, repo).values())
        for row in rows:
            score = sum(row["scores"].get(test, 0.0) for test in kit.points(assignment, repo))
            table.append((assignment, row["student"], row["status"], f"{score:g} / {maximum:g}"))
    run_nbgrader(repo, "export", "--to=grades.csv")
    header = ("assignment", "student", "status", "autograded")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *table)]
    print()
    for line in [header, *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)))
    print(f"\nGrades exported to {repo / 'grades.csv'}; class reports in {repo / 'reports'}/<assignment>/report.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
