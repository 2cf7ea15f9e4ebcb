"""Grading a class: every bad submission gets a clear outcome and no one else is affected.

The class is generated here from a small master (three parts, no TensorFlow, so a
notebook grades in seconds) and its nbgrader release; the mechanics under test do not
depend on the assignment's content.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import nbformat
import pytest
from distributed import Client, LocalCluster

from autograder.coordinator.course import copy_course, course_db_url
from autograder.notebook.assignment import REPO, load_assignment
from autograder.gradebook import AutoGrades
from autograder.worker.grade import Job, Limits, Result, grade, resident_grader
from autograder.gradebook import cell_scores
import autograder.engines.local as local_engine
from autograder.coordinator import class_run
from autograder.coordinator.class_run import ClassRun, grade_class
from autograder.grade_class import main
from autograder.worker.nbgrader_cli import nbgrader_env, run_nbgrader
from autograder.nbgrader_ext.sandbox import SandboxUnavailable
from nbformat.v4 import new_code_cell

from autograder.notebook.submissions import solved
from tests.nbfactory import answer_cell, graded_cell, new_course, write_notebook

ASSIGNMENT = "ps1"
NOTEBOOK = "ps1.ipynb"
SOLUTIONS = {
    "double": ("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", [0, 2, 4]),
    "square": ("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION", [0, 1, 4]),
    "negate": ("def negate(x):\n    ### BEGIN SOLUTION\n    return -x\n    ### END SOLUTION", [0, -1, -2]),
}
FULL = {"test_double": 1.0, "test_square": 2.0, "test_negate": 3.0}
SLOW_CELL_TIMEOUT = "4"  # seconds per cell while these tests grade


def master_cells():
    """A locked set-up cell, then per part an answer cell and its test cell."""
    cells = [new_code_cell("import numpy as np\nfrom helpers.checks import assert_close", metadata={
        "nbgrader": {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3,
                     "solution": False, "task": False}})]
    for (name, (source, expected)), (test, points) in zip(SOLUTIONS.items(), FULL.items()):
        cells += [answer_cell(source, name),
                  graded_cell(f"assert_close({name}(np.arange(3.0)), {expected}, name='{name}(x)')", test, points)]
    return cells


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = new_course(tmp_path_factory.mktemp("class"))
    write_notebook(root / "source" / ASSIGNMENT / NOTEBOOK, master_cells())
    run_nbgrader(root, "generate_assignment", ASSIGNMENT)
    return root


def notebooks(course):
    master = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    return master, release


class Files(dict):
    """Several files submitted by one student: file name -> notebook or bytes."""


def class_submissions(course) -> dict[str, object]:
    """Student id -> a notebook, bytes for a file that is not a valid notebook, or Files."""
    master, release = notebooks(course)
    good = solved(master, release)
    with_negate = lambda source: solved(master, release, {"negate": source})
    edited = solved(master, release)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_square":
            cell.source = "pass"
    deleted = solved(master, release)
    deleted.cells = [c for c in deleted.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_negate"]
    stripped = solved(master, release, {"negate": "def negate(x):\n    return x"})
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    return {
        "good": good,
        "partial": solved(master, release, {"square": None}),
        "blank": release,
        "infinite_loop": with_negate("while True:\n    pass"),
        "os_exit": with_negate("import os\nos._exit(1)"),
        "segfault": with_negate("import ctypes\nctypes.string_at(0)"),
        "memory_hog": with_negate("hog = b'x' * (2 * 2**30)\nimport time\ntime.sleep(5)"),
        "sys_exit": with_negate("import sys\nsys.exit(0)"),
        "raise_system_exit": with_negate("raise SystemExit"),
        "keyboard_interrupt": with_negate("raise KeyboardInterrupt"),
        "huge_output": with_negate("def negate(x):\n    return -x\n"
                                   "for _ in range(150):\n    print('y' * 1_000_000)"),
        "invalid_json": b"{ this is not a notebook",
        "empty_file": b"",
        "wrong_name": Files({"my_homework.ipynb": good}),
        "missing_notebook": Files({"notes.txt": b"I forgot the notebook"}),
        "extra_files": Files({NOTEBOOK: good, "data.csv": b"1,2,3\n"}),
        "edited_test": edited,
        "deleted_test": deleted,
        "stripped_metadata": stripped,
        "fake_check": with_negate("assert_close = lambda *args, **kwargs: None\n"
                                  "def negate(x):\n    return x"),
        "silenced_errors": with_negate("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
                                       "def negate(x):\n    return x"),
        "file_vandal": with_negate("def negate(x):\n    return -x\n"
                                   "import os, shutil\n"
                                   "for path in ['../../../gradebook.db', '../../../nbgrader_config.py']:\n"
                                   "    if os.path.exists(path):\n        os.remove(path)\n"
                                   "shutil.rmtree('../../../source', ignore_errors=True)\n"
                                   "os.makedirs('../../../submitted/good/ps1', exist_ok=True)\n"
                                   "open('../../../submitted/good/ps1/ps1.ipynb', 'w').write('vandalised')"),
    }


EXPECTED = {  # student -> (status, scores)
    "good": ("graded", FULL),
    "partial": ("graded", {**FULL, "test_square": 0.0}),
    "blank": ("graded", {key: 0.0 for key in FULL}),
    "infinite_loop": ("timeout", {**FULL, "test_negate": 0.0}),
    "os_exit": ("kernel died", {**FULL, "test_negate": 0.0}),
    "segfault": ("kernel died", {**FULL, "test_negate": 0.0}),
    "memory_hog": ("memory cap", {**FULL, "test_negate": 0.0}),
    "sys_exit": ("graded", {**FULL, "test_negate": 0.0}),
    "raise_system_exit": ("graded", {**FULL, "test_negate": 0.0}),
    "keyboard_interrupt": ("graded", {**FULL, "test_negate": 0.0}),
    "huge_output": ("graded", FULL),  # or "timeout": streaming 150 MB may outlast the cell timeout
    "invalid_json": ("invalid notebook", {key: 0.0 for key in FULL}),
    "empty_file": ("invalid notebook", {key: 0.0 for key in FULL}),
    "wrong_name": ("missing notebook", {key: 0.0 for key in FULL}),
    "missing_notebook": ("missing notebook", {key: 0.0 for key in FULL}),
    "extra_files": ("graded", FULL),
    "edited_test": ("graded", FULL),
    "deleted_test": ("test cells missing", {**FULL, "test_negate": 0.0}),
    "stripped_metadata": ("test cells missing", {key: 0.0 for key in FULL}),
    # the judge runs the checks outside the student's kernel: the wrong negate scores what it
    # scores alone, and the class report lists the code for a TA to look at
    "fake_check": ("graded, code to review", {**FULL, "test_negate": 0.0}),
    "silenced_errors": ("graded, code to review", {**FULL, "test_negate": 0.0}),
    "file_vandal": ("graded", FULL),
}


def submit_class(course, students: dict) -> None:
    for student, content in students.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        files = content if isinstance(content, Files) else {NOTEBOOK: content}
        for name, body in files.items():
            if isinstance(body, bytes):
                (folder / name).write_bytes(body)
            else:
                nbformat.write(body, folder / name)


def graded_class(course, tmp_path, workers, students=None, replay=True) -> tuple[Path, dict]:
    """A fresh copy of ``course`` with the class submitted and graded; returns it and its rows."""
    copy = copy_course(tmp_path / f"course-{workers}", [ASSIGNMENT], repo=course)
    submit_class(copy, students or class_submissions(course))
    rows = grade_class(copy, ASSIGNMENT, workers=workers, limits=Limits(memory_mb=1000), replay=replay,
                       progress=lambda line: None)
    return copy, {row["student"]: (row["status"], row["scores"]) for row in rows}


@pytest.fixture(scope="module")
def two_workers(course, tmp_path_factory, monkeypatch_module):
    return graded_class(course, tmp_path_factory.mktemp("two"), workers=2)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_CELL_TIMEOUT", SLOW_CELL_TIMEOUT)
        yield patch


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_student_gets_the_expected_status_and_scores(two_workers, student):
    _, results = two_workers
    status, scores = results[student]
    if student == "huge_output" and status == "timeout":
        status = "graded"
    assert (status, scores) == EXPECTED[student]


def test_every_graded_student_has_an_autograded_notebook_feedback_and_a_report_line(two_workers):
    copy, results = two_workers
    for student, (status, _) in results.items():
        if status not in ("invalid notebook", "missing notebook"):
            assert (copy / "autograded" / student / ASSIGNMENT / NOTEBOOK).is_file(), student
            assert (copy / "feedback" / student / ASSIGNMENT / "ps1.html").is_file(), student
    report = copy / "reports" / ASSIGNMENT
    lines = (report / "results.csv").read_text().splitlines()
    assert len(lines) == 1 + len(EXPECTED)
    assert "timed out" in next(line for line in lines if line.startswith("infinite_loop,"))
    assert "cell negate" in next(line for line in lines if line.startswith("infinite_loop,"))
    for name in ("report.html", "totals.png", "parts.png", "questions.csv", "nbgrader_grades.csv"):
        assert (report / name).is_file(), name


def test_the_feedback_the_workers_render_is_what_nbgrader_renders_from_the_course_gradebook(two_workers, tmp_path):
    copy, results = two_workers
    again = tmp_path / "again"
    shutil.copytree(copy, again, ignore=shutil.ignore_patterns("feedback"))
    run_nbgrader(again, "generate_feedback", ASSIGNMENT, "--force")
    for name, (status, _) in results.items():
        assert (feedback(copy, name) is None) == (status in ("invalid notebook", "missing notebook")), name
        assert feedback(copy, name) == feedback(again, name), name


def test_huge_output_is_bounded_in_the_stored_notebook(two_workers):
    copy, _ = two_workers
    assert (copy / "autograded" / "huge_output" / ASSIGNMENT / NOTEBOOK).stat().st_size < 1_000_000


def test_the_course_folder_survives_a_vandal(two_workers):
    copy, _ = two_workers
    assert (copy / "gradebook.db").is_file() and (copy / "source" / ASSIGNMENT / NOTEBOOK).is_file()
    nbformat.read(copy / "submitted" / "good" / ASSIGNMENT / NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def graded_alone(course, tmp_path_factory, monkeypatch_module):
    """The good and partial students graded as a class of their own, by one worker."""
    alone = {name: class_submissions(course)[name] for name in ("good", "partial")}
    return graded_class(course, tmp_path_factory.mktemp("alone"), workers=1, students=alone)


def test_good_students_score_as_when_graded_alone(two_workers, graded_alone):
    _, results = two_workers
    _, single = graded_alone
    assert {name: results[name] for name in single} == single


@pytest.mark.slow
def test_feedback_is_written_again_only_for_students_graded_again(course, graded_alone, monkeypatch_module):
    copy, _ = graded_alone
    pages = {name: copy / "feedback" / name / ASSIGNMENT / "ps1.html" for name in ("good", "partial")}
    written = {name: page.stat().st_mtime_ns for name, page in pages.items()}
    grade_class(copy, ASSIGNMENT, limits=Limits(memory_mb=1000), progress=lambda line: None)
    assert {name: page.stat().st_mtime_ns for name, page in pages.items()} == written  # nobody graded
    submit_class(copy, {"partial": class_submissions(course)["good"]})  # partial hands in again
    grade_class(copy, ASSIGNMENT, limits=Limits(memory_mb=1000), progress=lambda line: None)
    assert pages["good"].stat().st_mtime_ns == written["good"]
    assert pages["partial"].stat().st_mtime_ns > written["partial"]
    assert "Score: 6.0 / 6.0" in pages["partial"].read_text()


def test_a_submission_replaced_while_it_is_graded_is_graded_again(course, tmp_path, monkeypatch):
    """The state records the files that were graded, not those on disk when the result is
    saved: a student who hands in again while the run grades their old files is graded
    again by the next run (issue #22)."""
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "resubmitted", [ASSIGNMENT], repo=course)
    submit_class(copy, {"alice": release})

    def hand_in_again_then_grade(job, *rest):  # the job holds the blank; the folder, the solution
        submit_class(copy, {"alice": solved(master, release)})
        return grade(job, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(local_engine, "grade", hand_in_again_then_grade)
        [first] = grade_class(copy, ASSIGNMENT, limits=Limits(memory_mb=1000), progress=lambda line: None)
    printed = []
    [second] = grade_class(copy, ASSIGNMENT, limits=Limits(memory_mb=1000), progress=printed.append)
    assert first["scores"] == {key: 0.0 for key in FULL}
    assert "1 submissions, 1 to grade" in printed[0]
    assert (second["status"], second["scores"]) == ("graded", FULL)


def test_a_course_release_that_fails_saves_no_result(course, tmp_path, monkeypatch):
    copy = copy_course(tmp_path / "course", [ASSIGNMENT], repo=course)
    submit_class(copy, {"good": class_submissions(course)["good"]})

    def failing_release(*args):  # the student is graded meanwhile; nothing of it is saved
        failed = Future()
        failed.set_exception(RuntimeError("nbgrader generate_assignment failed in the course"))
        return failed

    monkeypatch.setattr(class_run, "_release", failing_release)
    with pytest.raises(RuntimeError, match="failed in the course"):
        grade_class(copy, ASSIGNMENT, limits=Limits(memory_mb=1000), progress=lambda line: None)
    assert not (copy / "autograded").exists() and not (copy / "reports" / ASSIGNMENT / "state.json").exists()


def test_feedback_can_be_released_after_a_class_run(course, tmp_path):
    """nbgrader release_feedback reads the submission's time and secret beside the feedback pages."""
    copy = copy_course(tmp_path / "released", [ASSIGNMENT], repo=course)
    run_nbgrader(copy, "generate_assignment", ASSIGNMENT, "--force")
    folder = copy / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-11-20 21:00:00.000000 UTC\n")
    (folder / "submission_secret.txt").write_text("a secret of nbgrader submit\n")
    grades = AutoGrades(None, {(ASSIGNMENT, test): points for test, points in FULL.items()}, {})
    (copy / "reports").mkdir()
    ClassRun(copy, load_assignment(ASSIGNMENT, copy), {}, copy / "reports").save(
        Result("alice", "graded", [], grades=grades, notebooks={NOTEBOOK: "{}"}, feedback={"ps1.html": "<html>"}))
    for saved in (copy / "autograded" / "alice" / ASSIGNMENT, copy / "feedback" / "alice" / ASSIGNMENT):
        assert (saved / "timestamp.txt").read_text() == (folder / "timestamp.txt").read_text()
        assert (saved / "submission_secret.txt").read_text() == (folder / "submission_secret.txt").read_text()
    released = run_nbgrader(copy, "release_feedback", ASSIGNMENT, check=False)
    assert released.returncode == 0, released.stderr[-2000:]
    assert list((copy / "exchange" / "dl-course" / "feedback").glob("*.html"))


def test_lms_entries_with_a_path_out_of_the_folder_are_refused_in_the_report(course, tmp_path):
    """nbgrader's extractor skips zip entries that are absolute or climb with "..": each is
    named in the class report with the reason, like an odd student id, and none is written
    anywhere (issue #22)."""
    import zipfile

    _, release = notebooks(course)
    copy = copy_course(tmp_path / "lms" / "course", [ASSIGNMENT], repo=course)
    outside = ["../../evil_1240_ps1.ipynb", "../../../../../evil_1241_ps1.ipynb",
               f"{tmp_path}/absolute_1242_ps1.ipynb", "../evil_folder/"]
    odd = "x[1]_1243_ps1.ipynb"
    download = tmp_path / "lms" / "download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        for name in [*outside, odd]:
            archive.writestr(name, "" if name.endswith("/") else nbformat.writes(release))
    rows = grade_class(copy, ASSIGNMENT, lms=download, progress=lambda line: None)
    refused = {row["student"]: row["reason"] for row in rows if row["status"] == "refused"}
    assert set(refused) == {f"file {name!r}" for name in [*outside, odd]}
    assert all("not collected" in reason for reason in refused.values())
    assert all("absolute or climbs out" in refused[f"file {name!r}"] for name in outside)
    for page in ("results.csv", "report.html"):
        report = (copy / "reports" / ASSIGNMENT / page).read_text()
        assert all(name in report for name in [*outside, odd]) and "climbs out" in report, page
    assert not list(tmp_path.rglob("*evil*")) and not list(tmp_path.rglob("absolute_*"))
    assert not (copy / "submitted").exists()


def test_a_worker_thread_grades_its_students_in_one_process_that_ends_with_it(course, tmp_path, monkeypatch_module):
    template = copy_course(tmp_path / "template", [ASSIGNMENT], repo=course)
    run_nbgrader(template, "generate_assignment", ASSIGNMENT, "--force", private=True)
    assignment, submissions = load_assignment(ASSIGNMENT, template), class_submissions(course)
    results, processes = {}, []

    def worker():  # as a LocalEngine thread does (resident.py)
        for student in ("good", "partial"):
            files = {NOTEBOOK: nbformat.writes(submissions[student]).encode()}
            results[student] = grade(Job(assignment, student, template, files, limits=Limits(memory_mb=1000)), tmp_path)
            processes.append(resident_grader().process)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert {student: sum(result.grades.scores.values()) for student, result in results.items()} == {
        "good": sum(FULL.values()), "partial": sum(FULL.values()) - FULL["test_square"]}
    assert processes[0] is processes[1] and processes[0].pid
    assert processes[0].wait(timeout=10) == -signal.SIGKILL  # gone with its thread, not left idle


# Students whose outcome depends on time or on the machine: a loaded grader must not change it.
TIME_SENSITIVE = ("good", "partial", "infinite_loop", "memory_hog", "huge_output", "os_exit",
                  "keyboard_interrupt", "file_vandal")


@pytest.mark.slow
def test_a_loaded_machine_gives_the_same_grades(course, tmp_path, two_workers, monkeypatch_module):
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(2 * os.cpu_count())]
    try:
        students = {name: class_submissions(course)[name] for name in TIME_SENSITIVE}
        _, loaded = graded_class(course, tmp_path, workers=2, students=students)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    idle = {name: two_workers[1][name] for name in TIME_SENSITIVE}
    assert _comparable(loaded) == _comparable(idle)


@pytest.mark.slow
def test_replayed_verdicts_are_the_verdicts_the_judge_computes(course, tmp_path, two_workers, monkeypatch_module):
    """The class graded with every verdict computed (--no-replay) and with verdicts replayed
    where a student's code answered as an earlier one's (the default, two_workers): the same
    statuses, scores and test-cell outputs, hostile students included."""
    computed, results = graded_class(course, tmp_path, workers=2, replay=False)
    assert _comparable(results) == _comparable(two_workers[1])
    for student in set(EXPECTED) - {"huge_output"}:
        assert _test_outputs(computed, student) == _test_outputs(two_workers[0], student), student
    replayed = [re.search(r"Judge: (\d+) test cell\(s\) replayed", path.read_text())
                for path in (two_workers[0] / "reports" / ASSIGNMENT / "logs").glob("*.log")]
    assert sum(int(found[1]) for found in replayed if found) >= 3  # good, extra_files, edited_test answer alike


def _test_outputs(course: Path, student: str) -> dict:
    path = course / "autograded" / student / ASSIGNMENT / NOTEBOOK
    if not path.is_file():
        return {}
    notebook = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.outputs for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")}


def _comparable(results: dict) -> dict:
    """Results with huge_output's status left out: it may legitimately time out (see EXPECTED)."""
    return {name: (None if name == "huge_output" else status, scores)
            for name, (status, scores) in results.items()}


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_same_grades(course, tmp_path, two_workers, monkeypatch_module):
    copy = copy_course(tmp_path / "interrupted", [ASSIGNMENT], repo=course)
    submit_class(copy, class_submissions(course))
    command = [sys.executable, "-m", "autograder.grade_class", ASSIGNMENT, "--workers", "2",
               "--memory-cap", "1000"]
    # Started as a shell starts a background job: with SIGINT ignored, which Python then
    # leaves ignored (no KeyboardInterrupt). This is how a SIGINT was once lost; the
    # command installs its own handler.
    process = subprocess.Popen(command, cwd=copy, env=nbgrader_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    state = copy / "reports" / ASSIGNMENT / "state.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (state.is_file() and len(json.loads(state.read_text())) >= 8):
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output
    assert "interrupted" in output
    interrupted = json.loads(state.read_text())
    assert 8 <= len(interrupted) < len(EXPECTED)
    rerun = subprocess.run(command, cwd=copy, env=nbgrader_env(), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(EXPECTED) - len(interrupted)} to grade" in rerun.stdout
    rows = grade_class(copy, ASSIGNMENT, progress=lambda line: None)  # nothing left: reads the results
    assert {row["student"]: (row["status"], row["scores"]) for row in rows} == two_workers[1]


@pytest.mark.slow
def test_an_lms_zip_is_collected_and_graded(course, tmp_path, monkeypatch_module):
    import zipfile

    master, release = notebooks(course)
    copy = copy_course(tmp_path / "lms", [ASSIGNMENT], repo=course)
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("alice_1234_5678_ps1.ipynb", nbformat.writes(solved(master, release)))
        archive.writestr("bob_LATE_1234_5679_ps1.ipynb", nbformat.writes(release))
    rows = grade_class(copy, ASSIGNMENT, lms=download, workers=2, progress=lambda line: None)
    assert {row["student"]: row["scores"] for row in rows} == {
        "alice": FULL, "bob": {key: 0.0 for key in FULL}}


# --- The Dask engine (grade_class --scheduler): the same grades, whatever happens to a worker ---

# A student of each outcome, bad submissions included: the local path's class less the
# repeats of an outcome, and huge_output, whose status may legitimately differ (EXPECTED).
DASK_CLASS = ("good", "blank", "infinite_loop", "os_exit", "memory_hog", "invalid_json", "empty_file",
              "wrong_name", "missing_notebook", "deleted_test", "fake_check", "file_vandal")


def feedback(course: Path, student: str) -> str | None:
    """A student's feedback HTML, or None where there is none, without execution counts: a
    cell whose kernel dies (memory_hog) may or may not get one, on either path."""
    page = course / "feedback" / student / ASSIGNMENT / "ps1.html"
    return re.sub(r"In(&nbsp;|\s)\[[0-9\s]*\]:", "In [ ]:", page.read_text()) if page.is_file() else None


@pytest.mark.slow
def test_a_local_dask_cluster_grades_as_the_local_path(course, tmp_path, two_workers, monkeypatch_module, capsys):
    local, results = two_workers
    copy = copy_course(tmp_path / "dask", [ASSIGNMENT], repo=course)
    submit_class(copy, {name: class_submissions(course)[name] for name in DASK_CLASS})
    assert main([ASSIGNMENT, "--course", str(copy), "--scheduler", "local", "--workers", "2",
                 "--memory-cap", "1000"]) == 0
    output = capsys.readouterr().out
    assert f"{len(DASK_CLASS)} to grade with Dask" in output and "dask: 2 worker(s)" in output
    assert sum(line.startswith("[") for line in output.splitlines()) == len(DASK_CLASS)
    local_state = json.loads((local / "reports" / ASSIGNMENT / "state.json").read_text())
    dask_state = json.loads((copy / "reports" / ASSIGNMENT / "state.json").read_text())
    assert dask_state == {name: local_state[name] for name in DASK_CLASS}  # statuses, reasons
    for name in DASK_CLASS:
        assert (dask_state[name]["status"], cell_scores(course_db_url(copy), ASSIGNMENT, name)) == results[name], name
        assert feedback(copy, name) == feedback(local, name), name


SLEEPER = "sleeper"  # a good submission whose negate cell sleeps: time to kill its worker


@pytest.mark.slow
def test_a_worker_killed_while_grading_loses_nothing_and_merges_nothing_twice(
        course, tmp_path, monkeypatch, monkeypatch_module):
    master, release = notebooks(course)
    students = {SLEEPER: solved(master, release, {"negate": "import time\ntime.sleep(8)\n"
                                                            "def negate(x):\n    return -x"}),
                **{name: class_submissions(course)[name] for name in ("good", "invalid_json")}}
    copy = copy_course(tmp_path / "killed", [ASSIGNMENT], repo=course)
    submit_class(copy, students)
    saved = []
    save = ClassRun.save
    monkeypatch.setattr(ClassRun, "save", lambda run, result: (saved.append(result.student), save(run, result)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        killed, finished = [], threading.Event()
        killer = threading.Thread(target=kill_the_worker_grading,
                                  args=(cluster.scheduler_address, SLEEPER, killed, finished))
        killer.start()
        try:
            rows = grade_class(copy, ASSIGNMENT, scheduler=cluster.scheduler_address, limits=Limits(memory_mb=1000),
                               progress=lambda line: None)
        finally:
            finished.set()
            killer.join()
    assert killed, f"no worker was seen grading {SLEEPER}"
    assert sorted(saved) == sorted(students)
    assert {row["student"]: (row["status"], row["scores"]) for row in rows} == {
        SLEEPER: ("graded", FULL), **{name: EXPECTED[name] for name in students if name != SLEEPER}}
    assert (copy / "autograded" / SLEEPER / ASSIGNMENT / NOTEBOOK).is_file()


def kill_the_worker_grading(scheduler: str, student: str, killed: list, finished: threading.Event) -> None:
    """SIGKILL the Dask worker process running ``student``'s grading task once it is under way."""
    with Client(scheduler) as client:
        while not finished.is_set():
            running = client.run(lambda dask_worker: [task.key for task in dask_worker.state.executing])
            worker = next((w for w, keys in running.items() if any(key[-1] == student for key in keys)), None)
            if worker:
                time.sleep(2)  # into the grading
                os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
                killed.append(worker)
                return
            time.sleep(0.2)


def test_a_dask_worker_without_a_working_sandbox_refuses_to_grade(tmp_path, monkeypatch):
    import autograder.engines.dask_cluster as engine

    template = tmp_path / "template"
    (template / "source").mkdir(parents=True)
    job = Job(load_assignment("mnist"), "alice", template, {"mnist.ipynb": b"{}"})
    monkeypatch.setattr(engine, "host_problem", lambda: "bubblewrap (bwrap) is not installed")
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:  # workers in this process
        worker = next(iter(cluster.workers.values())).address
        grading = engine.DaskEngine(cluster.scheduler_address, 1, template, progress=lambda line: None)
        with pytest.raises(SandboxUnavailable, match=f"on worker {worker}: bubblewrap .bwrap. is not installed"):
            next(grading.results([job]))
        assert grading.jobs == {}  # the workers there were checked before any task was sent
        grading.close(stopping=False)
        with Client(cluster) as client:  # a worker that joins later: checked by the task
            task = client.submit(engine.grade_on_worker, job, engine.pack(template), "run")
            with pytest.raises(SandboxUnavailable, match=f"on worker {worker}: bubblewrap"):
                task.result()


def test_every_limit_has_one_home_that_the_config_the_traitlets_and_the_command_read(monkeypatch):
    """autograder/settings.py: nbgrader_config.py, the sandbox's and GuardedExecute's traitlets
    and the class command's defaults all come from it; the CPU limit decided where the
    command runs travels to every worker as an nbgrader option (a Dask worker's own
    environment does not decide it)."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder import settings
    from autograder.nbgrader_ext.execute import GuardedExecute
    from autograder.nbgrader_ext.sandbox import SandboxedKernelManager

    monkeypatch.delenv(settings.CELL_CPU_LIMIT_ENV, raising=False)  # the slow-cell fixture may have set it
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.SandboxedKernelManager.memory_mb == settings.KERNEL_MEMORY_MB == SandboxedKernelManager().memory_mb
    assert config.SandboxedKernelManager.max_processes == settings.KERNEL_MAX_PROCESSES
    assert config.GuardedExecute.cpu_limit == settings.CELL_CPU_LIMIT_S == GuardedExecute().cpu_limit
    assert GuardedExecute().max_output_chars == settings.CELL_OUTPUT_CHARS
    monkeypatch.setenv(settings.CELL_CPU_LIMIT_ENV, "33")
    assert "--GuardedExecute.cpu_limit=33" in Limits().nbgrader_options()
    assert "--GuardedExecute.cpu_limit=7" in Limits(cpu_limit_s=7).nbgrader_options()
