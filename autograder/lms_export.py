"""``python -m autograder.lms_export mnist --to canvas --roster FILE --output FILE``: the grade
file Canvas or Moodle imports (README, "Grades into the LMS"). Arguments only: the export is
coordinator/lms_export.py's."""

import argparse
import sys
from pathlib import Path

from autograder.coordinator.lms_export import (
    DEFAULT_MATCH, LMSES, ExportError, export, report, write_table,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.lms_export",
                                     description="Write the grade file Canvas or Moodle imports for one "
                                                 "assignment, from the course gradebook (nothing is uploaded).")
    parser.add_argument("assignment")
    parser.add_argument("--to", required=True, choices=LMSES, help="the LMS that imports the file")
    parser.add_argument("--roster", required=True, type=Path, metavar="FILE",
                        help="the LMS's export: Canvas's Gradebook CSV, Moodle's grade export (plain text)")
    parser.add_argument("--output", required=True, type=Path, metavar="FILE", help="the file to write")
    parser.add_argument("--match", metavar="COLUMN",
                        help="the roster column holding the nbgrader student id (default: "
                             f"'{DEFAULT_MATCH['canvas']}' for Canvas, '{DEFAULT_MATCH['moodle']}' for Moodle)")
    parser.add_argument("--column", metavar="NAME",
                        help="the grade column's header, for Canvas 'Name (assignment id)' as in the roster "
                             "(default: the roster's column for the assignment, else its nbgrader name)")
    parser.add_argument("--course", type=Path, default=Path.cwd(), metavar="DIR",
                        help="course folder, with gradebook.db unless NBGRADER_DB_URL is set (default: here)")
    parser.add_argument("--autograded-only", action="store_true",
                        help="the autograder's points only, without manual grades (late penalty still applied)")
    parser.add_argument("--missing-as-zero", action="store_true",
                        help="0 for roster students without a submission (default: an empty cell)")
    parser.add_argument("--skip-unmatched", action="store_true",
                        help="write the file even when graded students match no roster row, or several: "
                             "they are listed and left out")
    args = parser.parse_args(argv)
    match = args.match or DEFAULT_MATCH[args.to]
    try:
        if args.output.resolve() == args.roster.resolve():
            raise ExportError("--output is the roster: write the grade file elsewhere")
        result = export(args.course, args.assignment, args.to, args.roster, match=match, column=args.column,
                        autograded_only=args.autograded_only, missing_as_zero=args.missing_as_zero)
    except ExportError as error:
        print(f"lms_export: {error}", file=sys.stderr)
        return 2
    report(result, args.to, match, args.autograded_only, args.missing_as_zero)
    if result.problems and not args.skip_unmatched:
        print(f"lms_export: nothing written: the students above cannot be placed in the {args.to} file; "
              f"fix the roster or --match, or rerun with --skip-unmatched to write it without them",
              file=sys.stderr)
        return 1
    try:
        write_table(args.output, result.table)
    except OSError as error:
        print(f"lms_export: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    left_out = len(result.matching.unmatched) + sum(map(len, result.matching.duplicates.values()))
    print(f"wrote {args.output}{f', without the {left_out} listed above' if left_out else ''}; "
          f"import it in {'Canvas: Grades > Import' if args.to == 'canvas' else 'Moodle: Grades > Import > CSV file'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
