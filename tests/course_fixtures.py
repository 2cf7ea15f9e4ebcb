"""Course copies with synthetic submissions, graded once and shared by the pipeline tests."""

import importlib
from pathlib import Path

from autograder import course as kit
from autograder.parts import autograded_parts, test_points
from autograder.submissions import read, solved

REPO = kit.REPO


def spec(assignment: str):
    """The pipeline-test answers of an assignment (see tests/assignment_specs)."""
    return importlib.import_module(f"tests.assignment_specs.{assignment}")


def masters(assignment: str) -> dict:
    return {name: read(REPO / "source" / assignment / name) for name in kit.notebook_names(assignment)}


def releases(assignment: str) -> dict:
    return {name: read(REPO / "release" / assignment / name) for name in kit.notebook_names(assignment)}


def submission(assignment: str, overrides: dict[str, str | None] | None = None) -> dict:
    """The full solution of every notebook, with ``overrides`` applied where their ids live."""
    overrides = dict(overrides or {})
    notebooks = {}
    for name, master in masters(assignment).items():
        ids = set(autograded_parts(master)) | {cell.metadata.get("nbgrader", {}).get("grade_id")
                                               for cell in master.cells}
        mine = {key: value for key, value in overrides.items() if key in ids}
        notebooks[name] = solved(master, releases(assignment)[name], mine)
        for key in mine:
            del overrides[key]
    if overrides:
        raise KeyError(f"no answer cells {sorted(overrides)} in {assignment}")
    return notebooks


def all_parts(assignment: str) -> dict[str, list[str]]:
    """Answer id -> test ids, over all notebooks of the assignment."""
    parts = {}
    for master in masters(assignment).values():
        parts.update(autograded_parts(master))
    return parts


def all_points(assignment: str) -> dict[str, float]:
    """Test id -> points, over all notebooks of the assignment."""
    points = {}
    for master in masters(assignment).values():
        points.update(test_points(master))
    return points


def graded_course(root: Path, assignment: str, students: dict[str, dict]) -> Path:
    """A course copy at ``root`` where each student (id -> notebooks) is autograded."""
    course = kit.copy_course(root, [assignment])
    kit.generate(course, assignment)
    for student, notebooks in students.items():
        kit.submit(course, student, assignment, notebooks)
    kit.autograde(course, assignment)
    return course


def autograded_scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Scores of the autograded test cells only (written answers left out)."""
    tests = all_points(assignment)
    return {key: value for key, value in kit.scores(course, assignment, student).items() if key in tests}
