"""Notebooks as product: points in headings add up, tests explain failures, current Keras idioms."""

import ast
import re

import pytest

from tests.course_fixtures import ASSIGNMENTS, facts
from autograder.source import python_source
from autograder.submissions import is_answer, nbgrader_id

HEADING = re.compile(r"^(#{2,4})\s.*\((\d+(?:\.\d+)?) points?\)", re.M)
DEPRECATED_ARGUMENTS = {"input_shape": "use keras.Input(shape)", "input_dim": "use keras.Input(shape)",
                        "lr": "use learning_rate="}
DEPRECATED_NAMES = {"ImageDataGenerator": "use Keras 3 preprocessing layers"}
NOTEBOOKS = [(a, name) for a in ASSIGNMENTS for name in facts(a).notebooks]


def graded_points(cell) -> float:
    meta = cell.metadata.get("nbgrader", {})
    return float(meta.get("points", 0)) if meta.get("grade") else 0.0


@pytest.mark.parametrize("assignment, name", NOTEBOOKS)
def test_heading_points_add_up_to_the_cells_below_them(assignment, name):
    cells = facts(assignment).masters[name].cells
    headings = []  # (cell index, level, points)
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown" and not is_answer(cell):
            headings += [(index, len(m.group(1)), float(m.group(2))) for m in HEADING.finditer(cell.source)]
    assert headings, f"{name}: no '## Part N: Title (P points)' headings"
    for position, (index, level, points) in enumerate(headings):
        end = next((i for i, lvl, _ in headings[position + 1:] if lvl <= level), len(cells))
        below = sum(graded_points(cell) for cell in cells[index:end])
        assert below == points, f"{name}: heading in cell {index + 1} says {points:g} points, its cells give {below:g}"
    every = sum(graded_points(cell) for cell in cells)
    top = sum(points for _, level, points in headings if level == min(l for _, l, _ in headings))
    assert top == every, f"{name}: the parts add up to {top:g} points, the notebook has {every:g}"


@pytest.mark.parametrize("assignment, name", NOTEBOOKS)
def test_every_assert_in_a_test_cell_has_a_message(assignment, name):
    for cell in facts(assignment).masters[name].cells:
        if cell.cell_type == "code" and graded_points(cell) and not is_answer(cell):
            bare = [node.lineno for node in ast.walk(ast.parse(python_source(cell.source)))
                    if isinstance(node, ast.Assert) and node.msg is None]
            assert not bare, f"{name}, cell {nbgrader_id(cell)}: assert without a message on lines {bare}"


@pytest.mark.parametrize("assignment, name", NOTEBOOKS)
def test_a_passing_visible_test_says_so_in_one_line(assignment, name):
    """In the release, every test cell that checks something ends with visible_tests_passed(),
    so a student sees a line, not silence, when the visible tests pass."""
    for cell in facts(assignment).releases[name].cells:
        if cell.cell_type == "code" and graded_points(cell) and not is_answer(cell):
            code = [line for line in cell.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
            if code:
                assert code[-1] == "visible_tests_passed()", (
                    f"{name}, cell {nbgrader_id(cell)}: the visible tests should end with visible_tests_passed()")


@pytest.mark.parametrize("assignment, name", NOTEBOOKS)
def test_code_uses_current_keras_idioms(assignment, name):
    for cell in facts(assignment).masters[name].cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(python_source(cell.source))):
            if isinstance(node, ast.keyword) and node.arg in DEPRECATED_ARGUMENTS:
                pytest.fail(f"{name}, cell {nbgrader_id(cell)}: {node.arg}= ({DEPRECATED_ARGUMENTS[node.arg]})")
            named = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if named in DEPRECATED_NAMES:
                pytest.fail(f"{name}, cell {nbgrader_id(cell)}: {named} ({DEPRECATED_NAMES[named]})")


@pytest.mark.parametrize("assignment, name", NOTEBOOKS)
def test_setup_cell_makes_figures_display(assignment, name):
    code = [cell for cell in facts(assignment).masters[name].cells if cell.cell_type == "code"]
    assert "%matplotlib inline" in code[0].source, f"{name}: first code cell must run %matplotlib inline"

