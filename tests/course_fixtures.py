"""Course copies with synthetic submissions, graded once and shared by the pipeline tests."""

import importlib
from pathlib import Path

from autograder import course as kit
from autograder.grade_class import grade_class
from autograder.course import masters, parts as all_parts, points as all_points, releases
from autograder.course import solved_assignment as submission

__all__ = ["masters", "releases", "submission", "all_parts", "all_points", "spec",
           "graded_course", "autograded_scores"]


def spec(assignment: str):
    """The pipeline-test answers of an assignment (see tests/assignment_specs)."""
    return importlib.import_module(f"tests.assignment_specs.{assignment}")


def graded_course(root: Path, assignment: str, students: dict[str, dict], workers: int = 2) -> Path:
    """A course copy at ``root`` where each student (id -> notebooks) is graded by the class command."""
    course = kit.copy_course(root, [assignment])
    for student, notebooks in students.items():
        kit.submit(course, student, assignment, notebooks)
    grade_class(course, assignment, workers=workers, progress=lambda line: None)
    return course


def autograded_scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Scores of the autograded test cells only (written answers left out)."""
    tests = all_points(assignment)
    return {key: value for key, value in kit.scores(course, assignment, student).items() if key in tests}
