"""A grading process that stays: ``nbgrader autograde`` (and ``generate_feedback``) for one
submission after another.

Starting a grader costs seconds that have nothing to do with the submission: Python,
nbgrader and its config, and the TensorFlow that the masters' set-up cells import into the
judge (autograder/judge/). A resident grader pays them once: nbgrader when it starts,
TensorFlow the first time its judge computes a verdict (a grader whose verdicts are all
replayed, judge/replay.py, never imports it). It runs nbgrader
commands in its own process for each private course folder it is sent, the way nbgrader's
own tests run its apps in-process (``NbGraderApp.instance()``, ``initialize``, ``start``,
``reset``). Each job still gets its own course copy, gradebook and sandboxed kernel; no
student's code ever runs here (the judge reads what a kernel sends as data), so one
student cannot reach the next.

``ResidentGrader`` (the coordinator's or a Dask worker's side) starts the process on
``start()`` or first use, sends one command at a time, and kills the process when a
command runs past its time limit or fails; the next then starts a fresh one. A process
also retires after ``JOBS_PER_PROCESS`` commands, so that what TensorFlow keeps does not
grow without bound. The process dies with the thread that started it
(``PR_SET_PDEATHSIG``), and its kernels with it.

The protocol: one JSON line per command on stdin, ``{"folder", "args", "log"}`` (args:
the nbgrader subcommand and its options); one JSON line back, ``{"returncode"}``.
Everything nbgrader prints goes to the command's log file.
"""

import ctypes
import functools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from autograder.worker.nbgrader_cli import nbgrader_env

JOBS_PER_PROCESS = 40  # commands: autograde and generate_feedback for 20 students


class ResidentGrader:
    """The coordinator's side: ``run(folder, args, log, timeout, started)`` in a process that
    stays between calls. Not thread-safe: one per worker thread."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self._jobs = 0

    def start(self) -> subprocess.Popen:
        """The process, started now unless one is running and not due to retire."""
        if self.process is None or self.process.poll() is not None or self._jobs >= JOBS_PER_PROCESS:
            self.close()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.worker.resident"], env=nbgrader_env(private=True),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, start_new_session=True)
            self._jobs = 0
        return self.process

    def run(self, folder: Path, args: list[str], log: Path, timeout: float,
            started) -> tuple[int, bool]:
        """Run ``nbgrader <args>`` in ``folder``, its output into ``log``.
        started(process) is called with the process that runs it (so that an interrupted
        batch can stop it). Returns (exit code, killed because it ran past ``timeout``)."""
        process = self.start()
        self._jobs += 1
        started(process)
        reply = []
        reader = threading.Thread(target=lambda: reply.append(process.stdout.readline()), daemon=True)
        try:
            process.stdin.write(json.dumps({"folder": str(folder), "args": args, "log": str(log)}) + "\n")
            process.stdin.flush()
            reader.start()
            reader.join(timeout)
        except (BrokenPipeError, OSError):
            pass
        if reader.is_alive():  # past its time limit: the process goes, its kernel with it
            self.close()
            return -signal.SIGKILL, True
        if reply and reply[0].strip():
            returncode = json.loads(reply[0])["returncode"]
        else:  # the process died during the job
            try:
                returncode = process.wait(timeout=10) or -1
            except subprocess.TimeoutExpired:
                returncode = -1
        if returncode != 0:
            self.close()  # a job that failed leaves nothing behind for the next
        return returncode, False

    def close(self) -> None:
        """Stop the process (and its kernel, if one runs)."""
        if self.process is not None:
            stop(self.process)
            self.process = None


def stop(process: subprocess.Popen) -> None:
    """Kill a grading process and its group; its sandboxed kernel dies with it
    (bwrap --die-with-parent)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the one that started it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _nbgrader(folder: str, args: list[str]) -> int:
    """One ``nbgrader <args>`` in this process; its exit code."""
    from jupyter_core.application import NoStart
    from nbgrader.apps import NbGraderApp

    os.chdir(folder)
    app = NbGraderApp.instance()
    try:
        app.initialize(args)
        app.start()
        return 0
    except NoStart:  # how a Jupyter app says its subcommand has run
        return 0
    except SystemExit as error:
        return error.code if isinstance(error.code, int) else 1
    except Exception:  # noqa: BLE001 - reported in the job's log, the process then goes
        logging.getLogger("resident").exception(f"nbgrader {args[0]} failed")
        return 1
    finally:
        app.reset()
        sys.path[:] = [path for path in sys.path if path != folder]  # nbgrader adds the course folder


def alembic_head() -> str:
    """The revision of nbgrader's gradebook schema, read here: what nbgrader's
    ``api.get_alembic_version`` reads by running the ``alembic heads`` script (a second Python
    start, about 2 s) each time it creates a gradebook, as a template course's generation does."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return ScriptDirectory(ALEMBIC_DIR).get_current_head()


def main() -> None:
    _die_with_parent()
    replies = os.fdopen(os.dup(1), "w")
    import autograder.nbgrader_ext.execute  # noqa: F401 - nbgrader and the judge, imported once
    import nbgrader.api

    nbgrader.api.get_alembic_version = functools.cache(alembic_head)
    for line in sys.stdin:
        job = json.loads(line)
        with open(job["log"], "a") as log:  # what nbgrader and the kernel's manager print
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
        code = _nbgrader(job["folder"], job["args"])
        if "keras" in sys.modules:  # the judge's models and layer names go with the job
            sys.modules["keras"].backend.clear_session(free_memory=job["args"][0] == "autograde")
        replies.write(json.dumps({"returncode": code}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
