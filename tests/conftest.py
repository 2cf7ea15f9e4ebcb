"""Fixtures shared by the pipeline tests (test_assignments.py, test_mutants.py), and each
test's outcome for its fixtures' teardown (test_browser.py's screenshot of a failure)."""

import pytest

from tests.course_fixtures import ASSIGNMENTS, graded_course, pipeline_class

CALL_REPORT = pytest.StashKey()  # item.stash[CALL_REPORT]: the report of the test's call phase


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """(assignment, course copy) in which the class command has graded ``pipeline_class``:
    one batch per assignment, read by every pipeline test."""
    assignment = request.param
    course = graded_course(tmp_path_factory.mktemp(assignment), assignment, pipeline_class(assignment))
    return assignment, course


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report
