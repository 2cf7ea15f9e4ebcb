"""Fixtures shared by the pipeline tests (test_assignments.py, test_mutants.py), the
PostgreSQL server of the gradebook tests, and each test's outcome for its fixtures'
teardown (test_browser.py's screenshot of a failure)."""

import pytest

from autograder.settings import DB_URL_ENV
from tests.course_fixtures import ASSIGNMENTS, graded_course, pipeline_class
from tests.postgres import MISSING, postgres_server, server_programs

CALL_REPORT = pytest.StashKey()  # item.stash[CALL_REPORT]: the report of the test's call phase


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """(assignment, course copy) in which the class command has graded ``pipeline_class``:
    one batch per assignment, read by every pipeline test."""
    assignment = request.param
    course = graded_course(tmp_path_factory.mktemp(assignment), assignment, pipeline_class(assignment))
    return assignment, course


@pytest.fixture(scope="session", autouse=True)
def no_course_gradebook_url():
    """An instructor's NBGRADER_DB_URL (README: exported in graders' shells) never reaches the
    tests, which would write their students into that course's database; the PostgreSQL
    tests set their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(DB_URL_ENV, raising=False)
        yield


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server (tests/postgres.py), stopped and deleted after the session;
    the test skips, with the reason, where the server programs are not installed."""
    programs = server_programs()
    if programs is None:
        pytest.skip(MISSING)
    with postgres_server(programs) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report
