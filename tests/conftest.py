"""Fixtures shared by the pipeline tests (test_assignments.py, test_mutants.py)."""

import pytest

from tests.course_fixtures import ASSIGNMENTS, graded_course, pipeline_class


@pytest.fixture(scope="session", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """(assignment, course copy) in which the class command has graded ``pipeline_class``:
    one batch per assignment, read by every pipeline test."""
    assignment = request.param
    course = graded_course(tmp_path_factory.mktemp(assignment), assignment, pipeline_class(assignment))
    return assignment, course
