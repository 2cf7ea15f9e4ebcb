"""The command line of the similarity report:

    python -m autograder.similarity mnist [--course DIR] [--threshold 0.8]
    python -m autograder.similarity --benchmark [--sizes 100 300 1000]
"""

import argparse
import sys
from pathlib import Path

from autograder.similarity.report import similarity_report
from autograder.similarity.settings import course_settings
from autograder.similarity.synthetic import benchmark


def main(argv=None) -> int:
    """Run the command line (``argv``: default, the process's arguments); the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.similarity",
        description="Similarity report: pairs of students whose answers match, beyond the release "
                    "(reports/<assignment>/similarity.csv and .html).")
    parser.add_argument("assignment", nargs="?")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course folder (default: here)")
    parser.add_argument("--threshold", type=float,
                        help="flag pairs at or above this score (default: SimilarityReport.threshold "
                             "in nbgrader_config.py, else 0.8)")
    parser.add_argument("--benchmark", action="store_true",
                        help="time the report on synthetic classes instead (--sizes)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--workers", type=int, default=2,
                        help="processes that read and fingerprint the notebooks (default 2)")
    args = parser.parse_args(argv)
    if args.benchmark:
        benchmark(args.sizes, args.assignment or "mnist", workers=args.workers)
        return 0
    if not args.assignment:
        parser.error("name an assignment (or --benchmark)")
    settings = course_settings(args.course.resolve(), threshold=args.threshold)
    outcome = similarity_report(args.course, args.assignment, settings=settings, workers=args.workers)
    for student, notes in sorted(outcome.notes.items())[:20]:
        print(f"{student}: {'; '.join(notes)}")
    if len(outcome.notes) > 20:
        print(f"... and {len(outcome.notes) - 20} more students with notebooks missing or unreadable")
    print(f"{args.assignment}: {len(outcome.pairs)} pair(s) of {outcome.students} students at or above "
          f"{settings.threshold:g} in {outcome.seconds:.1f} s: {outcome.csv}, {outcome.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
