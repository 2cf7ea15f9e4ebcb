"""The kit's reads and writes of nbgrader's gradebook (autograder/gradebook.py): a worker's
results read as data, merged into the course gradebook by the coordinator alone, manual
grades kept, a failed grading recorded as zeros."""

from datetime import datetime, timedelta

import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook

from autograder.coordinator.course import db_url
from autograder.gradebook import AutoGrades, cell_scores, export_grades, merge_grades, read_grades, record_failure
from autograder.worker.nbgrader_cli import run_nbgrader
from tests.nbfactory import answer_cell, graded_cell, new_course, write_notebook

ASSIGNMENT, NOTEBOOK = "ps", "ps"
WHEN = datetime(2026, 11, 20, 21, 30)


def _written_answer():
    """A written answer graded by hand (2 points)."""
    cell = new_code_cell("# explain here", metadata={"nbgrader": {
        "grade": True, "grade_id": "why", "locked": False, "points": 2, "schema_version": 3,
        "solution": True, "task": False}})
    return cell


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose gradebook knows the assignment: two test cells (1 and 3 points) and a
    written answer (2 points, graded by hand)."""
    root = new_course(tmp_path_factory.mktemp("gradebook"))
    write_notebook(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", [
        answer_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", "f"),
        graded_cell("assert f(1) == 1", "test_one", 1), graded_cell("assert f(2) == 2", "test_two", 3),
        _written_answer()])
    run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def worker_grades(**overrides) -> AutoGrades:
    data = {"timestamp": WHEN,
            "scores": {(NOTEBOOK, "test_one"): 1.0, (NOTEBOOK, "test_two"): 1.5, (NOTEBOOK, "why"): None},
            "comments": {(NOTEBOOK, "f"): None, (NOTEBOOK, "why"): None},
            "penalties": {NOTEBOOK: 0.0}, "extension": None}
    return AutoGrades(**{**data, **overrides})


def test_merged_grades_read_back_as_the_worker_wrote_them(course):
    assert read_grades(db_url(course), ASSIGNMENT, "alice") is None  # no submission yet
    assert merge_grades(db_url(course), ASSIGNMENT, "alice", worker_grades()) == 0
    assert cell_scores(db_url(course), ASSIGNMENT, "alice") == {"test_one": 1.0, "test_two": 1.5, "why": 0.0}
    back = read_grades(db_url(course), ASSIGNMENT, "alice")
    assert back.timestamp == WHEN
    assert {key: back.scores[key] for key in worker_grades().scores} == worker_grades().scores
    with Gradebook(db_url(course)) as gradebook:
        grades = {g.name: g for g in gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "alice").grades}
        assert grades["why"].needs_manual_grade and not grades["test_one"].needs_manual_grade


def test_a_manual_grade_survives_a_regrade_and_is_counted(course):
    merge_grades(db_url(course), ASSIGNMENT, "bob", worker_grades())
    with Gradebook(db_url(course)) as gradebook:
        gradebook.find_grade("why", NOTEBOOK, ASSIGNMENT, "bob").manual_score = 1.5
        gradebook.find_grade("test_two", NOTEBOOK, ASSIGNMENT, "bob").manual_score = 3.0  # a TA's override
        gradebook.db.commit()
    regraded = worker_grades(scores={**worker_grades().scores, (NOTEBOOK, "test_two"): 0.0})
    assert merge_grades(db_url(course), ASSIGNMENT, "bob", regraded) == 2
    assert cell_scores(db_url(course), ASSIGNMENT, "bob") == {"test_one": 1.0, "test_two": 3.0, "why": 1.5}
    with Gradebook(db_url(course)) as gradebook:
        assert gradebook.find_grade("test_two", NOTEBOOK, ASSIGNMENT, "bob").auto_score == 0.0


def test_the_extension_is_kept_only_where_the_assignment_has_a_due_date(course):
    merge_grades(db_url(course), ASSIGNMENT, "carol", worker_grades(extension=timedelta(hours=48),
                                                                    penalties={NOTEBOOK: 0.5}))
    with Gradebook(db_url(course)) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "carol")
        assert submission.extension is None  # no due date here: an extension means nothing
        assert submission.notebooks[0].late_submission_penalty == 0.5


def test_a_failed_grading_records_zero_for_every_test_and_keeps_manual_grades(course):
    merge_grades(db_url(course), ASSIGNMENT, "dave", worker_grades())
    with Gradebook(db_url(course)) as gradebook:
        gradebook.find_grade("why", NOTEBOOK, ASSIGNMENT, "dave").manual_score = 2.0
        gradebook.db.commit()
    record_failure(db_url(course), ASSIGNMENT, "dave")
    assert cell_scores(db_url(course), ASSIGNMENT, "dave") == {"test_one": 0.0, "test_two": 0.0, "why": 2.0}
    record_failure(db_url(course), ASSIGNMENT, "erin")  # never graded before: a submission of zeros
    assert cell_scores(db_url(course), ASSIGNMENT, "erin") == {"test_one": 0.0, "test_two": 0.0, "why": 0.0}


def test_the_grades_file_is_the_one_nbgrader_export_writes(course, tmp_path):
    merge_grades(db_url(course), ASSIGNMENT, "carol", worker_grades())
    record_failure(db_url(course), ASSIGNMENT, "dave")
    assert export_grades(course, db_url(course), tmp_path / "here.csv")
    run_nbgrader(course, "export", f"--to={tmp_path / 'nbgrader.csv'}")
    here = (tmp_path / "here.csv").read_text()
    assert here == (tmp_path / "nbgrader.csv").read_text()
    assert "carol" in here and "dave" in here


def test_a_course_with_an_exporter_of_its_own_is_left_to_nbgrader_export(course, tmp_path):
    config = course / "nbgrader_config.py"
    kept = config.read_text()
    try:
        config.write_text(kept + '\nc.ExportApp.plugin_class = "my_exporter.MyExporter"\n')
        assert not export_grades(course, db_url(course), tmp_path / "grades.csv")
        assert not (tmp_path / "grades.csv").exists()
    finally:
        config.write_text(kept)
