"""Grading a class on this machine: up to ``--workers`` students at once, each in a thread of
the coordinating process with its own resident grader (autograder/worker/resident.py)."""

import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder.worker.grade import Job, grade, resident_grader
from autograder.worker.resident import stop


class LocalEngine:
    """Grades jobs in ``workers`` threads of this process, each with its resident grader;
    an ``Engine`` (engines/__init__.py)."""

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

    def run_nbgrader(self, folder: Path, args: list[str], log: Path, timeout: float = 600) -> Future:
        """``nbgrader <args>`` in ``folder``, in the first of the graders to be free (before any job
        submitted later): no new Python, no second start of nbgrader. Its output goes to ``log``;
        a Future of its exit code."""
        def run() -> int:
            return resident_grader().run(folder, args, log, timeout, started=lambda process: None)[0]

        return self.pool.submit(run)

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
