"""Course copies with synthetic submissions, graded once and shared by the pipeline tests."""

import importlib
from functools import cache
from pathlib import Path

from autograder.assignment import assignment_names, load_assignment
from autograder.course import copy_course, db_url, submit
from autograder.grade_class import grade_class
from autograder.gradebook import cell_scores
from autograder.nbgrader_cli import run_nbgrader
from autograder.submissions import solved_assignment

ASSIGNMENTS = assignment_names()


@cache
def facts(assignment: str):
    """The repository's ``Assignment`` of that name."""
    return load_assignment(assignment)


def submission(assignment: str, overrides: dict | None = None) -> dict:
    """File name -> the master's answers in the release, with ``overrides`` (see solved_assignment)."""
    return solved_assignment(facts(assignment), overrides)


def spec(assignment: str):
    """The pipeline-test answers of an assignment (see tests/assignment_specs)."""
    return importlib.import_module(f"tests.assignment_specs.{assignment}")


def graded_course(root: Path, assignment: str, students: dict[str, dict], workers: int = 2) -> Path:
    """A course copy at ``root`` where each student (id -> notebooks) is graded by the class command."""
    course = copy_course(root, [assignment])
    for student, notebooks in students.items():
        submit(course, student, assignment, notebooks)
    grade_class(course, assignment, workers=workers, progress=lambda line: None)
    return course


def scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Score of every graded cell of one student in a course copy."""
    return cell_scores(db_url(course), assignment, student)


def autograded_scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Scores of the autograded test cells only (written answers left out)."""
    tests = facts(assignment).points
    return {key: value for key, value in scores(course, assignment, student).items() if key in tests}


def autograde_again(course: Path, assignment: str, student: str) -> None:
    """The instructor's own ``nbgrader autograde`` of one student in the course copy."""
    run_nbgrader(course, "autograde", assignment, "--force", f"--student={student}")
