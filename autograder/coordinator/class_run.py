"""Grade a whole class for one assignment: the coordinator of ``python -m autograder.grade_class``.

Each student's submission is read as data and graded by ``worker.grade.grade`` (the unit of
work: a private copy of a template course, ``nbgrader autograde`` with its kernel in the
sandbox; the course's own release is made meanwhile, and awaited before a first save), by an
engine (autograder/engines/): here, up to ``workers`` at once, or as one task per student on
the workers of a Dask cluster. Results come back as data and this process alone writes them
into the course (``ClassRun.save``): the gradebook (gradebook.py), ``autograded/`` and the
state file ``reports/<assignment>/state.json``, rewritten atomically after each student, so
an interrupted run (Ctrl-C) resumes where it stopped and never grades a student twice. Each
student's feedback HTML (hidden tests are never shown) is rendered by the worker that graded
them and saved with the result; ``nbgrader generate_feedback`` runs here, at the end, only
for students whose pages are missing (manual grades kept across a regrade). Then the grades
CSV (what ``nbgrader export`` writes: gradebook.export_grades), the class report, the
similarity report, item analysis and the regrades.
"""

import json
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from autograder import markers as st
from autograder.coordinator.course import copy_course, course_db_url, db_url
from autograder.coordinator.item_analysis import item_analysis
from autograder.coordinator.lms_collect import collect_from_lms, load_lms_times
from autograder.coordinator.regrades import previous_checks, record_regrades
from autograder.coordinator.report import write_report
from autograder.engines import Engine, engine_for
from autograder.gradebook import cell_scores, export_grades, merge_grades, record_failure
from autograder.nbgrader_ext.late_policy import (
    SubmissionTime, course_policy, late_facts, recorded_due_date, recorded_time, set_due_date, submission_time,
)
from autograder.nbgrader_ext.sandbox import SandboxUnavailable, host_problem
from autograder.notebook.assignment import Assignment, load_assignment
from autograder.similarity import similarity_report
from autograder.worker.grade import Job, Limits, Result, fingerprint, read_submission
from autograder.worker.nbgrader_cli import run_nbgrader

SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")  # what nbgrader submit writes beside the notebooks


def grade_class(course: Path, assignment_name: str, *, students: list[str] | None = None,
                workers: int = 1, regrade: str = "changed", lms: Path | None = None,
                limits: Limits | None = None, scheduler: str | None = None,
                replay: bool = True, progress=print) -> list[dict]:
    """Autograde, give feedback and report on ``assignment_name`` for the class in ``course``.

    regrade: "changed" grades students not graded yet or whose files changed; "failed"
        also those whose last outcome was not "graded"; "all" grades everyone again.
    scheduler: None grades here, ``workers`` at a time; a Dask scheduler's address
        ("tcp://host:8786") grades on its workers; "local" on a Dask LocalCluster of
        ``workers`` processes started for the run (engines/dask_cluster.py).
    replay: a test cell whose student's code answers the judge exactly as an earlier
        student's did gets the recorded verdict, without the judge's own work (the same
        grade: judge/replay.py); False computes every verdict.
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
    lms_times = load_lms_times(course, assignment_name)
    times = {s: submission_time(course / "submitted" / s / assignment_name, lms_times.get(s)) for s in submissions}
    chosen = [s for s, (files, _) in submissions.items()
              if _needs_grading(state.get(s), fingerprint(files), regrade)]
    how = f"{workers} worker(s)" if scheduler is None else f"Dask (--scheduler {scheduler})"
    progress(f"{assignment_name}: {len(everyone)} submissions, {len(chosen)} to grade with {how}")
    before = previous_checks(course, assignment_name)  # each check's points before this run (regrades.py)
    fixed = {}  # the run's costs that are not one student's grading: seconds by step
    with tempfile.TemporaryDirectory(prefix=f"kit-grade-{assignment_name}-") as scratch:
        scratch = Path(scratch)
        engine = engine_for(None, workers, scratch, None, progress) if chosen and scheduler is None else None
        if engine:  # its graders start (Python, nbgrader) while the run prepares
            engine.start_graders(min(workers, len(chosen)))
        policy = course_policy(course)
        due = policy.due_date(assignment_name) or recorded_due_date(course_db_url(course), assignment_name)
        with ThreadPoolExecutor(max_workers=1) as background:
            try:
                if chosen:  # the template course (a copy and its private gradebook) first
                    template = copy_course(scratch / "template", [assignment_name], repo=course)
                    with _timed(fixed, "template"):
                        _nbgrader_in(engine, background, template, ["generate_assignment", assignment_name, "--force"],
                                     scratch / "template.log", private=True).result()
                # the course's release and gradebook are needed by the first result saved, not by
                # the graders (they grade in copies of the template course): made meanwhile
                released = _release(engine, background, course, assignment_name, policy, scratch / "release.log")
                if chosen:  # the template grades under the course's due date and extensions
                    set_due_date(db_url(template), assignment_name, policy, due)
                    if (course / policy.extensions_file).is_file():
                        shutil.copy(course / policy.extensions_file, template / policy.extensions_file)
                    assignment = load_assignment(assignment_name, template)
                    jobs = [Job(assignment, s, template, *submissions[s], limits=limits,
                                submitted_at=_time_to_grade(times[s], due), replay=replay) for s in chosen]
                    engine = engine or engine_for(scheduler, workers, scratch, template, progress)
                    run = ClassRun(course, assignment, state, reports, times, progress, released)
                    fixed[f"saving {len(jobs)} results"] = run.grade(jobs, engine)
            except BaseException:
                if engine:
                    engine.close(stopping=False)
                raise
            with _timed(fixed, "release"):  # done by now where anyone was graded
                released.result()
    assignment = load_assignment(assignment_name, course)
    stale, current = _feedback_to_write(course, assignment_name)
    if stale:  # the workers rendered the rest: students with manual grades kept, pages nbgrader failed
        with _timed(fixed, f"feedback for {len(stale)}"):
            run_nbgrader(course, "generate_feedback", assignment_name, "--force",
                         f"--CourseDirectory.student_id_exclude={','.join(current)}", check=False)
    with _timed(fixed, "export"):
        if not export_grades(course, course_db_url(course), reports / "nbgrader_grades.csv"):
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


def _nbgrader_in(engine, background: ThreadPoolExecutor, folder: Path, args: list[str], log: Path,
                 private: bool = False) -> Future:
    """``nbgrader <args>`` in ``folder``: in one of the local engine's graders where there is one,
    the first free (started already: no new Python, no second start of nbgrader; its output in
    ``log``), else in a new process from ``background``. A Future that raises with the command's
    output where it fails."""
    if engine is None:
        return background.submit(run_nbgrader, folder, *args, private=private)
    ran = engine.run_nbgrader(folder, args, log)

    def check() -> None:
        if ran.result() != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed in {folder}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")

    return background.submit(check)


def _release(engine, background: ThreadPoolExecutor, course: Path, assignment: str, policy, log: Path) -> Future:
    """``nbgrader generate_assignment`` in the course (its release, its gradebook's record of the
    assignment; the graders' environment names no gradebook: the course's is given), then the
    policy's due date, if it names one, in that gradebook. A Future that raises where it failed."""
    gradebook = course_db_url(course)
    made = _nbgrader_in(engine, background, course,
                        ["generate_assignment", assignment, "--force", f"--CourseDirectory.db_url={gradebook}"], log)

    def due_date_set() -> None:
        made.result()  # raises where the release failed
        set_due_date(gradebook, assignment, policy)

    return background.submit(due_date_set)


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


@dataclass
class ClassRun:
    """What a run writes into the course as results come in: ``state`` (student -> status,
    reason, fingerprint of the files graded, where the submission time came from), saved in
    ``reports``; ``times``: each student's submission time; ``released``: the course's release
    and gradebook while they are being made (results are saved once they are)."""

    course: Path
    assignment: Assignment
    state: dict
    reports: Path
    times: dict[str, SubmissionTime] = field(default_factory=dict)
    progress: object = print
    released: Future | None = None  # the course's release and gradebook, being made: awaited before a first save

    def grade(self, jobs: list[Job], engine: Engine) -> float:
        """Save each student's result as the engine finishes it; returns the seconds spent
        saving (the coordinator's own share of the grading)."""
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
                if self.released is not None:
                    self.released.result()  # raises where the release failed: nothing is saved
                began = time.monotonic()
                self.save(result)
                saving += time.monotonic() - began
                saved.add(result.student)
                self._progress_line(result, len(saved), len(jobs), time.monotonic() - start, engine)
        finally:
            engine.close(stopping.is_set())
            _restore(previous)
        if stopping.is_set():
            self.progress(f"interrupted: {len(saved)} of {len(jobs)} graded and saved; run the same command to resume")
            raise KeyboardInterrupt
        return saving

    def save(self, result: Result) -> None:
        """Write one student's result into the course: gradebook, autograded notebooks, feedback
        pages, log, state. The state records the fingerprint of the files graded (the result's),
        so that a submission replaced while it was graded is graded again by the next run, and
        where the submission time came from (one that is unknown is in the reason)."""
        course, assignment = self.course, self.assignment
        submitted = self.times.get(result.student)
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
            # nbgrader keeps the submission's time and secret beside its notebooks and pages:
            # `nbgrader release_feedback` (and generate_feedback) read them there
            handed_in = course / "submitted" / result.student / assignment.name
            for name in SUBMISSION_FILES:
                for folder in (destination, feedback):
                    if (handed_in / name).is_file() and folder.is_dir():
                        shutil.copy(handed_in / name, folder / name)
        else:
            record_failure(db, assignment.name, result.student)
        logs = self.reports / "logs"
        logs.mkdir(exist_ok=True)
        (logs / f"{result.student}.log").write_text(result.log)
        reason = result.reason
        if submitted is not None and submitted.problem and result.grades is not None:
            reason = "; ".join(filter(None, [reason, f"submission time unknown: {submitted.problem}; "
                                                     "graded without a late penalty"]))
        self.state[result.student] = {"status": result.status, "reason": reason, "fingerprint": result.fingerprint,
                                      "time_source": submitted.source if submitted else None}
        _save_state(self.reports, self.state)

    def _progress_line(self, result: Result, done: int, total: int, elapsed: float, engine: Engine) -> None:
        name = self.assignment.name
        score = sum(v for k, v in cell_scores(course_db_url(self.course), name, result.student).items()
                    if k in self.assignment.points)
        others = ", ".join(engine.grading()) or "-"
        late = late_facts(course_db_url(self.course), name, result.student)
        penalty = f" late -{late['penalty']:g}" if late and late["penalty"] else ""
        self.progress(f"[{done:>3}/{total}] {_clock(elapsed)} {result.student:<20} "
                      f"{result.status:<17} {score:g}/{self.assignment.max_points:g}{penalty}  (grading: {others})")


def _time_to_grade(submitted: SubmissionTime, due) -> str:
    """The time the worker grades a submission as submitted at (its timestamp.txt line), or ""
    where nbgrader is to record none (``late_policy.recorded_time``)."""
    return (submitted.text() or "") if recorded_time(submitted, due is not None) else ""


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
