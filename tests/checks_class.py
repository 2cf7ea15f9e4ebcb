"""A tiny class with a known pattern of passed and failed checks, for the item analysis and
regrade tests (issue #27): two parts, two test cells with visible, looped and hidden checks,
six students, no TensorFlow, so a run grades in seconds."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder.worker.grade import Limits
from autograder.coordinator.class_run import grade_class
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.notebook.submissions import solved
from tests.nbfactory import answer_cell, graded_cell, new_course, write_notebook

ASSIGNMENT, NOTEBOOK = "ps2", "ps2.ipynb"
PART_1, PART_2 = "Part 1: Scale (2 points)", "Part 2: Offset (2 points)"

# test_scale, 2 points, 4 checks of 0.5: line 1; the loop's two cases, line 3; hidden, line 5
SCALE_TEST = ("assert_close(scale(1.0), 2.0, name='scale(1)')\n"
              "for x in [2.0, 3.0]:\n"
              "    assert_close(scale(x), 2 * x, name='scale(x)')\n"
              "### BEGIN HIDDEN TESTS\n"
              "assert_close(scale(10.0), 20.0, rtol=0, atol=0.5, name='scale(10)')\n"
              "### END HIDDEN TESTS")
THRESHOLD, STRICTER = "atol=0.5", "atol=0.1"  # the hidden check's threshold, and the regrade's
# test_offset, 2 points, 2 checks of 1: line 1; hidden, line 3
OFFSET_TEST = ("assert offset(0) == 1, 'offset(0) should be 1'\n"
               "### BEGIN HIDDEN TESTS\n"
               "assert abs(offset(100) - 101) <= 1, 'offset(100) is off'\n"
               "### END HIDDEN TESTS")

SCALE = "def scale(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
OFFSET = "def offset(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"
FAR_OFFSET = "def offset(x):\n    return x + 1 if x < 50 else x + 3"

# student -> answers (None: the release's stub)
STUDENTS = {
    "ace": {"offset": FAR_OFFSET},                                             # 2 + 1 = 3
    "strong": {"scale": "def scale(x):\n    return 2 * x if x < 5 else 2 * x + 0.3",
               "offset": FAR_OFFSET},                                          # 2 + 1 = 3
    "close": {"scale": "def scale(x):\n    return 2 * x if x < 5 else 2 * x - 0.2"},  # 2 + 2 = 4
    "middle": {"scale": "def scale(x):\n    return 2 * x if x < 2.5 else x"},  # 1 + 2 = 3
    "weak": {"scale": "def scale(x):\n    return x"},                          # 0 + 2 = 2
    "blank": {"scale": None, "offset": None},                                  # 0 + 0 = 0
}
# student -> (test_scale checks 1-4 passed, test_offset checks 1-2 passed)
PASSES = {
    "ace": ([1, 1, 1, 1], [1, 0]),
    "strong": ([1, 1, 1, 1], [1, 0]),
    "close": ([1, 1, 1, 1], [1, 1]),
    "middle": ([1, 1, 0, 0], [1, 1]),
    "weak": ([0, 0, 0, 0], [1, 1]),
    "blank": ([0, 0, 0, 0], [0, 0]),
}


def master_cells(scale_test: str = SCALE_TEST):
    setup = new_code_cell("import numpy as np\nfrom helpers.checks import assert_close", metadata={
        "nbgrader": {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3,
                     "solution": False, "task": False}})
    return [setup,
            new_markdown_cell(f"## {PART_1}"), answer_cell(SCALE, "scale"), graded_cell(scale_test, "test_scale", 2),
            new_markdown_cell(f"## {PART_2}"), answer_cell(OFFSET, "offset"), graded_cell(OFFSET_TEST, "test_offset", 2)]


def new_checks_course(root: Path) -> Path:
    """The course with its master and release, no submission."""
    course = new_course(root)
    write_notebook(course / "source" / ASSIGNMENT / NOTEBOOK, master_cells())
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)
    return course


def submit_students(course: Path) -> None:
    master = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for student, answers in STUDENTS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(solved(master, release, answers), folder / NOTEBOOK)


def graded_checks_class(root: Path, **options) -> tuple[Path, list[dict], list[str]]:
    """A course with the class submitted and graded; the course, its rows and the printed lines."""
    course = new_checks_course(root)
    submit_students(course)
    printed = []
    rows = grade_class(course, ASSIGNMENT, workers=2, limits=Limits(memory_mb=1000), progress=printed.append,
                       **options)
    return course, rows, printed


def regrade(course: Path, **options) -> tuple[list[dict], list[str]]:
    printed = []
    rows = grade_class(course, ASSIGNMENT, workers=2, limits=Limits(memory_mb=1000), progress=printed.append,
                       **options)
    return rows, printed


def set_master_test(course: Path, scale_test: str) -> None:
    """Change the master's test_scale cell (a copy of the master: the course's own)."""
    path = course / "source" / ASSIGNMENT / NOTEBOOK
    master = nbformat.read(path, as_version=4)
    for cell in master.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_scale":
            cell.source = scale_test
    nbformat.write(master, path)

