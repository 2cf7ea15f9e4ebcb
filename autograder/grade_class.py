"""``python -m autograder.grade_class mnist``: autograde a class for one assignment, with
feedback and a report (README, "Instructor workflow"). Arguments only: the run is
coordinator/class_run.py's."""

import argparse
import sys
from pathlib import Path

from autograder.coordinator.class_run import grade_class
from autograder.nbgrader_ext.sandbox import SandboxUnavailable
from autograder.settings import CELL_CPU_LIMIT_ENV, CELL_CPU_LIMIT_S, KERNEL_MEMORY_MB, cell_cpu_limit
from autograder.worker.grade import Limits


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
    parser.add_argument("--no-replay", action="store_true",
                        help="compute every verdict, also where a student's code answers the judge exactly as "
                             "an earlier student's did (the grades are the same; for comparisons)")
    parser.add_argument("--unconfined", action="store_true",
                        help="run student code without the sandbox (not recommended: it warns on every kernel)")
    args = parser.parse_args(argv)
    if args.unconfined:
        print("WARNING: grading unconfined: student code runs with your account's full access", file=sys.stderr)
    limits = Limits(time_s=args.time_limit, cpu_limit_s=args.cpu_limit, memory_mb=args.memory_cap,
                    confine=not args.unconfined)
    try:
        grade_class(args.course, args.assignment, students=args.students, workers=args.workers,
                    regrade=args.regrade, lms=args.lms, limits=limits, scheduler=args.scheduler,
                    replay=not args.no_replay)
    except KeyboardInterrupt:
        return 130
    except SandboxUnavailable as refusal:
        print(f"grade_class: {refusal}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
