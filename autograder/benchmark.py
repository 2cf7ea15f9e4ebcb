"""Benchmarks that print figures (not tests): grading speed of one submission and of a class.

    python -m autograder.benchmark submission mnist [--full-data ../shared/data]
    python -m autograder.benchmark class mnist --sizes 5 10 20 --workers 1 2

``submission``: wall time of ``nbgrader autograde`` for one full-solution submission
(nbgrader and kernel start included) in a fresh course copy; with ``--full-data``, also
the master notebook executed in a student's normal mode (full budgets) on the full data
from that folder, and the ratio of the two.
``class``: wall time of the class grading command on N copies of the full solution, for
each size and number of workers: total, seconds per submission, speed-up over 1 worker.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient

from autograder.assignment import REPO, assignment_names, load_assignment
from autograder.course import copy_course, db_url, submit
from autograder.grade_class import grade_class
from autograder.gradebook import cell_scores
from autograder.nbgrader_cli import run_nbgrader
from autograder.submissions import solved_assignment
from helpers.budget import GRADING_ENV
from helpers.data import DATA_DIR_ENV


def time_one_submission(assignment: str) -> float:
    """Seconds to autograde one full-solution submission in a fresh course copy."""
    facts = load_assignment(assignment)
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch), [assignment])
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        submit(course, "benchmark", assignment, solved_assignment(facts))
        start = time.perf_counter()
        run_nbgrader(course, "autograde", assignment, "--force")
        seconds = time.perf_counter() - start
        expected = facts.max_points
        got = sum(v for k, v in cell_scores(db_url(course), assignment, "benchmark").items() if k in facts.points)
        if got != expected:
            raise RuntimeError(f"the full solution scored {got} of {expected}: fix that before timing")
        return seconds


def time_normal_mode(assignment: str, data_dir: Path, cell_timeout: int = 3600) -> float:
    """Seconds to run every master notebook of the assignment as a student would, on full data."""
    os.environ[DATA_DIR_ENV] = str(data_dir.resolve())
    os.environ.pop(GRADING_ENV, None)
    start = time.perf_counter()
    for name, master in load_assignment(assignment).masters.items():
        NotebookClient(master, timeout=cell_timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(REPO / "source" / assignment)}}).execute()
        failed = [c.metadata.get("nbgrader", {}).get("grade_id") for c in master.cells
                  if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
        if failed:
            raise RuntimeError(f"{name}: cells failed in normal mode: {failed}")
    return time.perf_counter() - start


def time_class(assignment: str, size: int, workers: int) -> float:
    """Seconds for the class grading command on ``size`` full-solution submissions."""
    solution = solved_assignment(load_assignment(assignment))
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch), [assignment])
        for index in range(size):
            submit(course, f"student{index:03d}", assignment, solution)
        start = time.perf_counter()
        grade_class(course, assignment, workers=workers, progress=lambda line: None)
        return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("submission", help="time one submission (and normal mode)")
    one.add_argument("assignments", nargs="*")
    one.add_argument("--full-data", type=Path, help="folder of full Keras-layout .npz files")
    many = commands.add_parser("class", help="time the class grading command")
    many.add_argument("assignment")
    many.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20])
    many.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    if args.command == "submission":
        for assignment in args.assignments or assignment_names():
            graded = time_one_submission(assignment)
            print(f"{assignment}: autograde one full solution: {graded:.1f} s", flush=True)
            if args.full_data:
                normal = time_normal_mode(assignment, args.full_data)
                print(f"{assignment}: master in normal mode on full data: {normal:.1f} s "
                      f"({normal / graded:.1f}x the grading time)", flush=True)
    else:
        base = {}
        for size in args.sizes:
            for workers in args.workers:
                seconds = time_class(args.assignment, size, workers)
                base.setdefault(size, seconds)
                print(f"{args.assignment}: {size:3d} submissions, {workers} worker(s): {seconds:7.1f} s, "
                      f"{seconds / size:5.1f} s per submission, speed-up {base[size] / seconds:.2f}x",
                      flush=True)


if __name__ == "__main__":
    main()
