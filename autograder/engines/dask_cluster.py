"""Grading a class on a Dask cluster: ``grade_class --scheduler tcp://host:8786`` (or ``local``).

The coordinator (coordinator/class_run.py) hands each student's ``Job`` to the cluster as one task
and gets the ``Result`` back as data; it alone writes the course, as on one machine.
Workers share no folder with it: the template course (config, masters, release,
gradebook) travels once as a tar archive, a task of its own that every grading task
depends on, so the scheduler copies it to each worker once and can rebuild it if every
worker holding it is lost. On a worker, ``grade_on_worker`` unpacks it once per worker
process into the worker's own folder, checks that the sandbox works there, and calls
``grade.grade``. Any machine with the kit installed (``make venv``) and bubblewrap can be
a worker: ``dask worker tcp://host:8786 --nthreads 1``.

Each task's key names the run and the student, so the scheduler never grades a student
twice at once in a run; a task whose worker dies is run again on another worker (up to
the scheduler's ``distributed.scheduler.allowed-failures``, 3 by default), and a student
whose workers keep dying gets the status "grader error".
"""

import hashlib
import io
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import dask
from distributed import Client, KilledWorker, LocalCluster, as_completed, get_worker

from autograder import markers as st
from autograder.engines import DASK_LOCAL
from autograder.worker.grade import Job, Result, grade
from autograder.worker.resident import stop
from autograder.nbgrader_ext.sandbox import SandboxUnavailable, host_problem

POLL_S = 0.2  # how often the coordinator looks for finished tasks (and for Ctrl-C)


@dataclass(frozen=True)
class PackedTemplate:
    """A template course folder as data: a tar archive and its SHA-256."""

    digest: str
    archive: bytes


def pack(folder: Path) -> PackedTemplate:
    """``folder`` as a tar archive (gzip: a gradebook compresses well)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    archive = buffer.getvalue()
    return PackedTemplate(hashlib.sha256(archive).hexdigest(), archive)


class DaskEngine:
    """Grades jobs on the Dask cluster at ``scheduler`` (or, for ``"local"``, on a
    LocalCluster of ``workers`` processes started for the run), for grade_class's loop:
    ``results`` yields each finished student's Result, ``grading`` names the students being
    graded, ``stop`` (safe in a signal handler) ends ``results`` early, ``close`` cleans up."""

    def __init__(self, scheduler: str, workers: int, template: Path, progress=print):
        self.scheduler, self.workers, self.template, self.progress = scheduler, workers, template, progress
        self.run = uuid.uuid4().hex[:12]  # task keys name the student and the run
        self.cluster = self.client = None
        self.jobs, self.pending = {}, {}  # task key -> its job; -> its future, until its result is read
        self.stopping = False

    def results(self, jobs: list[Job]):
        self._connect(confine=any(job.limits.confine for job in jobs))
        template = self.client.submit(_same, pack(self.template), key=f"kit-template-{self.run}")
        # One task group, sent at once: the scheduler queues it and hands a task to a worker
        # as a thread frees up (worker-saturation), rather than to every worker up front.
        self.jobs = {(f"grade-{self.run}", job.student): job for job in jobs}
        futures = self.client.map(grade_on_worker, jobs, [template] * len(jobs), [self.run] * len(jobs),
                                  key=list(self.jobs))
        self.pending = {future.key: future for future in futures}
        completed = as_completed(self.pending.values())
        while not completed.is_empty() and not self.stopping:  # polled: stop() needs no wake-up
            for future in completed.next_batch(block=False):
                del self.pending[future.key]  # the worker forgets the result once it is read
                yield self._outcome(future)
            time.sleep(POLL_S)

    def grading(self) -> list[str]:
        """The students whose tasks the scheduler has given to a worker (being graded, where
        the scheduler gives a worker no more tasks than it has threads: worker-saturation 1)."""
        given = {key for keys in self.client.processing().values() for key in keys}
        return sorted(job.student for key, job in self.jobs.items() if key in given)

    def stop(self) -> None:
        self.stopping = True

    def close(self, stopping: bool) -> None:
        """Cancel what is left; when stopping, also kill this run's gradings under way."""
        try:
            if self.client is not None:
                self.client.cancel(list(self.pending.values()))
                if stopping:
                    self.client.run(stop_run, self.run, on_error="ignore")
        finally:
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                self.cluster.close()

    def _connect(self, confine: bool) -> None:
        if self.scheduler == DASK_LOCAL:
            with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):  # see README
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(self.scheduler)
        workers = self.client.scheduler_info()["workers"]
        self.progress(f"dask: {len(workers)} worker(s) at {self.client.scheduler.address}"
                      + ("" if workers else "; the tasks wait for workers to join"))
        if confine:  # refuse before anything is graded, as on one machine
            problems = {worker: problem for worker, problem in self.client.run(host_problem).items()
                        if problem}
            if problems:
                raise SandboxUnavailable("cannot grade in the sandbox on " + "; ".join(
                    f"worker {worker}: {problem}" for worker, problem in sorted(problems.items())))

    def _outcome(self, future) -> Result:
        """The task's Result; a student whose workers kept dying gets a grader error."""
        try:
            return future.result()
        except KilledWorker as error:
            job = self.jobs[future.key]
            return Result(job.student, st.GRADER_ERROR,
                          [f"{error.allowed_failures + 1} Dask workers died while grading it "
                           "(distributed.scheduler.allowed-failures)"], fingerprint=job.fingerprint)


# --- On a worker ---

_TEMPLATES: dict[str, Path] = {}  # digest -> the template unpacked in this worker process
_RUNNING: dict[str, dict] = {}  # run -> student -> its nbgrader process (see grade.grade)
_LOCK = threading.Lock()


def grade_on_worker(job: Job, template: PackedTemplate, run: str) -> Result:
    """The task: grade ``job`` with ``template`` as its course, in this worker's own folder
    (``job.template``, the coordinator's folder, is not read)."""
    problem = job.limits.confine and host_problem()
    if problem:  # never grade unconfined where the sandbox does not work
        raise SandboxUnavailable(f"cannot grade in the sandbox on worker {get_worker().address}: {problem}")
    folder = Path(get_worker().local_directory)
    with _LOCK:
        running = _RUNNING.setdefault(run, {})
        if template.digest not in _TEMPLATES:
            unpacked = folder / f"template-{template.digest[:16]}"
            with tarfile.open(fileobj=io.BytesIO(template.archive)) as tar:
                tar.extractall(unpacked, **_PLAIN)
            _TEMPLATES[template.digest] = unpacked
    return grade(replace(job, template=_TEMPLATES[template.digest]), folder, running)


def stop_run(run: str) -> None:
    """Kill the gradings of ``run`` under way in this worker (Ctrl-C on the coordinator)."""
    for process in list(_RUNNING.get(run, {}).values()):
        stop(process)


def _same(value):
    return value


# Plain files and folders only: tarfile's "data" filter where this Python has it (3.11.4+).
_PLAIN = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
