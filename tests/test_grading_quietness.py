"""Library noise on stderr costs no points and fails no validation; failing tests still cost all of theirs."""

import shutil

import nbformat
import pytest

from autograder.gradebook import cell_scores
from autograder.worker.nbgrader_cli import run_nbgrader as nbgrader
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
    """Control: plain nbgrader 0.9, which runs test cells in the student's kernel, zeroes a
    passing cell that wrote to stderr. The kit judges test cells in the grader, whose
    verdicts carry no stderr, and IgnorePattern drops any stderr of the student's cells."""
    nbgrader(course, "autograde", "ps1", "--force", "--IgnorePattern.enabled=False", "--GuardedExecute.judge=False")
    scores = cell_scores(f"sqlite:///{course}/gradebook.db", "ps1", "alice")
    assert scores == {"warns_but_correct": 0.0, "wrong": 0.0}


def test_validate_passes_a_correct_notebook_that_writes_to_stderr(course, tmp_path):
    """Validate tells the truth: a notebook that autogrades to full points validates clean,
    however much its test cells wrote to stderr; a wrong answer still fails validation."""
    correct = tmp_path / "correct.ipynb"
    notebook = nbformat.read(course / "source" / "ps1" / "ps1.ipynb", as_version=4)
    notebook.cells = notebook.cells[:2]  # the answer and its noisy, passing test
    nbformat.write(notebook, correct)
    result = nbgrader(course, "validate", str(correct), check=False)
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout
    wrong = nbgrader(course, "validate", str(course / "source" / "ps1" / "ps1.ipynb"), check=False)
    assert "VALIDATION FAILED ON 1 CELL(S)" in wrong.stdout and "expected 41, got 42" in wrong.stdout


def test_without_the_config_validate_would_cry_wolf(course, tmp_path):
    """Control: plain nbgrader (no course config here) fails the same correct notebook."""
    correct = tmp_path / "correct.ipynb"
    notebook = nbformat.read(course / "source" / "ps1" / "ps1.ipynb", as_version=4)
    notebook.cells = notebook.cells[:2]
    nbformat.write(notebook, correct)
    plain = tmp_path / "plain"
    plain.mkdir()
    result = nbgrader(plain, "validate", str(correct), check=False)
    assert "VALIDATION FAILED ON 1 CELL(S)" in result.stdout, result.stdout


def test_the_course_config_loads_without_error():
    """nbgrader ignores a config file that raises, silently: every setting would be lost."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.notebook.assignment import REPO

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.IgnorePattern.enabled and config.Autograde.autograde_preprocessors
    assert "IgnorePattern" in [preprocessor.__name__ for preprocessor in config.Validator.preprocessors]
