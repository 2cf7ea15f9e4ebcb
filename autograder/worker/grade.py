"""One student's grading, the unit of work of a class run: ``grade(job) -> Result``.

A ``Job`` names everything the work needs (the assignment's facts, a template course,
the submission's files as data, the limits); the ``Result`` holds everything it
produces, as data: status, every problem found, the auto grades, the executed notebooks,
the log's tail. It runs in a thread of the coordinator (coordinator/class_run.py) or in a Dask worker
on another machine (engines/dask_cluster.py, which unpacks the template there). Nothing here writes
the course folder or its gradebook: the coordinator does, from the result. ``grade`` never
raises: whatever goes wrong becomes the student's outcome.

The work: the submission's regular files are written into a private copy of the
template course in a scratch folder; ``nbgrader autograde`` runs there, in the worker
thread's resident grader (resident.py: a process that grades one submission after
another), its kernel confined by the sandbox (sandbox.py) with the course config's limits;
then ``nbgrader generate_feedback``, in the same process, from the private gradebook (so
that a class's feedback is rendered by its workers, in parallel); the private gradebook,
the autograded notebooks and the feedback pages are read back; the scratch folder is
removed.
"""

import hashlib
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import markers as st
from autograder.notebook.assignment import Assignment
from autograder.gradebook import AutoGrades, read_grades
from autograder.worker.resident import ResidentGrader
from autograder.notebook.submissions import nbgrader_id
from autograder.settings import (
    KERNEL_MAX_PROCESSES, KERNEL_MEMORY_MB, STUDENT_ID, STUDENT_TIME_LIMIT_S, cell_cpu_limit,
)
from autograder.worker.suspicious import keras2_cells, suspicious_lines

LOG_TAIL = 4000  # characters of nbgrader's log kept in a result
REPLAYS_FOLDER = "judge-replays"  # in the folder the graders of a run share


@dataclass
class Limits:
    """time_s: wall-clock backstop for the whole grading of one student (this one only stops
    a grader that hangs, so it is generous enough for a loaded machine); cpu_limit_s: the
    processor seconds of one cell (GuardedExecute.cpu_limit), decided where the class
    command runs, so that every worker, a Dask worker's included, grades under the same;
    memory_mb and max_processes: one kernel, enforced by the operating system
    (sandbox.py); confine: False grades unconfined. Defaults: settings.py."""

    time_s: float = STUDENT_TIME_LIMIT_S
    cpu_limit_s: int = field(default_factory=cell_cpu_limit)
    memory_mb: int = KERNEL_MEMORY_MB
    max_processes: int = KERNEL_MAX_PROCESSES
    confine: bool = True

    def nbgrader_options(self) -> list[str]:
        """The same limits as nbgrader command-line options."""
        return [f"--GuardedExecute.cpu_limit={self.cpu_limit_s}",
                f"--SandboxedKernelManager.memory_mb={self.memory_mb}",
                f"--SandboxedKernelManager.max_processes={self.max_processes}",
                f"--SandboxedKernelManager.confine={self.confine}"]


@dataclass
class Job:
    """assignment: its facts; template: a course folder with config, masters, releases and
    a gradebook that knows the assignment; files: the submission, relative path -> bytes
    (regular files only, see ``read_submission``); skipped: what was not copied, and why;
    fingerprint: the files', taken as the job is made (its Result carries it);
    submitted_at: the submission time the coordinator decided (late_policy.submission_time),
    as a timestamp.txt line, or "" where it is unknown (graded without a late penalty);
    None: the files' own timestamp.txt, if any; replay: recorded verdicts may be replayed
    (judge/replay.py) from the folder the graders of the run share."""

    assignment: Assignment
    student: str
    template: Path
    files: dict[str, bytes]
    skipped: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    submitted_at: str | None = None
    replay: bool = True
    fingerprint: str = field(init=False)

    def __post_init__(self):
        self.fingerprint = fingerprint(self.files)


@dataclass
class Result:
    """What grading one student produced: status (markers.py), problems (every one, for a
    person), grades (None when nothing was graded), notebooks (file name -> executed
    notebook JSON), feedback (file name -> feedback HTML, from the auto grades alone),
    seconds, log (tail of nbgrader's output), fingerprint (that of the files graded: the
    job's, whatever the submission folder holds by the time the result is saved)."""

    student: str
    status: str
    problems: list[str]
    grades: AutoGrades | None = None
    notebooks: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    log: str = ""
    fingerprint: str | None = None

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


def student_id_problem(student: str) -> str | None:
    """Why ``student`` cannot be a student id (a folder name and a gradebook key), or None."""
    if re.fullmatch(STUDENT_ID, student):
        return None
    return (f"student id {student!r} refused: a letter or digit first, then letters, digits "
            "and . _ @ + - only, at most 64 characters")


def fingerprint(files: dict[str, bytes]) -> str:
    """A digest of a submission's files (relative path -> bytes): it changes when any does."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    return digest.hexdigest()


def read_submission(folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """A submission folder as data: its regular files (relative path -> bytes), and what was
    skipped (symbolic links, special files, unreadable files) with the reason."""
    files, skipped = {}, []
    if not folder.is_dir() or folder.is_symlink():
        return files, [f"{folder.name}: not a folder"]
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            skipped.append(f"{name}: a symbolic link, ignored")
        elif path.is_file():
            try:
                files[name] = path.read_bytes()
            except OSError as error:
                skipped.append(f"{name}: cannot be read ({error.strerror}), ignored")
        elif not path.is_dir():
            skipped.append(f"{name}: not a regular file, ignored")
    return files, skipped


def grade(job: Job, scratch: Path | None = None, running: dict | None = None) -> Result:
    """Grade one submission. running: optional dict where the nbgrader process is registered
    (student -> Popen) while it runs, so that an interrupted batch can stop it."""
    start = time.monotonic()
    work = None
    try:
        refused = student_id_problem(job.student)
        if refused:
            return _result(job, [(st.REFUSED, refused)], start)
        problems, gradable = _file_problems(job)
        if not gradable:
            return _result(job, problems, start)
        work = Path(tempfile.mkdtemp(prefix=f"grade-{job.student}-", dir=scratch))
        folder = _prepare(job, gradable, work)
        log_path = work / "nbgrader.log"
        options = _grading_options(folder, job)
        if job.replay and scratch is not None:  # shared by the graders of the run (or of a Dask worker)
            options.append(f"--JudgedCells.replay_cache={Path(scratch).resolve() / REPLAYS_FOLDER}")
        returncode, killed = _nbgrader(folder, job, running, ["autograde", *options], log_path, job.limits.time_s)
        graded = folder / "autograded" / job.student / job.assignment.name
        notebooks = {name: (graded / name).read_text() for name in job.assignment.notebooks
                     if (graded / name).is_file()}
        grades = read_grades(_private_db(folder), job.assignment.name, job.student)
        feedback = {}
        if grades is not None and notebooks and not killed:
            feedback = _feedback(folder, job, running, log_path, job.limits.time_s - (time.monotonic() - start))
        log = log_path.read_text(errors="replace")[-LOG_TAIL:] if log_path.exists() else ""
        if killed:
            problems.append((st.GRADER_TIME_LIMIT, f"grading stopped after {job.limits.time_s:.0f} s"))
        elif grades is None or set(gradable) - set(notebooks):
            last = next((line for line in reversed(log.splitlines()) if "ERROR" in line), f"exit code {returncode}")
            lost = ", ".join(sorted(set(gradable) - set(notebooks))) or "the submission"
            problems.append((st.GRADER_ERROR, f"{lost} not graded: {last[-300:]}"))
        problems += notebook_problems(job.assignment, notebooks, present=set(gradable))
        return _result(job, problems, start, grades=grades, notebooks=notebooks, feedback=feedback, log=log)
    except Exception as error:  # noqa: BLE001 - any failure is this student's outcome, never the batch's
        return _result(job, [(st.GRADER_ERROR, f"{type(error).__name__}: {error}"[:500])], start)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _result(job, problems, start, **data) -> Result:
    reasons = [reason for _, reason in problems] + job.skipped
    return Result(job.student, st.worst(status for status, _ in problems), reasons,
                  seconds=time.monotonic() - start, fingerprint=job.fingerprint, **data)


def _file_problems(job: Job) -> tuple[list[tuple[str, str]], list[str]]:
    """Problems of the submitted files, and the notebooks that can be graded."""
    expected = job.assignment.notebooks
    present = [name for name in expected if name in job.files]
    if not present:
        found = ", ".join(sorted(job.files)) or "nothing"
        return [(st.MISSING_NOTEBOOK, f"no {', '.join(expected)} (found: {found})")], []
    problems, gradable = [], []
    for name in present:
        try:
            nbformat.reads(job.files[name].decode("utf-8"), as_version=4)
            gradable.append(name)
        except Exception as error:  # nbformat raises several kinds for bad files
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            problems.append((st.INVALID_NOTEBOOK, f"{name} cannot be read: {first_line[:200]}"))
    for name in sorted(set(expected) - set(present)):
        problems.append((st.MISSING_NOTEBOOK, f"no {name}: its tests score zero"))
    extras = sorted(name for name in job.files if name not in expected and name != "timestamp.txt")
    if extras:
        problems.append((st.GRADED, f"extra files ignored: {', '.join(extras)}"))
    return problems, gradable


def _prepare(job: Job, gradable: list[str], work: Path) -> Path:
    """The private course folder: the template, its gradebook beside it, the submission in it."""
    folder = work / "course"
    shutil.copytree(job.template, folder, ignore=shutil.ignore_patterns("gradebook.db"))
    shutil.copy(job.template / "gradebook.db", work / "gradebook.db")
    submitted = folder / "submitted" / job.student / job.assignment.name
    submitted.mkdir(parents=True)
    for name in gradable:  # the readable notebooks alone: nothing else is graded
        (submitted / name).write_bytes(job.files[name])
    if job.submitted_at:  # the time decided where the submission was read (mtimes do not travel)
        (submitted / "timestamp.txt").write_text(job.submitted_at + "\n")
    elif job.submitted_at is None and "timestamp.txt" in job.files:
        (submitted / "timestamp.txt").write_bytes(job.files["timestamp.txt"])
    return folder


def _grading_options(folder: Path, job: Job) -> list[str]:
    """autograde's assignment and options: the private gradebook, the limits, and no
    modification-time fallback for the submission time (the private copy's files are new)."""
    return [job.assignment.name, "--force", f"--CourseDirectory.db_url={_private_db(folder)}",
            "--CourseLatePenalties.mtime_fallback=False", *job.limits.nbgrader_options()]


def _private_db(folder: Path) -> str:
    """The gradebook of a private course copy (``_prepare`` puts it beside the copy)."""
    return f"sqlite:///{folder.parent / 'gradebook.db'}"


def _feedback(folder: Path, job: Job, running: dict | None, log: Path, timeout: float) -> dict[str, str]:
    """The student's feedback pages (file name -> HTML), rendered from the private gradebook;
    empty where nbgrader could not render them (the coordinator then does, after the run)."""
    args = ["generate_feedback", job.assignment.name, "--force", f"--CourseDirectory.db_url={_private_db(folder)}"]
    returncode, killed = _nbgrader(folder, job, running, args, log, max(timeout, 60))
    if returncode != 0 or killed:
        return {}
    pages = folder / "feedback" / job.student / job.assignment.name
    return {page.name: page.read_text() for page in sorted(pages.glob("*.html"))}


def _nbgrader(folder: Path, job: Job, running: dict | None, args: list[str], log: Path,
              timeout: float) -> tuple[int, bool]:
    """Run ``nbgrader <args>`` in ``folder`` in this thread's resident grader (resident.py),
    its output appended to ``log``; returns (exit code, killed for time)."""

    def started(process):
        if running is not None:
            running[job.student] = process

    try:
        return resident_grader().run(folder, args, log, timeout, started)
    finally:
        if running is not None:
            running.pop(job.student, None)


_THREAD = threading.local()


def resident_grader() -> ResidentGrader:
    """This thread's resident grader: a worker thread grades its students one after
    another in one nbgrader process; it is stopped when the thread ends (resident.py)."""
    if not hasattr(_THREAD, "grader"):
        _THREAD.grader = ResidentGrader()
    return _THREAD.grader


def notebook_problems(assignment: Assignment, notebooks: dict[str, str],
                      present: set[str]) -> list[tuple[str, str]]:
    """Problems read from the executed notebooks: timeouts, dead kernels, lost tests, and code
    for a TA to review (suspicious.py: code that reaches into the grader's tools, answers
    that lost points to a Keras 2 API)."""
    problems = []
    for name, test_ids in assignment.tests.items():
        if name not in present or name not in notebooks:
            continue
        notebook = nbformat.reads(notebooks[name], as_version=4)
        problems += [(status, f"{name}: {where}") for status, where in _cell_problems(notebook)]
        problems += [(st.TO_REVIEW, f"{name}: to review: {line}") for line in suspicious_lines(notebook)]
        problems += [(st.TO_REVIEW, f"{name}: to review: {line}") for line in keras2_cells(notebook)]
        missing = sorted(set(test_ids) - {nbgrader_id(cell) for cell in notebook.cells})
        if missing:
            problems.append((st.TEST_CELLS_MISSING, f"{name}: test cells {', '.join(missing)} were "
                             "deleted or lost their nbgrader metadata; they score zero"))
    return problems


def _cell_problems(notebook):
    heading = ""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            heading = next((line.lstrip("# ").strip() for line in cell.source.splitlines()
                            if line.startswith("#")), heading)
            continue
        if cell.cell_type != "code":
            continue
        where = f"cell {nbgrader_id(cell) or index + 1}" + (f" ({heading})" if heading else "")
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.ename == st.TIMEOUT_ERROR:
                yield st.TIMEOUT, f"{where} timed out: {output.evalue}"
            elif output.ename == st.DEAD_KERNEL_ERROR:
                memory = st.MEMORY_LIMIT_MESSAGE in output.evalue
                yield (st.MEMORY_CAP if memory else st.KERNEL_DIED), f"{where}: {output.evalue}"
