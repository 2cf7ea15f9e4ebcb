"""PostgreSQL as the course gradebook (NBGRADER_DB_URL), against a real server the tests
start themselves (tests/postgres.py): the class command merges into it, resumes from it,
keeps a manual grade across a regrade; `nbgrader export` and the formgrader read it.

The class is a few students of test_grade_class.py's ps1 course, graded once per module;
what they must score is its EXPECTED, what the SQLite gradebook gives. Every test checks
that the course folder has no SQLite gradebook (nothing fell back to one); the first also
reads the submissions and scores straight from the server with psycopg.
"""

import csv
import json
import secrets
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from nbgrader.api import Gradebook

from autograder.worker.grade import Limits
from autograder.coordinator.class_run import grade_class
from autograder.worker.nbgrader_cli import nbgrader_env, run_nbgrader
from autograder.settings import DB_URL_ENV
from tests.servers import free_port, wait_for_jupyter
from tests.test_grade_class import (  # noqa: F401 (course and monkeypatch_module are fixtures)
    ASSIGNMENT, EXPECTED, FULL, class_submissions, course, graded_class, monkeypatch_module,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STUDENTS = ("good", "partial", "blank", "invalid_json")  # invalid_json: a failure recorded
LIMITS = Limits(memory_mb=1000)
NOTEBOOK_ID = "ps1"
# What a TA enters in the formgrader for partial, whose square() is missing: half the points
# of its test, and a comment on the answer.
MANUAL_STUDENT, MANUAL_TEST, MANUAL_SCORE = "partial", "test_square", 1.0
MANUAL_ANSWER, MANUAL_COMMENT = "square", "square is missing; 1 point for the working double and negate"


@dataclass
class PgCourse:
    """A course folder whose gradebook is the database at ``url``, and its first results."""

    folder: Path
    url: str
    first: dict  # student -> (status, scores) of the first run


@pytest.fixture(scope="module")
def pg_course(course, postgres, tmp_path_factory, monkeypatch_module):
    """STUDENTS graded once by the class command into a fresh database of the test server."""
    url = postgres.new_database("dl_course")
    monkeypatch_module.setenv(DB_URL_ENV, url)  # after ``course`` was made, with its own SQLite
    everyone = class_submissions(course)
    folder, first = graded_class(course, tmp_path_factory.mktemp("pg"), workers=2,
                                 students={name: everyone[name] for name in STUDENTS})
    return PgCourse(folder, url, first)


@pytest.fixture(scope="module")
def resumed(pg_course):
    """The same command again, nothing changed: its progress lines and rows."""
    return _grade(pg_course)


@pytest.fixture(scope="module")
def regraded(pg_course, resumed):
    """A manual score and comment entered as the formgrader enters them (nbgrader's Gradebook,
    its GradeHandler/CommentHandler PUT), then everyone regraded (``--regrade all``)."""
    with Gradebook(pg_course.url) as gradebook:
        grade = gradebook.find_grade(MANUAL_TEST, NOTEBOOK_ID, ASSIGNMENT, MANUAL_STUDENT)
        grade.manual_score = MANUAL_SCORE
        grade.needs_manual_grade = False
        gradebook.find_comment(MANUAL_ANSWER, NOTEBOOK_ID, ASSIGNMENT,
                               MANUAL_STUDENT).manual_comment = MANUAL_COMMENT
        gradebook.db.commit()
    return _grade(pg_course, regrade="all")


def _grade(pg_course: PgCourse, regrade: str = "changed") -> tuple[list[str], dict]:
    lines = []
    rows = grade_class(pg_course.folder, ASSIGNMENT, workers=2, regrade=regrade, limits=LIMITS,
                       progress=lines.append)
    return lines, {row["student"]: (row["status"], row["scores"]) for row in rows}


def _query(url: str, statement: str) -> list[tuple]:
    """Rows of ``statement`` read straight from the server (libpq's form of the URL)."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute(statement).fetchall()


def _no_sqlite(folder: Path) -> None:
    assert not list(folder.rglob("gradebook.db")), "a SQLite gradebook was written in the course"


def test_the_class_is_merged_into_postgres_with_the_sqlite_results(pg_course):
    _no_sqlite(pg_course.folder)
    assert pg_course.first == {name: EXPECTED[name] for name in STUDENTS}
    assert _query(pg_course.url, "SELECT student_id FROM submitted_assignment ORDER BY student_id") == [
        (name,) for name in sorted(STUDENTS)]
    autograded = dict(_query(pg_course.url, """
        SELECT base_cell.name, grade.auto_score FROM grade
        JOIN base_cell ON grade.cell_id = base_cell.id
        JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
        JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
        WHERE submitted_assignment.student_id = 'partial'"""))
    assert autograded == EXPECTED["partial"][1]
    # nbgrader's own schema migration (alembic) runs against the same URL
    run_nbgrader(pg_course.folder, "db", "upgrade")
    assert _query(pg_course.url, "SELECT count(*) FROM alembic_version") == [(1,)]


def test_a_second_run_with_nothing_changed_grades_nobody_and_reads_the_same(pg_course, resumed):
    lines, results = resumed
    assert f"{len(STUDENTS)} submissions, 0 to grade" in lines[0], lines
    assert results == pg_course.first
    _no_sqlite(pg_course.folder)


def test_a_manual_grade_survives_regrading_everyone_and_counts(pg_course, regraded):
    lines, results = regraded
    assert f"{len(STUDENTS)} to grade" in lines[0], lines
    assert results == {**pg_course.first,
                       MANUAL_STUDENT: ("graded", {**FULL, MANUAL_TEST: MANUAL_SCORE})}
    with Gradebook(pg_course.url) as gradebook:
        grade = gradebook.find_grade(MANUAL_TEST, NOTEBOOK_ID, ASSIGNMENT, MANUAL_STUDENT)
        assert (grade.auto_score, grade.manual_score, grade.score) == (0.0, MANUAL_SCORE, MANUAL_SCORE)
        comment = gradebook.find_comment(MANUAL_ANSWER, NOTEBOOK_ID, ASSIGNMENT, MANUAL_STUDENT)
        assert comment.manual_comment == MANUAL_COMMENT
        assert gradebook.find_submission(ASSIGNMENT, MANUAL_STUDENT).score == _expected_totals()[MANUAL_STUDENT][0]
    # the feedback counts it too: rendered from the course gradebook, not by the worker
    score, total = _expected_totals()[MANUAL_STUDENT]
    page = pg_course.folder / "feedback" / MANUAL_STUDENT / ASSIGNMENT / f"{NOTEBOOK_ID}.html"
    assert f"Score: {score} / {total}" in page.read_text()
    _no_sqlite(pg_course.folder)


def _expected_totals() -> dict[str, tuple[float, float]]:
    """Each student's total and the maximum once the manual grade is in."""
    total = sum(FULL.values())
    scores = {name: sum(EXPECTED[name][1].values()) for name in STUDENTS}
    scores[MANUAL_STUDENT] += MANUAL_SCORE
    return {name: (score, total) for name, score in scores.items()}


def test_nbgrader_export_writes_the_grades_from_postgres(pg_course, regraded, tmp_path):
    grades = tmp_path / "grades.csv"
    run_nbgrader(pg_course.folder, "export", f"--to={grades}")
    with grades.open() as table:
        exported = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
                    for row in csv.DictReader(table) if row["assignment"] == ASSIGNMENT}
    assert exported == _expected_totals()
    _no_sqlite(pg_course.folder)


def test_the_formgrader_reads_the_postgres_gradebook(pg_course, regraded, tmp_path):
    """`jupyter server` (the formgrader is one of its extensions) serving the course, with
    NBGRADER_DB_URL in its environment as on a grading server: its API lists the scores."""
    env = nbgrader_env()
    assert env[DB_URL_ENV] == pg_course.url
    env.pop("NBGRADER_EXCHANGE", None)
    env.update({name: str(tmp_path / folder) for name, folder in [
        ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "share"),
        ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]})
    token, port = secrets.token_hex(16), free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True",
             f"--ServerApp.root_dir={pg_course.folder}"],
            cwd=pg_course.folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_jupyter(server, f"{url}/api/status?token={token}", tmp_path / "server.log")
            request = urllib.request.Request(f"{url}/formgrader/api/submissions/{ASSIGNMENT}",
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                submissions = json.load(response)
        finally:
            server.terminate()
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    listed = {row["student"]: row for row in submissions}
    assert sorted(listed) == sorted(STUDENTS), (tmp_path / "server.log").read_text()
    # The formgrader lists a submission without autograded notebooks (invalid_json's) as
    # submitted, not autograded, without scores; the others with their scores.
    assert not listed.pop("invalid_json")["autograded"]
    assert {name: (row["score"], row["max_score"]) for name, row in listed.items()} == {
        name: total for name, total in _expected_totals().items() if name != "invalid_json"}
    _no_sqlite(pg_course.folder)
