"""Deadlines, extensions and late work (issue #23): the policy, where submission times come
from, which resubmission counts, and that plain ``nbgrader autograde`` and the class command
give the same penalties. A tiny course (tests/test_grade_class.py's master) grades fast."""

import csv
import datetime
import os
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.coordinator.course import copy_course, db_url
from autograder.worker.grade import Limits
from autograder.coordinator.class_run import grade_class
from autograder.nbgrader_ext.late_policy import (
    FROM_MTIME, FROM_TIMESTAMP, UNKNOWN, CourseLatePolicy, read_extensions, recorded_due_date, submission_time,
)
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.notebook.submissions import solved
from tests.nbfactory import new_course, write_notebook
from tests.test_grade_class import ASSIGNMENT, NOTEBOOK, master_cells, notebooks

DUE = datetime.datetime(2026, 11, 20, 23, 0)  # UTC; the config names it in Berlin's time
STAMP = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader submit's timestamp.txt
HOUR, DAY = datetime.timedelta(hours=1), datetime.timedelta(days=1)
DEADLINES = f"""
c.CourseLatePolicy.due_dates = {{"{ASSIGNMENT}": "2026-11-21 00:00 Europe/Berlin"}}
"""
EXTENSIONS = f"student,assignment,due,hours\next_on_time,{ASSIGNMENT},,48\next_late,{ASSIGNMENT},2026-11-22 23:00 UTC,\n"

# student -> submitted at, and the late penalty of a full solution (6 points): the course's
# policy, 15 min grace, 10 % per started day, at most 50 %, zero after 7 days
CLASS = {
    "on_time": (DUE - HOUR, 0.0),
    "in_grace": (DUE + datetime.timedelta(minutes=10), 0.0),
    "one_hour": (DUE + HOUR, 0.6),
    "two_days": (DUE + 2 * DAY, 1.2),
    "past_cap": (DUE + 5 * DAY, 3.0),
    "not_accepted": (DUE + 8 * DAY, 6.0),
    "ext_on_time": (DUE + DAY, 0.0),           # 48 h extension
    "ext_late": (DUE + 2 * DAY + HOUR, 0.6),   # extended to DUE + 48 h, handed in an hour after
}
MTIME_STUDENT = "by_mtime"  # no timestamp.txt: its notebook's modification time, 1 h late
UNREADABLE = "unreadable"   # a timestamp.txt that cannot be read


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = new_course(tmp_path_factory.mktemp("late"))
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(DEADLINES)
    (root / "extensions.csv").write_text(EXTENSIONS)
    write_notebook(root / "source" / ASSIGNMENT / NOTEBOOK, master_cells())
    run_nbgrader(root, "generate_assignment", ASSIGNMENT)
    return root


def policy(**options) -> CourseLatePolicy:
    defaults = dict(grace_minutes=15, penalty_per_unit=0.1, unit="day", max_penalty=0.5, reject_after_days=7)
    return CourseLatePolicy(**{**defaults, **options})


@pytest.mark.parametrize("late, fraction", [
    (0, 0.0), (10 * 60, 0.0), (15 * 60, 0.0), (3600, 0.1), (2 * 86400, 0.2), (2 * 86400 + 1, 0.3),
    (5 * 86400, 0.5), (6.5 * 86400, 0.5), (7 * 86400 + 1, 1.0)])
def test_the_policy_takes_a_fraction_per_started_day_after_the_grace_up_to_the_cap(late, fraction):
    assert policy().penalty_fraction(late) == pytest.approx(fraction)


def test_per_hour_penalties_and_a_policy_without_rejection():
    hourly = policy(unit="hour", penalty_per_unit=0.05, max_penalty=0.3, reject_after_days=None, grace_minutes=0)
    assert [hourly.penalty_fraction(s) for s in (1, 3600, 3601, 30 * 86400)] == pytest.approx([0.05, 0.05, 0.1, 0.3])
    assert hourly.late_submission_penalty("alice", 6.0, 3601) == pytest.approx(0.6)
    assert hourly.late_submission_penalty("alice", 6.0, 0) is None


def test_extensions_are_read_as_new_due_dates_or_extra_hours(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_text(EXTENSIONS + f"bad,{ASSIGNMENT},,soon\nother,mnist,,5\n")
    extensions, problems = read_extensions(path, ASSIGNMENT, DUE)
    assert extensions == {"ext_on_time": 2 * DAY, "ext_late": 2 * DAY}
    assert len(problems) == 1 and "line 4" in problems[0]
    assert read_extensions(path, ASSIGNMENT, None)[0] == {"ext_on_time": 2 * DAY}  # nothing to move


def test_submission_times_from_the_exchange_the_mtime_and_an_unreadable_file(tmp_path):
    exchange, by_mtime, unreadable, empty = (tmp_path / name for name in ("exchange", "mtime", "bad", "empty"))
    for folder in (exchange, by_mtime, unreadable, empty):
        folder.mkdir()
        (folder / NOTEBOOK).write_text("{}")
    (exchange / "timestamp.txt").write_text("2026-11-20 23:30:00.250000 UTC")  # as nbgrader submit writes it
    os.utime(by_mtime / NOTEBOOK, (_epoch(DUE + HOUR),) * 2)
    (unreadable / "timestamp.txt").write_text("yesterday-ish")
    (empty / "timestamp.txt").write_text("")
    assert submission_time(exchange).at == datetime.datetime(2026, 11, 20, 23, 30, 0, 250000)
    assert submission_time(exchange).source == FROM_TIMESTAMP
    assert (submission_time(by_mtime).at, submission_time(by_mtime).source) == (DUE + HOUR, FROM_MTIME)
    for folder in (unreadable, empty):
        found = submission_time(folder)
        assert found.at is None and "timestamp.txt" in found.problem
    assert submission_time(tmp_path / "nothing").source == UNKNOWN


def _epoch(naive_utc: datetime.datetime) -> float:
    """A naive UTC time as seconds since the epoch (a file's modification time)."""
    return naive_utc.replace(tzinfo=datetime.timezone.utc).timestamp()


def submit_late_class(course: Path, good) -> None:
    """CLASS with timestamp.txt files, MTIME_STUDENT without, UNREADABLE with a bad one; all full solutions."""
    for student, (at, _) in CLASS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(good, folder / NOTEBOOK)
        (folder / "timestamp.txt").write_text(at.strftime(STAMP))
    for student in (MTIME_STUDENT, UNREADABLE):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(good, folder / NOTEBOOK)
    os.utime(course / "submitted" / MTIME_STUDENT / ASSIGNMENT / NOTEBOOK,
             (_epoch(DUE + HOUR),) * 2)
    (course / "submitted" / UNREADABLE / ASSIGNMENT / "timestamp.txt").write_text("the day after tomorrow")


def penalties(course: Path) -> dict[str, tuple[float, float]]:
    """student -> (score before the penalty, penalty) in the course gradebook."""
    with Gradebook(db_url(course)) as gradebook:
        return {s.student.id: (round(s.score, 2), round(s.late_submission_penalty, 2))
                for s in gradebook.assignment_submissions(ASSIGNMENT)}


@pytest.fixture(scope="module")
def graded_late_class(course, tmp_path_factory):
    master, release = notebooks(course)
    copy = copy_course(tmp_path_factory.mktemp("late-class") / "course", [ASSIGNMENT], repo=course)
    (copy / "extensions.csv").write_text(EXTENSIONS)
    submit_late_class(copy, solved(master, release))
    rows = grade_class(copy, ASSIGNMENT, workers=2, limits=Limits(memory_mb=1000), progress=lambda line: None)
    return copy, {row["student"]: row for row in rows}


def test_the_class_command_applies_the_policy_with_extensions(graded_late_class):
    copy, rows = graded_late_class
    expected = {student: (6.0, penalty) for student, (_, penalty) in CLASS.items()}
    assert penalties(copy) == {**expected, MTIME_STUDENT: (6.0, 0.6), UNREADABLE: (6.0, 0.0)}
    assert {student: rows[student]["status"] for student in rows} == dict.fromkeys(rows, "graded")
    assert rows["ext_on_time"]["late"]["extension_hours"] == 48 and rows["ext_on_time"]["late"]["hours_late"] == 0
    assert rows["ext_late"]["late"]["hours_late"] == 1
    assert rows[MTIME_STUDENT]["late"]["time_source"] == FROM_MTIME
    assert rows["one_hour"]["late"]["time_source"] == FROM_TIMESTAMP


def test_an_unreadable_time_is_graded_without_penalty_and_named_in_the_report(graded_late_class):
    copy, rows = graded_late_class
    assert "submission time unknown: timestamp.txt unreadable" in rows[UNREADABLE]["reason"]
    assert "graded without a late penalty" in rows[UNREADABLE]["reason"]
    assert rows[UNREADABLE]["late"]["penalty"] == 0 and rows[UNREADABLE]["late"]["submitted_at"] is None
    page = (copy / "reports" / ASSIGNMENT / "report.html").read_text()
    assert UNREADABLE in page and "submission time unknown" in page


def test_results_csv_and_the_feedback_show_the_deadline_facts(graded_late_class):
    copy, _ = graded_late_class
    with open(copy / "reports" / ASSIGNMENT / "results.csv", newline="") as handle:
        results = {row["student"]: row for row in csv.DictReader(handle)}
    two_days = results["two_days"]
    assert (two_days["submitted_at"], two_days["due"], two_days["time_source"]) == (
        "2026-11-22 23:00:00 UTC", "2026-11-20 23:00:00 UTC", FROM_TIMESTAMP)
    assert (float(two_days["hours_late"]), float(two_days["score_before"]), float(two_days["penalty"]),
            float(two_days["score_after"])) == (48.0, 6.0, 1.2, 4.8)
    assert results["ext_on_time"]["due"] == "2026-11-22 23:00:00 UTC" and float(results["ext_on_time"]["extension_hours"]) == 48
    page = (copy / "feedback" / "two_days" / ASSIGNMENT / "ps1.html").read_text()
    assert "Due:" in page and "2026-11-20 23:00 UTC" in page and "Submitted:" in page and "2026-11-22 23:00 UTC" in page
    assert "Late penalty:" in page and "Late submission penalty (Score: -1.2)" in page


@pytest.mark.slow
def test_plain_nbgrader_autograde_gives_the_same_scores(course, graded_late_class, tmp_path):
    """The same class, deadlines and extensions, graded by `nbgrader autograde` in the course:
    the same scores and penalties (the unreadable timestamp.txt left out: plain nbgrader
    stops on it, the class command grades it without a penalty)."""
    master, release = notebooks(course)
    plain = copy_course(tmp_path / "plain", [ASSIGNMENT], repo=course)
    (plain / "extensions.csv").write_text(EXTENSIONS)
    run_nbgrader(plain, "generate_assignment", ASSIGNMENT, "--force")
    submit_late_class(plain, solved(master, release))
    shutil.rmtree(plain / "submitted" / UNREADABLE)
    run_nbgrader(plain, "autograde", ASSIGNMENT, "--force", "--SandboxedKernelManager.memory_mb=1000")
    copy, _ = graded_late_class
    expected = penalties(copy)
    del expected[UNREADABLE]
    assert penalties(plain) == expected


@pytest.mark.slow
def test_times_from_a_canvas_style_lms_zip(course, tmp_path):
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "lms", [ASSIGNMENT], repo=course)
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(zipfile.ZipInfo("alice_1234_5678_ps1.ipynb", (2026, 11, 20, 22, 0, 0)),
                         nbformat.writes(solved(master, release)))
        archive.writestr(zipfile.ZipInfo("bob_LATE_1234_5679_ps1.ipynb", (2026, 11, 22, 23, 0, 0)),
                         nbformat.writes(solved(master, release)))
    rows = {row["student"]: row for row in grade_class(copy, ASSIGNMENT, lms=download, workers=2,
                                                       limits=Limits(memory_mb=1000), progress=lambda line: None)}
    assert rows["alice"]["late"]["submitted_at"] == datetime.datetime(2026, 11, 20, 22, 0)
    assert rows["alice"]["late"]["time_source"] == "LMS download: alice_1234_5678_ps1.ipynb"
    assert rows["alice"]["late"]["penalty"] == 0
    assert rows["bob"]["late"]["time_source"] == "LMS download: bob_LATE_1234_5679_ps1.ipynb (marked late by the LMS)"
    assert (rows["bob"]["late"]["hours_late"], rows["bob"]["late"]["penalty"]) == (48, 1.2)


def hand_in(course: Path, student: str, at: datetime.datetime, notebook) -> None:
    """A submission in the exchange's inbound, as `nbgrader submit` leaves it."""
    folder = course / "exchange" / "dl-course" / "inbound" / f"{student}+{ASSIGNMENT}+{at.strftime(STAMP)}+{at:%H%M}"
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / NOTEBOOK)
    (folder / "timestamp.txt").write_text(at.strftime(STAMP))


@pytest.mark.slow
def test_the_policy_picks_the_submission_that_counts_and_each_new_one_is_graded(course, tmp_path):
    """Three submissions: a blank early, the solution before the due date, a partial one a day
    late. latest_on_time counts the solution, without penalty; switched to latest, collect
    replaces it with the late partial one, and the class command grades it with its penalty."""
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "resubmit", [ASSIGNMENT], repo=course)
    run_nbgrader(copy, "generate_assignment", ASSIGNMENT, "--force")
    hand_in(copy, "alice", DUE - 2 * DAY, release)
    hand_in(copy, "alice", DUE - HOUR, solved(master, release))
    hand_in(copy, "alice", DUE + 3 * HOUR, solved(master, release, {"square": None}))
    scores = []
    for counted in ("latest_on_time", "latest"):
        run_nbgrader(copy, "collect", ASSIGNMENT, f"--CourseLatePolicy.counted_submission={counted}")
        [row] = grade_class(copy, ASSIGNMENT, limits=Limits(memory_mb=1000), progress=lambda line: None)
        late = row["late"]
        scores.append((late["submitted_at"], late["score_before"], late["penalty"], late["score_after"]))
    assert scores == [(DUE - HOUR, 6.0, 0.0, 6.0), (DUE + 3 * HOUR, 4.0, 0.4, 3.6)]


def test_a_due_date_set_in_the_gradebook_is_graded_under_when_the_config_names_none(course, tmp_path):
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "course", [ASSIGNMENT], repo=course)
    (copy / "nbgrader_config.py").write_text((copy / "nbgrader_config.py").read_text().replace(DEADLINES, ""))
    assert recorded_due_date(db_url(copy), ASSIGNMENT) is None and not (copy / "gradebook.db").exists()
    run_nbgrader(copy, "generate_assignment", ASSIGNMENT, "--force")
    assert recorded_due_date(db_url(copy), ASSIGNMENT) is None
    with Gradebook(db_url(copy)) as gradebook:  # as the Formgrader sets it
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    assert recorded_due_date(db_url(copy), ASSIGNMENT) == DUE
    folder = copy / "submitted" / "one_hour" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(solved(master, release), folder / NOTEBOOK)
    (folder / "timestamp.txt").write_text((DUE + HOUR).strftime(STAMP))
    [row] = grade_class(copy, ASSIGNMENT, workers=1, limits=Limits(memory_mb=1000), progress=lambda line: None)
    assert row["late"]["hours_late"] == 1 and penalties(copy) == {"one_hour": (6.0, 0.6)}
    assert recorded_due_date(db_url(copy), ASSIGNMENT) == DUE  # the release kept it
