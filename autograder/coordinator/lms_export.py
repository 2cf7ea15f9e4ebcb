"""Grade files an LMS imports: ``python -m autograder.lms_export mnist --to canvas ...``.

Reads one assignment's grades out of the course gradebook (the one the class command, the
formgrader and ``nbgrader export`` use) and writes the CSV file that Canvas's Gradebook
import or Moodle's "Import grades > CSV file" reads. Students are found in the roster the
LMS itself exports, by the column that holds the nbgrader student id (``--match``).
Nothing is uploaded: the instructor imports the file.

- Canvas: ``Student,ID,SIS User ID,SIS Login ID,Section,<Assignment name> (<assignment id>)``,
  then the ``Points Possible`` row (the nbgrader assignment's maximum, manual points
  included, also with ``--autograded-only``), then one row per roster student (the roster is the
  Gradebook CSV exported from Canvas; its ``Points Possible`` row and any other row without
  a Canvas ID, such as newer exports' manual-posting row, are not students).
- Moodle: the ``--match`` column (named as in the roster), the grade column, and its
  feedback column holding a one-line summary; one row per roster student with an id (the
  roster is Moodle's own grade export: ``First name``, ``Last name``, ``ID number``, ...).

The grade column is ``--column`` if given, else the roster's own column for the assignment
(Canvas: a ``<name> (<id>)`` column, Moodle: a ``<name> (Real)`` one, whose name is the
nbgrader assignment's or starts with it, case, spaces, ``_`` and ``-`` aside), else the
nbgrader assignment's name (Canvas then creates a new assignment; the command says so).

Points: nbgrader's total after manual grading, the late penalty subtracted exactly as
``nbgrader export`` subtracts it (``max(0, score - penalty)``), or with ``--autograded-only``
the autograder's own points (its auto scores, not the hand-graded ones) less the penalty;
rounded to 2 decimals. A roster student with no submission gets an empty cell
(``--missing-as-zero``: 0). Nothing is dropped silently: graded students that match no
roster row, and ids that several roster rows share, are listed, and the command writes
nothing and exits 1 unless ``--skip-unmatched`` (then they are left out of the file, still
listed). Files are UTF-8 with a byte-order mark, which Excel needs to show non-ASCII names
and both LMSs strip on import.

Exit status: 0 written; 1 students listed that the file cannot carry, nothing written;
2 a roster, gradebook or option it cannot use, nothing written.
"""

import csv
import io
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry, TaskCell

from autograder.coordinator.course import course_db_url
from autograder.settings import DB_URL_ENV

LMSES = ("canvas", "moodle")
DEFAULT_MATCH = {"canvas": "SIS Login ID", "moodle": "ID number"}
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
MOODLE_NAME_COLUMNS = ("First name", "Last name")
# An assignment's column in each LMS's own export: Canvas "MNIST (120001)", Moodle
# "Assignment: MNIST (Real)" (the module's name, then the item's, then the display type).
ITEM_COLUMN = {"canvas": re.compile(r"(?P<name>.+) \((?P<id>\d+)\)"),
               "moodle": re.compile(r"(?:[^:]+: )?(?P<name>.+) \(Real\)")}
ENCODING = "utf-8-sig"  # UTF-8 with the BOM Excel needs; Canvas and Moodle strip it on import
DELIMITERS = ",\t;"  # what a roster may be separated by (Moodle's plain-text export offers all)
NO_SUBMISSION = "no submission"


class ExportError(Exception):
    """A roster, gradebook or option the export cannot work with; the message says why."""


@dataclass
class StudentGrade:
    """One student's submission of the assignment, in points.

    tests: the autograded tests' points as they stand (a grader's override counts);
    manual: the answers and tasks graded by hand (0 while ungraded, as nbgrader counts them);
    auto: the autograder's own points (every cell's auto score); penalty: nbgrader's late
    submission penalty; total: nbgrader's score (with manual grades and extra credit) less
    the penalty, never below 0, as ``nbgrader export`` writes it.
    """

    student: str
    total: float
    auto: float
    penalty: float
    tests: float
    tests_max: float
    manual: float
    manual_max: float
    ungraded: int

    def points(self, autograded_only: bool) -> float:
        """The points that go to the LMS."""
        return max(0.0, self.auto - self.penalty) if autograded_only else self.total

    def summary(self, autograded_only: bool) -> str:
        """One line for the LMS's feedback: "autograded 35/40, manual 3/3, late penalty -2"
        ("autograded only: 35/40, late penalty -2" without the manual grades)."""
        if autograded_only:
            parts = [f"autograded only: {_points(self.auto)}/{_points(self.tests_max)}"]
        else:
            parts = [f"autograded {_points(self.tests)}/{_points(self.tests_max)}"]
            if self.manual_max:
                waiting = f" ({_answers(self.ungraded)} not graded yet)" if self.ungraded else ""
                parts.append(f"manual {_points(self.manual)}/{_points(self.manual_max)}{waiting}")
        if self.penalty:
            parts.append(f"late penalty -{_points(self.penalty)}")
        return ", ".join(parts)


@dataclass
class Roster:
    """An LMS's export: its header and its rows (column -> cell), in file order."""

    header: list[str]
    rows: list[dict[str, str]]


@dataclass
class Matching:
    """Roster rows and submissions, paired by the match column.

    rows: every roster row not in ``duplicates``, in roster order, with its student's grade
    (None: no submission, or no id); unmatched: graded students in no roster row;
    duplicates: id -> the roster rows sharing it; ambiguous: graded students whose id is one
    of those; no_id: roster rows with an empty id.
    """

    rows: list[tuple[dict[str, str], StudentGrade | None]]
    unmatched: list[StudentGrade]
    duplicates: dict[str, list[dict[str, str]]]
    ambiguous: list[StudentGrade]
    no_id: list[dict[str, str]]


@dataclass
class Export:
    """What the command writes (``table``, header first) and what it has to say."""

    table: list[list[str]]
    matching: Matching
    column: str
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        """Students the file cannot carry: unmatched submissions, shared ids."""
        return bool(self.matching.unmatched or self.matching.duplicates)


def read_grades(db_url: str, assignment: str) -> tuple[float, dict[str, StudentGrade]]:
    """The assignment's maximum score and every submission's grade, by student id."""
    with Gradebook(db_url) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise ExportError(f"the gradebook has no assignment {assignment!r}: grade it first "
                              f"(python -m autograder.grade_class {assignment})") from None
        return found.max_score, {s.student.id: _student_grade(s) for s in found.submissions}


def _student_grade(submission) -> StudentGrade:
    """A gradebook submission's points, split as ``StudentGrade`` says."""
    tests = tests_max = manual = manual_max = auto = 0.0
    ungraded = 0
    for notebook in submission.notebooks:
        answers = {cell.name for cell in notebook.notebook.solution_cells}  # graded by hand
        for grade in notebook.grades:
            auto += grade.auto_score or 0.0
            if isinstance(grade.cell, TaskCell) or grade.cell.name in answers:
                manual += grade.score
                manual_max += grade.max_score
                ungraded += grade.manual_score is None and grade.auto_score is None
            else:
                tests += grade.score
                tests_max += grade.max_score
    penalty = submission.late_submission_penalty or 0.0
    return StudentGrade(submission.student.id, total=max(0.0, submission.score - penalty), auto=auto,
                        penalty=penalty, tests=tests, tests_max=tests_max, manual=manual,
                        manual_max=manual_max, ungraded=ungraded)


def read_roster(path: Path) -> Roster:
    """An LMS's CSV export (UTF-8, with or without a BOM; comma, tab or semicolon separated)."""
    try:
        text = path.read_text(encoding=ENCODING)
    except FileNotFoundError:
        raise ExportError(f"no roster file {path}") from None
    except UnicodeDecodeError:
        raise ExportError(f"{path} is not UTF-8: export the roster again as UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)  # a tie (none at all) keeps the comma
    lines = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
             if any(cell.strip() for cell in row)]
    if not lines:
        raise ExportError(f"{path} is empty")
    header = [name.strip() for name in lines[0]]
    return Roster(header, [dict(zip(header, row + [""] * (len(header) - len(row)))) for row in lines[1:]])


def canvas_students(roster: Roster) -> list[dict[str, str]]:
    """The student rows of a Canvas Gradebook export: not its ``Points Possible`` row, nor
    any other row without a Canvas ID (newer exports' manual-posting row)."""
    for column in ("Student", "ID"):
        if column not in roster.header:
            raise ExportError(f"the roster is not a Canvas Gradebook export: it has no {column!r} column")
    return [row for row in roster.rows
            if row["Student"].strip() != POINTS_POSSIBLE and row["ID"].strip()]


def match_roster(rows: list[dict[str, str]], column: str, grades: dict[str, StudentGrade]) -> Matching:
    """Pair roster rows with submissions where the row's ``column`` is the student id."""
    by_id = defaultdict(list)
    for row in rows:
        by_id[row[column].strip()].append(row)
    no_id = by_id.pop("", [])
    duplicates = {key: shared for key, shared in by_id.items() if len(shared) > 1}
    paired = [(row, grades.get(row[column].strip())) for row in rows
              if row[column].strip() not in duplicates]
    unmatched = [grade for student, grade in sorted(grades.items()) if student not in by_id]
    ambiguous = [grades[key] for key in duplicates if key in grades]
    return Matching(paired, unmatched, duplicates, ambiguous, no_id)


def find_item_columns(header: list[str], assignment: str, lms: str) -> list[str]:
    """The roster's columns that could be the assignment's: an item column (see
    ``ITEM_COLUMN``) named as the assignment, or else whose name starts with it."""
    items = {name: found["name"] for name in header if (found := ITEM_COLUMN[lms].fullmatch(name))}
    wanted = _words(assignment)
    same = [name for name, item in items.items() if _words(item) == wanted]
    return same or [name for name, item in items.items()
                    if re.match(re.escape(wanted) + r"\b", _words(item))]


def item_column(header: list[str], assignment: str, lms: str, column: str | None) -> tuple[str, str]:
    """The grade column's header, and a sentence saying where it comes from."""
    if column:
        return column, f"grades go to column {column!r} (--column)"
    found = find_item_columns(header, assignment, lms)
    if len(found) > 1:
        raise ExportError(f"several roster columns could be {assignment!r}: "
                          f"{', '.join(map(repr, found))}; name one with --column")
    if found:
        return found[0], f"grades go to the roster's column {found[0]!r}"
    if lms == "canvas":
        return assignment, (f"the roster has no column for {assignment!r} (a 'Name (id)' column): the file's "
                            f"column is {assignment!r}, without a Canvas id, which Canvas imports as a NEW "
                            f"assignment; to grade an existing one, pass its column as --column 'Name (id)'")
    return assignment, (f"the roster has no '{assignment} (Real)' column: the file's grade column is "
                        f"{assignment!r}; map it to the grade item when importing")


def canvas_table(matching: Matching, column: str, max_score: float, cell) -> list[list[str]]:
    """The Canvas import file: header, ``Points Possible`` row, one row per roster student."""
    table = [[*CANVAS_COLUMNS, column], [POINTS_POSSIBLE, "", "", "", "", _points(max_score)]]
    table += [[row.get(name, "") for name in CANVAS_COLUMNS] + [cell(grade)] for row, grade in matching.rows]
    return table


def moodle_table(matching: Matching, match: str, column: str, cell, summary) -> list[list[str]]:
    """The Moodle import file: identity, grade and feedback columns, one row per roster
    student with an id (Moodle stops the whole import at a row without one)."""
    table = [[match, column, feedback_column(column)]]
    table += [[row[match], cell(grade), summary(grade)] for row, grade in matching.rows if row[match].strip()]
    return table


def feedback_column(column: str) -> str:
    """The feedback column beside a grade column, as Moodle's own export names it:
    "Assignment: MNIST (Real)" -> "Assignment: MNIST (Feedback)", "mnist" -> "mnist (Feedback)"."""
    return f"{column.removesuffix(' (Real)')} (Feedback)"


def export(course: Path, assignment: str, lms: str, roster_path: Path, *, match: str | None = None,
           column: str | None = None, autograded_only: bool = False,
           missing_as_zero: bool = False) -> Export:
    """The grade file for ``lms`` of ``assignment`` in ``course``, matched against the roster.

    Raises ExportError for a roster, gradebook or option it cannot use.
    """
    max_score, grades = read_grades(gradebook_url(course), assignment)
    roster = read_roster(roster_path)
    rows = canvas_students(roster) if lms == "canvas" else roster.rows
    match = match or DEFAULT_MATCH[lms]
    if match not in roster.header:
        raise ExportError(f"the roster has no column {match!r} (--match) to find nbgrader's student ids in; "
                          f"its columns: {', '.join(roster.header)}")
    column, where = item_column(roster.header, assignment, lms, column)
    matching = match_roster(rows, match, grades)

    def cell(grade):
        if grade is None:
            return "0" if missing_as_zero else ""
        return _points(grade.points(autograded_only))

    def summary(grade):
        return NO_SUBMISSION if grade is None else grade.summary(autograded_only)

    table = (canvas_table(matching, column, max_score, cell) if lms == "canvas"
             else moodle_table(matching, match, column, cell, summary))
    notes = [where]
    if lms == "canvas":
        notes += _points_possible_differ(roster, column, max_score)
    ungraded = [g.student for row, g in matching.rows if g and g.ungraded]
    if ungraded and not autograded_only:
        notes.append(f"{len(ungraded)} student(s) have answers not graded by hand yet, counted 0: "
                     f"{', '.join(ungraded)}")
    return Export(table, matching, column, notes)


def _points_possible_differ(roster: Roster, column: str, max_score: float) -> list[str]:
    """A warning when the roster's ``Points Possible`` for the column is not the assignment's maximum."""
    for row in roster.rows:
        if row.get("Student", "").strip() == POINTS_POSSIBLE:
            try:
                possible = float(row.get(column, ""))
            except ValueError:
                return []
            if _points(possible) != _points(max_score):
                return [f"warning: {column!r} has {_points(possible)} points possible in Canvas, the nbgrader "
                        f"assignment {_points(max_score)}: check the assignment's points in Canvas"]
    return []


def gradebook_url(course: Path) -> str:
    """The course gradebook: NBGRADER_DB_URL, else the course's gradebook.db, which must exist
    (opening a missing SQLite file would create an empty gradebook)."""
    if DB_URL_ENV not in os.environ and not (course / "gradebook.db").is_file():
        raise ExportError(f"no gradebook.db in {course}: run from the course folder or pass --course "
                          f"(or set {DB_URL_ENV} for a server gradebook)")
    return course_db_url(course)


def write_table(path: Path, table: list[list[str]]) -> None:
    """Write the rows as CSV, UTF-8 with a BOM."""
    with open(path, "w", newline="", encoding=ENCODING) as out:
        csv.writer(out).writerows(table)


def report(result: Export, lms: str, match: str, autograded_only: bool, missing_as_zero: bool,
           out=None, err=None) -> None:
    """Say what goes into the file (on ``out``, default stdout) and list every student it
    cannot carry (on ``err``, default stderr)."""
    out, err = out or sys.stdout, err or sys.stderr
    matching = result.matching
    graded = [grade for _, grade in matching.rows if grade]
    missing = [row for row, grade in matching.rows if grade is None and row[match].strip()]
    empty = "0" if missing_as_zero else "an empty cell"
    print(f"{len(matching.rows) + sum(map(len, matching.duplicates.values()))} roster students: "
          f"{len(graded)} graded ({'autograded points only' if autograded_only else 'total after manual grading'}, "
          f"late penalty included), {len(missing)} without a submission ({empty})", file=out)
    for note in result.notes:
        print(note, file=out)
    if missing:
        print(f"without a submission: {'; '.join(_name(row, match) for row in missing)}", file=out)
    if matching.no_id:
        fate = "left out of the file (Moodle refuses a row without one)" if lms == "moodle" else empty
        print(f"roster rows with no {match!r}, {fate}: "
              f"{'; '.join(_name(row, match) for row in matching.no_id)}", file=out)
    for grade in matching.unmatched:
        print(f"unmatched: graded student {grade.student!r} ({_points(grade.points(autograded_only))} points) "
              f"is in no roster row's {match!r}{_hint(grade.student, matching, match)}", file=err)
    ambiguous = {grade.student: grade for grade in matching.ambiguous}
    for key, rows in matching.duplicates.items():
        graded_as = (f", and graded student {key!r} ({_points(ambiguous[key].points(autograded_only))} points) "
                     f"could be any of them" if key in ambiguous else "")
        print(f"duplicate: {len(rows)} roster rows have {match!r} {key!r}: "
              f"{'; '.join(_name(row, match) for row in rows)}{graded_as}", file=err)


def _points(value: float) -> str:
    """Points as the LMSs read them: 2 decimals at most, no trailing zeros ("36", "33.33")."""
    return f"{round(value, 2) + 0.0:.2f}".rstrip("0").rstrip(".")


def _answers(count: int) -> str:
    return f"{count} answer{'s' if count != 1 else ''}"


def _words(text: str) -> str:
    """A name compared loosely: case, runs of spaces, ``_`` and ``-`` aside."""
    return re.sub(r"[\s_-]+", " ", text).strip().casefold()


def _name(row: dict[str, str], match: str) -> str:
    """How a roster row is listed: Canvas's Student, Moodle's first and last name, else its id."""
    name = row.get("Student") or " ".join(row.get(c, "") for c in MOODLE_NAME_COLUMNS).strip()
    key = row.get(match, "").strip()
    return f"{name} ({key})" if name and key else name or key or "(a row without a name)"


def _hint(student: str, matching: Matching, match: str) -> str:
    """Why a student may be missing: another letter case, or the id in another column."""
    rows = [row for row, _ in matching.rows] + matching.no_id
    for row in rows:
        if row[match].strip().casefold() == student.casefold():
            return f"; the roster has {row[match].strip()!r} (letter case differs)"
    for row in rows:
        for column, value in row.items():
            if column != match and value.strip() == student:
                return f"; it is in the roster's {column!r} column (--match {column!r}?)"
    return ""
