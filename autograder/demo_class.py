"""The main job: release every assignment and autograde a small demo class.

``make demo`` runs ``python -m autograder.demo_class [assignment ...]`` from the repository
root. For each
assignment in ``source/`` it writes three submissions into ``submitted/`` — the full
solution, the untouched release and a half-solved notebook — grades them with the class
grading command (release regenerated, 2 workers, feedback, report), releases it to the
course's exchange (``exchange/``, which JupyterLab's Assignment List reads) and prints a table.
Grades are exported by nbgrader to ``grades.csv``. Running it again re-grades nothing
unless a submission changed. ``--smoke`` grades only the full solution and the blank
release (``make smoke``, which CI runs on the oldest Python).
"""

import argparse
from pathlib import Path

from autograder.notebook.assignment import REPO, Assignment, assignment_names, load_assignment
from autograder.coordinator.course import submit
from autograder.coordinator.class_run import grade_class
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.notebook.submissions import solved_assignment


def demo_submissions(assignment: Assignment) -> dict[str, dict]:
    """Student id -> notebooks: full solution, blank release, first half of the parts solved."""
    answers = list(assignment.parts)
    unsolved = {answer: None for answer in answers[len(answers) // 2:]}
    return {
        "demo-solution": solved_assignment(assignment),
        "demo-blank": assignment.releases,
        "demo-partial": solved_assignment(assignment, unsolved),
    }


SMOKE_STUDENTS = ("demo-solution", "demo-blank")


def demo(assignments: list[str], repo: Path = REPO, workers: int = 2, smoke: bool = False) -> int:
    """Demo-grade the named assignments (all of them when none is named)."""
    table = []
    for name in assignments or assignment_names(repo):
        assignment = load_assignment(name, repo)
        students = demo_submissions(assignment)
        if smoke:
            students = {student: students[student] for student in SMOKE_STUDENTS}
        for student, notebooks in students.items():
            submit(repo, student, name, notebooks)
        rows = grade_class(repo, name, workers=workers, students=list(students))
        run_nbgrader(repo, "release_assignment", name, "--force")  # for JupyterLab's Assignment List
        for row in rows:
            score = sum(row["scores"].get(test, 0.0) for test in assignment.points)
            table.append((name, row["student"], row["status"], f"{score:g} / {assignment.max_points:g}"))
    run_nbgrader(repo, "export", "--to=grades.csv")
    header = ("assignment", "student", "status", "autograded")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *table)]
    print()
    for line in [header, *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)))
    print(f"\nGrades exported to {repo / 'grades.csv'}; class reports in {repo / 'reports'}/<assignment>/report.html")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    parser.add_argument("--smoke", action="store_true", help="grade only the full solution and the blank release")
    args = parser.parse_args(argv)
    return demo(args.assignments, smoke=args.smoke)


if __name__ == "__main__":
    raise SystemExit(main())
