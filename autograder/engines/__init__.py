"""Where a class's submissions are graded: an ``Engine`` runs ``worker.grade.grade`` for each
``Job`` and gives back each ``Result`` as data; the coordinator (coordinator/class_run.py)
alone writes the course. Two engines: this machine's threads (local.py) and the workers of
a Dask cluster (dask_cluster.py). A new engine is one module with a class of this protocol,
and a line in ``engine_for``.
"""

from pathlib import Path
from typing import Iterator, Protocol

from autograder.worker.grade import Job, Result

DASK_LOCAL = "local"  # --scheduler local: a Dask LocalCluster started for the run


class Engine(Protocol):
    def results(self, jobs: list[Job]) -> Iterator[Result]:
        """Grade ``jobs``; yield each student's Result as it is finished (a student may come
        twice where a task was run again: the coordinator saves the first)."""

    def grading(self) -> list[str]:
        """The students being graded now, for the progress lines."""

    def stop(self) -> None:
        """Kill the gradings under way (called from a signal handler)."""

    def close(self, stopping: bool) -> None:
        """Cancel what is left and release the workers; ``stopping``: after ``stop``."""


def engine_for(scheduler: str | None, workers: int, scratch: Path, template: Path, progress) -> Engine:
    """The engine of a run: ``workers`` threads here when ``scheduler`` is None, else the
    workers of the Dask scheduler at that address (or of a LocalCluster, ``DASK_LOCAL``)."""
    if scheduler is None:
        from autograder.engines.local import LocalEngine
        return LocalEngine(workers, scratch)
    from autograder.engines.dask_cluster import DaskEngine  # distributed is imported for it alone
    return DaskEngine(scheduler, workers, template, progress)
