"""Library noise on stderr costs no points; failing tests still cost all of theirs."""

import shutil

import pytest

from autograder.gradebook import cell_scores
from autograder.nbgrader_cli import run_nbgrader as nbgrader
from tests.nbfactory import new_course, answer_cell, graded_cell, write_notebook

ANSWER = '''def answer():
    ### BEGIN SOLUTION
    import warnings
    warnings.warn("Do not pass an `input_shape` argument to a layer.", UserWarning)
    return 42
    ### END SOLUTION'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = new_course(tmp_path_factory.mktemp("course"))
    write_notebook(root / "source" / "ps1" / "ps1.ipynb", [
        answer_cell(ANSWER, "answer"),
        graded_cell("import sys\nprint('I0000 cpu_feature_guard.cc] TensorFlow log line', file=sys.stderr)\n"
                  "assert answer() == 42, f'expected 42, got {answer()}'", "warns_but_correct", 2),
        graded_cell("assert answer() == 41, f'expected 41, got {answer()}'", "wrong", 3),
    ])
    nbgrader(root, "generate_assignment", "ps1")
    submission = root / "submitted" / "alice" / "ps1"
    submission.mkdir(parents=True)
    shutil.copy(root / "source" / "ps1" / "ps1.ipynb", submission)
    return root


def test_stderr_output_costs_nothing_and_failures_score_zero(course):
    nbgrader(course, "autograde", "ps1")
    scores = cell_scores(f"sqlite:///{course}/gradebook.db", "ps1", "alice")
    assert scores == {"warns_but_correct": 2.0, "wrong": 0.0}


def test_without_the_config_stderr_would_zero_the_cell(course):
    """Control: plain nbgrader 0.9 zeroes a passing cell that wrote to stderr."""
    nbgrader(course, "autograde", "ps1", "--force", "--IgnorePattern.enabled=False")
    scores = cell_scores(f"sqlite:///{course}/gradebook.db", "ps1", "alice")
    assert scores == {"warns_but_correct": 0.0, "wrong": 0.0}
