"""Notebooks as product: points in headings add up, tests explain failures, current Keras idioms."""

import ast
import re

import pytest

from tests.course_fixtures import ASSIGNMENTS, facts
from autograder.judge.verdicts import is_check
from autograder.notebook.source import python_source
from autograder.markers import FORMAT, WEIGHT
from autograder.notebook.submissions import is_answer, nbgrader_id

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



@pytest.mark.parametrize("assignment, name", NOTEBOOKS)
def test_weight_and_format_comments_sit_where_the_judge_reads_them(assignment, name):
    """The judge reads `# weight: N` and `# format` on the first line of a check or of a loop
    of checks (docs/authoring.md); anywhere else the comment would be silently ignored. And
    every test cell has a check of substance: format checks alone would pay for any stub."""
    for cell in facts(assignment).masters[name].cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        code = python_source(cell.source)
        tree = ast.parse(code)
        lines = code.splitlines()
        read = {node.lineno for node in tree.body if is_check(node)}
        read |= {inner.lineno for node in tree.body if isinstance(node, ast.For) and is_check(node)
                 for inner in node.body if is_check(inner)}
        misplaced = [number for number, line in enumerate(lines, 1)
                     if (FORMAT.search(line) or WEIGHT.search(line)) and number not in read]
        assert not misplaced, (f"{name}: {nbgrader_id(cell)}: lines {misplaced} carry a weight or format "
                               "comment the judge does not read: put it on the check's first line")
        concept = [node for node in tree.body if is_check(node) and not FORMAT.search(lines[node.lineno - 1])]
        assert concept, f"{name}: {nbgrader_id(cell)} has only format checks: a stub of the right shape would pass"
