"""Grade a whole class for one assignment: ``python -m autograder.grade_class mnist``.

The coordinator. Each student's submission is read as data and graded by ``grade.grade``
(the unit of work: a private course copy, ``nbgrader autograde`` with its kernel in the
sandbox), by an engine: here, up to ``--workers`` at once (``LocalEngine``), or as one task
per student on the workers of a Dask cluster (``--scheduler``, dask_engine.py), on this
machine or several. Results come back as data and this process alone
writes them into the course: the gradebook (see merge.py), ``autograded/`` and the state
file ``reports/<assignment>/state.json``, rewritten atomically after each student, so an
interrupted run (Ctrl-C) resumes where it stopped and never grades a student twice. Each
student's feedback HTML (hidden tests are never shown) is rendered by the worker that
graded them and saved with the result; ``nbgrader generate_feedback`` runs here, at the
end, only for students whose pages are missing (manual grades kept across a regrade). Then
the grades CSV (``nbgrader export``) and the class report.
"""

import argparse
import datetime
import json
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from autograder import status as st
from autograder.assignment import Assignment, load_assignment
from autograder.course import copy_course, course_db_url, db_url
from autograder.grade import (
    Job, Limits, Result, fingerprint, grade, read_submission, resident_grader, student_id_problem,
)
from autograder.gradebook import cell_scores
from autograder.late_policy import (
    FROM_LMS, FROM_MTIME, TIMESTAMP_FORMAT, SubmissionTime, course_policy, late_facts, set_due_date, submission_time, zip_entry_time,
)
from autograder.merge import merge_grades, record_failure
from autograder.nbgrader_cli import run_nbgrader, run_nbgrader_together
from autograder.report import write_report
from autograder.resident import stop
from autograder.sandbox import SandboxUnavailable, host_problem
from autograder.similarity import similarity_report
from autograder.item_analysis import item_analysis
from autograder.regrades import previous_checks, record_regrades
from autograder.settings import (
    CELL_CPU_LIMIT_ENV, CELL_CPU_LIMIT_S, KERNEL_MEMORY_MB, LMS_FILE_NAME, cell_cpu_limit,
)


def grade_class(course: Path, assignment_name: str, *, students: list[str] | None = None,
                workers: int = 1, regrade: str = "changed", lms: Path | None = None,
                limits: Limits | None = None, scheduler: str | None = None,
                progress=print) -> list[dict]:
    """Autograde, give feedback and report on ``assignment_name`` for the class in ``course``.

    regrade: "changed" grades students not graded yet or whose files changed; "failed"
        also those whose last outcome was not "graded"; "all" grades everyone again.
    scheduler: None grades here, ``workers`` at a time; a Dask scheduler's address
        ("tcp://host:8786") grades on its workers; "local" on a Dask LocalCluster of
        ``workers`` processes started for the run (see dask_engine.py).
    Returns one row per student: student, status, reason, scores (test id -> points).
    Raises KeyboardInterrupt after saving what was graded when interrupted (SIGINT, SIGTERM),
    and SandboxUnavailable, before grading anyone, where the sandbox cannot run (here, or
    on a Dask worker).
    """
    course, limits = course.resolve(), limits or Limits()
    # refuse before anything is graded, never downgrade (on Dask, each worker is checked)
    if limits.confine and scheduler is None and host_problem():
        raise SandboxUnavailable(f"cannot grade in the sandbox: {host_problem()}")
    reports = course / "reports" / assignment_name
    reports.mkdir(parents=True, exist_ok=True)
    state = _load_state(reports)
    if lms:
        state = {name: row for name, row in state.items() if row["status"] != st.REFUSED}
        for name, reason in collect_from_lms(course, assignment_name, lms).items():
            state[name] = {"status": st.REFUSED, "reason": reason, "fingerprint": None}
    everyone = _submitters(course, assignment_name)
    if students:
        unknown = sorted(set(students) - set(everyone))
        if unknown:
            raise SystemExit(f"no submissions of {assignment_name} for: {', '.join(unknown)}")
    submissions = {s: read_submission(course / "submitted" / s / assignment_name) for s in students or everyone}
    lms_times = _load_lms_times(course, assignment_name)
    times = {s: submission_time(course / "submitted" / s / assignment_name, lms_times.get(s)) for s in submissions}
    chosen = [s for s, (files, _) in submissions.items()
              if _needs_grading(state.get(s), fingerprint(files), regrade)]
    how = f"{workers} worker(s)" if scheduler is None else f"Dask (--scheduler {scheduler})"
    progress(f"{assignment_name}: {len(everyone)} submissions, {len(chosen)} to grade with {how}")
    before = previous_checks(course, assignment_name)  # each check's points before this run (regrades.py)
    fixed = {}  # the run's costs that are not one student's grading: seconds by step
    with tempfile.TemporaryDirectory(prefix=f"kit-grade-{assignment_name}-") as scratch:
        scratch = Path(scratch)
        engine = LocalEngine(workers, scratch) if chosen and scheduler is None else None
        if engine:  # its graders start (Python, nbgrader, TensorFlow) while the run prepares
            engine.start_graders(min(workers, len(chosen)))
        # the release and, when someone is to be graded, the template course (a copy and
        # its private gradebook), side by side
        commands = [(course, ["generate_assignment", assignment_name, "--force"], False)]
        if chosen:
            template = copy_course(scratch / "template", [assignment_name], repo=course)
            commands.append((template, ["generate_assignment", assignment_name, "--force"], True))
        try:
            with _timed(fixed, "release and template" if chosen else "release"):
                run_nbgrader_together(commands)
        except BaseException:
            if engine:
                engine.close(stopping=False)
            raise
        assignment = load_assignment(assignment_name, course)
        policy = course_policy(course)
        due = set_due_date(course_db_url(course), assignment_name, policy)
        if chosen:  # the template grades under the course's due date and extensions
            set_due_date(db_url(template), assignment_name, policy, due)
            if (course / policy.extensions_file).is_file():
                shutil.copy(course / policy.extensions_file, template / policy.extensions_file)
            jobs = [Job(assignment, s, template, *submissions[s], limits=limits,
                        submitted_at=_time_to_grade(times[s], due)) for s in chosen]
            engine = engine or _dask_engine(scheduler, workers, template, progress)
            fixed[f"saving {len(jobs)} results"] = _grade(course, assignment, jobs, state, reports, engine, progress,
                                                           times)
    stale, current = _feedback_to_write(course, assignment_name)
    if stale:  # the workers rendered the rest: students with manual grades kept, pages nbgrader failed
        with _timed(fixed, f"feedback for {len(stale)}"):
            run_nbgrader(course, "generate_feedback", assignment_name, "--force",
                         f"--CourseDirectory.student_id_exclude={','.join(current)}", check=False)
    with _timed(fixed, "export"):
        run_nbgrader(course, "export", f"--to={reports / 'nbgrader_grades.csv'}")
    with _timed(fixed, "report"):
        rows = [{"student": s, "status": state[s]["status"], "reason": state[s]["reason"],
                 "scores": {} if state[s]["status"] == st.REFUSED
                 else cell_scores(course_db_url(course), assignment_name, s),
                 "late": None if state[s]["status"] == st.REFUSED
                 else late_facts(course_db_url(course), assignment_name, s, state[s].get("time_source"))}
                for s in sorted(state)]
        page = write_report(rows, assignment.points, reports, f"{assignment_name} class report",
                            sections=assignment.sections)
    with _timed(fixed, "similarity"):
        similar = similarity_report(course, assignment_name)  # the whole class, every run; reads no grade
    with _timed(fixed, "item analysis and regrades"):  # checks.csv, regrade.csv, their report sections
        checks = item_analysis(course, assignment_name, assignment,
                               scores={row["student"]: row["scores"] for row in rows})
        record_regrades(course, assignment_name, before, chosen, list(assignment.points), progress)
    progress(f"report: {page}")
    progress(f"similarity: {len(similar.pairs)} pair(s) at or above the threshold: {similar.html}")
    progress(f"item analysis: {len(checks.checks)} checks: {checks.csv}")
    progress("besides grading: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in fixed.items()))
    return rows


@contextmanager
def _timed(seconds: dict, step: str):
    start = time.monotonic()
    try:
        yield
    finally:
        seconds[step] = time.monotonic() - start


def _feedback_to_write(course: Path, assignment: str) -> tuple[list[str], list[str]]:
    """Students whose feedback is missing (save_result removes it) or older than their
    autograded notebooks, and the others. Manual grades entered later show once the instructor runs
    ``nbgrader generate_feedback --force`` (README, step 6)."""
    stale, current = [], []
    for graded in sorted((course / "autograded").glob(f"*/{assignment}")):
        notebooks = list(graded.glob("*.ipynb"))
        pages = list((course / "feedback" / graded.parent.name / assignment).glob("*.html"))
        newest = max((path.stat().st_mtime for path in notebooks), default=0)
        fresh = len(pages) >= len(notebooks) and min((p.stat().st_mtime for p in pages), default=0) >= newest
        (current if fresh else stale).append(graded.parent.name)
    return stale, current


def collect_from_lms(course: Path, assignment: str, download: Path) -> dict[str, str]:
    """Unpack an LMS download (a zip or a folder of per-student files) into submitted/.

    Returns the files refused, by file name, with the reason: a student id that is not a
    safe folder name (``..``, a path separator, glob characters, a leading ``-``) is never
    written anywhere, nor is a zip entry whose path leads out of the folder (see
    ``_entries_out_of_the_folder``).
    """
    archive = course / "downloaded" / assignment / "archive"
    shutil.rmtree(course / "downloaded" / assignment, ignore_errors=True)
    archive.mkdir(parents=True)
    if download.is_dir():
        shutil.copytree(download, archive, dirs_exist_ok=True, symlinks=True)
    else:
        shutil.copy(download, archive)
    run_nbgrader(course, "zip_collect", assignment, "--force")
    refused = _entries_out_of_the_folder(course / "downloaded" / assignment)
    _write_lms_times(course, assignment, download)
    for path in sorted((course / "downloaded" / assignment / "extracted").rglob("*")):
        if path.is_file() and not re.match(LMS_FILE_NAME, str(path)):
            student = path.name.split("_")[0]
            refused[f"file {path.name!r}"] = (
                (student_id_problem(student) or "the file name does not name a student")
                + "; not collected (LMS file names: <student>_<anything>_<notebook>.ipynb)")
    return refused


def _entries_out_of_the_folder(downloaded: Path) -> dict[str, str]:
    """The entries of the zips in ``downloaded`` (the download, and the zips it held, which
    zip_collect extracted too) whose path is absolute or goes up through "..", by name, with
    the reason: nbgrader's extractor skips them without a word, so nothing of them is written."""
    refused = {}
    for archive in sorted(path for path in downloaded.rglob("*.zip") if zipfile.is_zipfile(path)):
        with zipfile.ZipFile(archive) as entries:
            for name in entries.namelist():
                if name.startswith("/") or ".." in name.split("/"):
                    refused[f"file {name!r}"] = (f"an entry of {archive.name} whose path is absolute or climbs "
                                                 "out of the folder with '..'; not extracted, not collected")
    return refused


def _grade(course: Path, assignment: Assignment, jobs: list[Job], state: dict, reports: Path,
           engine, progress, times: dict[str, SubmissionTime] | None = None) -> float:
    """Save each student's result as the engine (``LocalEngine``, ``DaskEngine``) finishes it;
    returns the seconds spent saving (the coordinator's own share of the grading)."""
    start, saved, saving = time.monotonic(), set(), 0.0
    stopping = threading.Event()

    def on_signal(number, frame):
        stopping.set()
        engine.stop()

    previous = _install(on_signal)
    try:
        for result in engine.results(jobs):
            if stopping.is_set():
                break
            if result.student in saved:  # a task run twice: the student is merged once
                continue
            began = time.monotonic()
            save_result(course, assignment, result, state, reports, (times or {}).get(result.student))
            saving += time.monotonic() - began
            saved.add(result.student)
            score = sum(v for k, v in cell_scores(course_db_url(course), assignment.name,
                                                  result.student).items() if k in assignment.points)
            others = ", ".join(engine.grading()) or "-"
            late = late_facts(course_db_url(course), assignment.name, result.student)
            penalty = f" late -{late['penalty']:g}" if late and late["penalty"] else ""
            progress(f"[{len(saved):>3}/{len(jobs)}] {_clock(time.monotonic() - start)} {result.student:<20} "
                     f"{result.status:<17} {score:g}/{assignment.max_points:g}{penalty}  (grading: {others})")
    finally:
        engine.close(stopping.is_set())
        _restore(previous)
    if stopping.is_set():
        progress(f"interrupted: {len(saved)} of {len(jobs)} graded and saved; run the same command to resume")
        raise KeyboardInterrupt
    return saving


class LocalEngine:
    """Grades jobs in ``workers`` threads of this process, each with its resident grader
    (resident.py): ``results`` yields each finished student's Result, ``grading`` names the
    students being graded, ``stop`` (in a signal handler) kills the gradings under way,
    ``close`` cancels what is left and waits for the threads."""

    def __init__(self, workers: int, scratch: Path):
        self.pool, self.scratch = ThreadPoolExecutor(max_workers=workers), scratch
        self.futures, self.running = [], {}

    def start_graders(self, count: int) -> None:
        """Start the resident graders of ``count`` threads now (each thread its own, as
        resident.py requires), instead of at each thread's first student."""
        all_started = threading.Barrier(count)

        def start():
            resident_grader().start()
            all_started.wait(timeout=60)  # holds this thread so that the next start gets another

        for _ in range(count):
            self.pool.submit(start)

    def results(self, jobs: list[Job]):
        self.futures = [self.pool.submit(grade, job, self.scratch, self.running) for job in jobs]
        for future in as_completed(self.futures):
            yield future.result()

    def grading(self) -> list[str]:
        return sorted(self.running)

    def stop(self) -> None:
        for process in list(self.running.values()):
            stop(process)

    def close(self, stopping: bool) -> None:
        for future in self.futures:
            future.cancel()
        if stopping:  # a grading started since the signal
            self.stop()
        self.pool.shutdown(wait=True)


def _dask_engine(scheduler: str, workers: int, template: Path, progress):
    from autograder.dask_engine import DaskEngine  # distributed is imported for it alone
    return DaskEngine(scheduler, workers, template, progress)


def save_result(course: Path, assignment: Assignment, result: Result, state: dict, reports: Path,
                submitted: SubmissionTime | None = None) -> None:
    """Write one student's result into the course: gradebook, autograded notebooks, feedback
    pages, log, state. The state records the fingerprint of the files graded (the result's),
    so that a submission replaced while it was graded is graded again by the next run, and
    where the submission time came from (``submitted``; one that is unknown is in the reason)."""
    db = course_db_url(course)
    destination = course / "autograded" / result.student / assignment.name
    feedback = course / "feedback" / result.student / assignment.name
    shutil.rmtree(destination, ignore_errors=True)
    shutil.rmtree(feedback, ignore_errors=True)  # the last feedback was about an older grading
    if result.grades is not None:
        manual = merge_grades(db, assignment.name, result.student, result.grades)
        destination.mkdir(parents=True)
        for name, text in result.notebooks.items():
            (destination / name).write_text(text)
        if result.feedback and not manual:  # the worker's pages show the auto grades alone
            feedback.mkdir(parents=True)
            for name, text in result.feedback.items():
                (feedback / name).write_text(text)
    else:
        record_failure(db, assignment.name, result.student)
    logs = reports / "logs"
    logs.mkdir(exist_ok=True)
    (logs / f"{result.student}.log").write_text(result.log)
    reason = result.reason
    if submitted is not None and submitted.problem and result.grades is not None:
        reason = "; ".join(filter(None, [reason, f"submission time unknown: {submitted.problem}; "
                                                 "graded without a late penalty"]))
    state[result.student] = {"status": result.status, "reason": reason, "fingerprint": result.fingerprint,
                             "time_source": submitted.source if submitted else None}
    _save_state(reports, state)


def _time_to_grade(submitted: SubmissionTime, due) -> str:
    """The time the worker grades a submission as submitted at (its timestamp.txt): one that
    timestamp.txt or the LMS gives, and a file's modification time only where there is a due
    date to be late for. Elsewhere nbgrader records no time, as for a submission without
    timestamp.txt, so that the formgrader still counts the student as autograded (it compares
    the gradebook's time with the submitted folder's timestamp.txt)."""
    if submitted.source == FROM_MTIME and due is None:
        return ""
    return submitted.text() or ""


def _write_lms_times(course: Path, assignment: str, download: Path) -> None:
    """Each collected student's submission time from the LMS download: the newest time of
    their entries (a zip entry's time, in ``CourseLatePolicy.lms_timezone``; a file's
    modification time in a folder), written as their ``timestamp.txt`` and recorded in
    ``downloaded/<assignment>/times.json`` (student -> timestamp and where it came from)."""
    policy, entries = course_policy(course), {}
    if download.is_dir():
        for path in download.rglob("*"):
            if path.is_file():
                entries[path.relative_to(download).as_posix()] = datetime.datetime.fromtimestamp(
                    path.stat().st_mtime, datetime.timezone.utc).strftime(TIMESTAMP_FORMAT)
    elif zipfile.is_zipfile(download):
        with zipfile.ZipFile(download) as archive:
            entries = {info.filename: zip_entry_time(info.date_time, policy.lms_timezone)
                       for info in archive.infolist() if not info.is_dir()}
    times = {}
    for name, stamp in sorted(entries.items(), key=lambda item: item[1]):  # the newest entry last
        found = re.match(LMS_FILE_NAME, "/" + name)
        folder = course / "submitted" / (found["student_id"] if found else "") / assignment
        if found and folder.is_dir():
            late = " (marked late by the LMS)" if "_LATE_" in name else ""
            times[found["student_id"]] = {"timestamp": stamp, "source": f"{FROM_LMS}: {Path(name).name}{late}"}
    for student, entry in times.items():
        (course / "submitted" / student / assignment / "timestamp.txt").write_text(entry["timestamp"] + "\n")
    (course / "downloaded" / assignment / "times.json").write_text(json.dumps(times, indent=1, sort_keys=True))


def _load_lms_times(course: Path, assignment: str) -> dict[str, dict[str, str]]:
    """student -> {timestamp text: where it came from} of the last LMS download collected."""
    path = course / "downloaded" / assignment / "times.json"
    times = json.loads(path.read_text()) if path.is_file() else {}
    return {student: {time["timestamp"]: time["source"]} for student, time in times.items()}


def _install(handler):
    if threading.current_thread() is not threading.main_thread():
        return None
    return {number: signal.signal(number, handler) for number in (signal.SIGINT, signal.SIGTERM)}


def _restore(previous) -> None:
    for number, handler in (previous or {}).items():
        signal.signal(number, handler)


def _submitters(course: Path, assignment: str) -> list[str]:
    return sorted(path.parent.name for path in (course / "submitted").glob(f"*/{assignment}") if path.is_dir())


def _needs_grading(previous: dict | None, files_fingerprint: str, regrade: str) -> bool:
    if regrade == "all" or previous is None or previous["fingerprint"] != files_fingerprint:
        return True
    return regrade == "failed" and previous["status"] != st.GRADED


def _load_state(reports: Path) -> dict:
    path = reports / "state.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_state(reports: Path, state: dict) -> None:
    temporary = reports / "state.json.tmp"
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True))
    temporary.replace(reports / "state.json")


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Autograde a class for one assignment, with feedback and a report.")
    parser.add_argument("assignment")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course folder (default: here)")
    parser.add_argument("--students", nargs="+", help="grade only these students")
    parser.add_argument("--workers", type=int, default=1,
                        help="submissions graded at once here, or local Dask workers (default 1)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the workers of this Dask scheduler (tcp://host:8786), or on a "
                             "Dask cluster of --workers processes started here ('local')")
    parser.add_argument("--regrade", choices=["changed", "failed", "all"], default="changed",
                        help="changed: new or modified submissions (default); failed: also those "
                             "not graded cleanly last time; all: everyone")
    parser.add_argument("--lms", type=Path, help="an LMS download (zip or folder) to collect first")
    parser.add_argument("--time-limit", type=float, default=Limits.time_s,
                        help=f"wall-clock seconds per submission, a backstop (default {Limits.time_s:.0f})")
    parser.add_argument("--memory-cap", type=int, default=KERNEL_MEMORY_MB,
                        help=f"MB per kernel (default {KERNEL_MEMORY_MB})")
    parser.add_argument("--cpu-limit", type=int, default=cell_cpu_limit(),
                        help=f"processor seconds per cell, on every worker (default ${CELL_CPU_LIMIT_ENV} "
                             f"or {CELL_CPU_LIMIT_S})")
    parser.add_argument("--unconfined", action="store_true",
                        help="run student code without the sandbox (not recommended: it warns on every kernel)")
    args = parser.parse_args(argv)
    if args.unconfined:
        print("WARNING: grading unconfined: student code runs with your account's full access", file=sys.stderr)
    limits = Limits(time_s=args.time_limit, cpu_limit_s=args.cpu_limit, memory_mb=args.memory_cap,
                    confine=not args.unconfined)
    try:
        grade_class(args.course, args.assignment, students=args.students, workers=args.workers,
                    regrade=args.regrade, lms=args.lms, limits=limits, scheduler=args.scheduler)
    except KeyboardInterrupt:
        return 130
    except SandboxUnavailable as refusal:
        print(f"grade_class: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
