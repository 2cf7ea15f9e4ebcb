"""``python -m autograder.item_analysis mnist``: rebuild the item analysis and the Checks and
Regrades sections of the class report, without grading. Arguments only: the analysis is
coordinator/item_analysis.py's and coordinator/regrades.py's."""

import argparse
import sys
from pathlib import Path

from autograder.coordinator.item_analysis import item_analysis
from autograder.coordinator.regrades import rebuild_section


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.item_analysis",
        description="Rebuild, without grading, the item analysis (reports/<assignment>/checks.csv, checks.png) "
                    "and the Checks and Regrades sections of report.html from the autograded notebooks, the "
                    "gradebook and the last regrade.csv.")
    parser.add_argument("assignment")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course folder (default: here)")
    args = parser.parse_args(argv)
    outcome = item_analysis(args.course, args.assignment)
    rebuild_section(args.course.resolve(), args.assignment)
    review = sum(1 for item in outcome.checks if item.discrimination is not None and item.discrimination < 0)
    print(f"{args.assignment}: {len(outcome.checks)} checks, {review} marked for review: {outcome.csv}, "
          f"{outcome.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
