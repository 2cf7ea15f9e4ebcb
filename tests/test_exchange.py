"""The course's exchange: on one machine, JupyterLab's Assignment List works out of the box."""

import getpass

import pytest

from autograder.coordinator.course import copy_course
from autograder.worker.nbgrader_cli import run_nbgrader

ASSIGNMENT = "fashion_mnist"


@pytest.mark.slow
def test_a_released_assignment_is_listed_fetched_submitted_and_collected(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXCHANGE", raising=False)
    course = copy_course(tmp_path / "course", [ASSIGNMENT])
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    listed = run_nbgrader(course, "list")  # before any release: empty, not an error
    assert ASSIGNMENT not in listed.stdout + listed.stderr
    run_nbgrader(course, "release_assignment", ASSIGNMENT)
    assert (course / "exchange" / "dl-course" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    listed = run_nbgrader(course, "list")
    assert f"dl-course {ASSIGNMENT}" in listed.stdout + listed.stderr
    run_nbgrader(course, "fetch_assignment", ASSIGNMENT)
    assert (course / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    run_nbgrader(course, "submit", ASSIGNMENT)
    run_nbgrader(course, "collect", ASSIGNMENT)
    assert (course / "submitted" / getpass.getuser() / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
