"""Grade one student's submission in a throwaway copy of the course, under limits.

Each worker runs nbgrader's own ``autograde`` app in a private folder made from a
template course (config, masters, releases and a gradebook that knows the assignment)
plus that student's submission. Whatever the submission writes or deletes around it,
the real course folder and gradebook are never the working directory of student code,
and concurrent workers never share a SQLite file.
"""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from autograder.nbgrader_cli import NBGRADER, nbgrader_env


@dataclass
class Run:
    """What happened to one grading process."""

    folder: Path
    db_url: str
    returncode: int
    seconds: float
    killed_for: str | None  # "time limit" or "memory cap", when the grader stopped it
    log: str


def prepare(template: Path, course: Path, assignment: str, student: str, dest: Path) -> Path:
    """A private course folder: the template plus one student's submission.

    Its gradebook is kept beside the folder (see ``gradebook_of``), out of the relative
    reach of code running in the student's notebook folder.
    """
    shutil.copytree(template, dest, symlinks=False, ignore=shutil.ignore_patterns("gradebook.db"))
    shutil.copy(template / "gradebook.db", gradebook_of(dest))
    shutil.copytree(course / "submitted" / student / assignment,
                    dest / "submitted" / student / assignment, symlinks=False)
    return dest


def gradebook_of(folder: Path) -> Path:
    """Where the private gradebook of a folder made by ``prepare`` lives."""
    return folder.parent / f"{folder.name}.gradebook.db"


def autograde(folder: Path, assignment: str, student: str, *, time_limit_s: float,
              memory_cap_mb: float, running: dict | None = None) -> Run:
    """Run ``nbgrader autograde`` for one student in ``folder``, within the limits.

    time_limit_s: the whole process is killed after this long (cells have their own
        timeout from the config; this catches everything else).
    memory_cap_mb: a kernel whose resident memory passes this is killed; nbgrader then
        sees a dead kernel and fails the cell that was running.
    running: optional dict where the process is registered while it runs (so that an
        interrupted batch can stop it).
    """
    start = time.monotonic()
    log_path = folder.parent / f"{folder.name}.log"
    db_url = f"sqlite:///{gradebook_of(folder)}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*NBGRADER, "autograde", assignment, f"--student={student}", "--force",
             f"--CourseDirectory.db_url={db_url}"],
            cwd=folder, env=nbgrader_env(private=True), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        if running is not None:
            running[student] = process
        killed_for = _watch(process, start, time_limit_s, memory_cap_mb * 2**20)
        if running is not None:
            running.pop(student, None)
    return Run(folder, db_url, process.returncode, time.monotonic() - start, killed_for,
               log_path.read_text(errors="replace"))


def stop(process: subprocess.Popen) -> None:
    """Kill a grading process and its kernel."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _watch(process: subprocess.Popen, start: float, time_limit_s: float, cap_bytes: float) -> str | None:
    killed_for = None
    while process.poll() is None:
        if time.monotonic() - start > time_limit_s:
            stop(process)
            return "time limit"
        for child in _children(process.pid):
            try:
                if child.memory_info().rss > cap_bytes:
                    child.kill()
                    killed_for = "memory cap"
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.25)
    return killed_for


def _children(pid: int) -> list:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
