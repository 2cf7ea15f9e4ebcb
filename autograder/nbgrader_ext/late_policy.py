"""Deadlines, extensions and late work, inside nbgrader's model (README, "Deadlines,
extensions and late work").

- The due date of an assignment is nbgrader's ``Assignment.duedate`` in the gradebook. It is
  set from ``c.CourseLatePolicy.due_dates`` in ``nbgrader_config.py`` (nbgrader 0.9 has no
  option of its own for it), or with ``nbgrader db assignment add <a> --duedate=...``.
- Extensions are nbgrader's ``SubmittedAssignment.extension``, set from the course's
  ``extensions.csv`` (``read_extensions``): an extension moves that student's due date.
- The late policy is ``CourseLatePolicy``, nbgrader's ``LateSubmissionPlugin`` hook: a grace
  period, a fraction of the score per started hour or day, a cap, "not accepted after N days".
- ``CourseLatePenalties`` (nbgrader's ``AssignLatePenalties`` in the autograde pipeline)
  writes the due date and the student's extension into the gradebook, takes the submission
  time from the file's modification time where nbgrader found no ``timestamp.txt``, then
  lets nbgrader compute the penalty with the plugin: plain ``nbgrader autograde`` and the
  class command apply the same policy.
- ``CourseCollect`` (``nbgrader collect``) picks which of several submissions counts
  (``CourseLatePolicy.counted_submission``), under each student's own due date.
- ``LateNote`` puts due date, submission time and penalty at the top of the feedback page.

Nothing here runs on import.
"""

import csv
import datetime
import math
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import AssignLatePenalties, NbGraderPreprocessor
from nbgrader.utils import parse_utc
from traitlets import Bool, Dict, Enum, Float, Type, Unicode

TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's: written by `nbgrader submit`, kept by collect
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"  # how this module writes one (always UTC)
# Where a submission time came from (state.json, results.csv, the report)
FROM_TIMESTAMP, FROM_LMS, FROM_MTIME, UNKNOWN = "timestamp.txt", "LMS download", "file modification time", "unknown"


class CourseLatePolicy(LateSubmissionPlugin):
    """The course's late policy, as nbgrader's late-submission plugin. Lateness is counted
    from the student's due date (the assignment's, moved by their extension)."""

    due_dates = Dict(value_trait=Unicode(), key_trait=Unicode(), help=(
        "Due date of each assignment: {'mnist': '2026-11-20 23:59 Europe/Berlin'}. Written into "
        "the gradebook (Assignment.duedate) when an assignment is autograded; an assignment "
        "not named keeps the gradebook's (nbgrader db assignment add --duedate), or has none.")).tag(config=True)
    extensions_file = Unicode("extensions.csv", help=(
        "Per-student extensions, relative to the course folder: CSV with the columns student, "
        "assignment, and due (a new due date) or hours (extra hours).")).tag(config=True)
    grace_minutes = Float(0.0, help="Minutes after the due date still counted on time.").tag(config=True)
    penalty_per_unit = Float(0.0, help="Fraction of the score taken per started unit late (0.1: 10 %).").tag(config=True)
    unit = Enum(["hour", "day"], "day", help="The unit of penalty_per_unit.").tag(config=True)
    max_penalty = Float(1.0, help="The largest fraction of the score taken (a cap).").tag(config=True)
    reject_after_days = Float(None, allow_none=True, help=(
        "Days after the due date from which a submission is not accepted: it scores zero. "
        "None: always accepted.")).tag(config=True)
    lms_timezone = Unicode("UTC", help=(
        "The zone of the times of an LMS zip's entries (local times, without a zone).")).tag(config=True)
    counted_submission = Enum(["latest", "latest_on_time"], "latest", help=(
        "Which of several submissions nbgrader collect takes: 'latest' (with its penalty) or "
        "'latest_on_time' (the latest before the student's due date, else the latest).")).tag(config=True)

    def penalty_fraction(self, seconds_late: float) -> float:
        """The fraction of the score taken for a submission ``seconds_late`` after its due date."""
        if seconds_late <= self.grace_minutes * 60:
            return 0.0
        if self.reject_after_days is not None and seconds_late > self.reject_after_days * 86400:
            return 1.0
        units = math.ceil(seconds_late / (3600 if self.unit == "hour" else 86400))
        return min(self.max_penalty, units * self.penalty_per_unit, 1.0)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        """nbgrader's hook: the points taken from a notebook's ``score``."""
        fraction = self.penalty_fraction(total_seconds_late)
        self.log.info("%s: %.0f s late, penalty %.0f %% of %s", student_id, total_seconds_late, 100 * fraction, score)
        return fraction * score if fraction else None

    def due_date(self, assignment: str) -> datetime.datetime | None:
        """The due date ``due_dates`` gives ``assignment`` (naive UTC, as nbgrader stores it), or None."""
        text = self.due_dates.get(assignment)
        return parse_utc(text) if text else None


def read_extensions(path: Path, assignment: str, due: datetime.datetime | None) -> tuple[dict, list[str]]:
    """The extensions of ``assignment`` in the CSV at ``path``: student -> timedelta, and the
    problems found (a row that cannot be read, an extension without a due date)."""
    extensions, problems = {}, []
    if not path.is_file():
        return extensions, problems
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            row = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
            if row.get("assignment") != assignment or not row.get("student"):
                continue
            try:
                if row.get("due"):
                    if due is None:
                        raise ValueError("the assignment has no due date to move")
                    extension = parse_utc(row["due"]) - due
                else:
                    extension = datetime.timedelta(hours=float(row["hours"]))
            except (KeyError, ValueError, OverflowError) as error:
                problems.append(f"{path.name} line {number}: {error}; ignored")
                continue
            extensions[row["student"]] = extension
    return extensions, problems


def apply_deadlines(gradebook: Gradebook, policy: CourseLatePolicy, assignment: str, student: str,
                    course: Path) -> None:
    """Write the configured due date and ``student``'s extension into ``gradebook`` (the
    submission must exist); an extension removed from the file is removed here too."""
    record = gradebook.find_assignment(assignment)
    if policy.due_date(assignment) is not None:
        record.duedate = policy.due_date(assignment)
    extensions, _ = read_extensions(course / policy.extensions_file, assignment, record.duedate)
    submission = gradebook.find_submission(assignment, student)
    extension = extensions.get(student)
    submission.extension = extension if record.duedate is not None and extension else None
    gradebook.db.commit()


@dataclass
class SubmissionTime:
    """When a submission was handed in (naive UTC), where that was read, and why it is
    unknown when it is (``at`` None: graded without a late penalty)."""

    at: datetime.datetime | None
    source: str
    problem: str | None = None

    def text(self) -> str | None:
        """The time as a ``timestamp.txt`` holds it, or None."""
        return self.at.strftime(TIMESTAMP_FORMAT) if self.at else None


def submission_time(folder: Path, lms_times: dict | None = None) -> SubmissionTime:
    """The submission time of a submitted folder: its ``timestamp.txt`` (nbgrader submit and
    collect, or the LMS download's entry time, which ``lms_times`` names: timestamp text ->
    description of its source), else the newest notebook's modification time."""
    stamp = folder / TIMESTAMP_FILE
    if stamp.is_file():
        try:
            text = stamp.read_text().strip()
            at = parse_utc(text)
        except (OSError, UnicodeDecodeError, ValueError, OverflowError) as error:
            return SubmissionTime(None, FROM_TIMESTAMP, f"{TIMESTAMP_FILE} unreadable ({error})")
        if at is None or not text:
            return SubmissionTime(None, FROM_TIMESTAMP, f"{TIMESTAMP_FILE} is empty")
        return SubmissionTime(at, (lms_times or {}).get(text, FROM_TIMESTAMP))
    notebooks = [path for path in folder.glob("*.ipynb") if path.is_file()]
    if not notebooks:
        return SubmissionTime(None, UNKNOWN, "no notebook to take a modification time from")
    newest = max(path.stat().st_mtime for path in notebooks)
    return SubmissionTime(datetime.datetime.fromtimestamp(newest, datetime.timezone.utc).replace(tzinfo=None),
                          FROM_MTIME)


def recorded_time(found: SubmissionTime, has_due_date: bool) -> datetime.datetime | None:
    """The time nbgrader records for a submission: the one ``timestamp.txt`` or the LMS gives;
    a file's modification time only where there is a due date to be late for. Elsewhere none,
    as nbgrader records for any submission without ``timestamp.txt``, so that the formgrader
    still counts the student as autograded (it compares that time with ``timestamp.txt``)."""
    return None if found.source == FROM_MTIME and not has_due_date else found.at


def zip_entry_time(date_time: tuple, timezone: str) -> str:
    """A zip entry's time (local, in ``timezone``) as a ``timestamp.txt`` line in UTC."""
    local = datetime.datetime(*date_time, tzinfo=_zone(timezone))
    return local.astimezone(datetime.timezone.utc).strftime(TIMESTAMP_FORMAT)


def _zone(name: str):
    import dateutil.tz
    return dateutil.tz.gettz(name) or datetime.timezone.utc


class CourseLatePenalties(AssignLatePenalties):
    """nbgrader's AssignLatePenalties with the course's deadlines: the due date and the
    student's extension are written into the gradebook first, and a submission without a
    ``timestamp.txt`` gets its notebook's modification time (``mtime_fallback``) where the
    assignment has a due date (without one nbgrader records no time, as it does itself)."""

    plugin_class = Type(CourseLatePolicy, klass=LateSubmissionPlugin,
                        help="The late policy (its options: CourseLatePolicy.*).").tag(config=True)
    mtime_fallback = Bool(True, help=(
        "Take the submitted notebook's modification time where there is no timestamp.txt "
        "(the class command passes False: it decides the time itself).")).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        policy = CourseLatePolicy(config=self.config)
        with Gradebook(info["db_url"]) as gradebook:
            apply_deadlines(gradebook, policy, info["assignment"], info["student"], Path(coursedir.root))
            submission = gradebook.find_submission(info["assignment"], info["student"])
            folder = Path(coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"]))
            if self.mtime_fallback and not (folder / TIMESTAMP_FILE).exists():  # the files graded now
                found = submission_time(folder)
                at = recorded_time(found, submission.assignment.duedate is not None)
                if at is not None:
                    self.log.info("%s: no %s, submitted at %s by the %s", info["student"], TIMESTAMP_FILE,
                                  at, found.source)
                    submission.timestamp = at
                    gradebook.db.commit()
        return super().preprocess(nb, resources)


class LateNote(NbGraderPreprocessor):
    """Feedback: a first cell with the due date (and extension), the submission time, the
    hours late and the penalty of this notebook; none for an assignment without a due date."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            try:
                late = lateness(gradebook, info["assignment"], info["student"], info["notebook"])
            except MissingEntry:
                return nb, resources
        if late["due"]:  # without a due date there is no lateness to tell
            nb.cells.insert(0, new_markdown_cell(late_note(late)))
        return nb, resources


def lateness(gradebook: Gradebook, assignment: str, student: str, notebook: str | None = None) -> dict:
    """The facts of a student's submission: submitted_at, due (with the extension), extension
    (hours), hours_late, penalty, score before and after the penalty (one notebook's, or all)."""
    submission = gradebook.find_submission(assignment, student)
    notebooks = [nb for nb in submission.notebooks if notebook is None or nb.name == notebook]
    before = sum(nb.score for nb in notebooks)
    penalty = sum(nb.late_submission_penalty or 0.0 for nb in notebooks)
    due = submission.assignment.duedate
    extension = submission.extension if due is not None else None
    return {"submitted_at": submission.timestamp, "due": due + extension if extension else due,
            "extension_hours": round(extension.total_seconds() / 3600, 2) if extension else 0.0,
            "hours_late": round(submission.total_seconds_late / 3600, 2) if due else 0.0,
            "penalty": round(penalty, 2), "score_before": round(before, 2), "score_after": round(before - penalty, 2)}


def late_facts(db_url: str, assignment: str, student: str, source: str | None = None) -> dict | None:
    """``lateness`` of a student's whole submission in the gradebook at ``db_url``, with
    where its time came from (``source``); None without a submission."""
    with Gradebook(db_url) as gradebook:
        try:
            return {**lateness(gradebook, assignment, student), "time_source": source or ""}
        except MissingEntry:
            return None


def set_due_date(db_url: str, assignment: str, policy: CourseLatePolicy,
                 due: datetime.datetime | None = None) -> datetime.datetime | None:
    """Write ``due``, else the policy's due date if it names one, as ``assignment``'s due date
    in the gradebook at ``db_url``; returns the gradebook's due date then."""
    with Gradebook(db_url) as gradebook:
        record = gradebook.find_assignment(assignment)
        if (due or policy.due_date(assignment)) is not None:
            record.duedate = due or policy.due_date(assignment)
            gradebook.db.commit()
        return record.duedate


def recorded_due_date(db_url: str, assignment: str) -> datetime.datetime | None:
    """``assignment``'s due date in the gradebook at ``db_url`` (set by an earlier run or in the
    Formgrader); None where it has none, or the gradebook does not know the assignment. A
    gradebook that does not exist yet (no SQLite file, or no tables on the server) is not
    created here: nbgrader creates it, with the course's release."""
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        return None
    engine = sqlalchemy.create_engine(db_url)
    try:
        if not sqlalchemy.inspect(engine).has_table("alembic_version"):  # what nbgrader makes last
            return None
    finally:
        engine.dispose()
    with Gradebook(db_url) as gradebook:
        try:
            return gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def late_note(late: dict) -> str:
    """The feedback page's line about deadlines."""
    due = f"{late['due']:%Y-%m-%d %H:%M} UTC" if late["due"] else "no due date"
    if late["extension_hours"]:
        due += f" (with an extension of {late['extension_hours']:g} h)"
    submitted = f"{late['submitted_at']:%Y-%m-%d %H:%M} UTC" if late["submitted_at"] else "unknown (no late penalty)"
    note = f"**Due:** {due}. **Submitted:** {submitted}."
    if late["hours_late"]:
        note += f" **Late by** {late['hours_late']:g} h."
    return note + f" **Late penalty:** {late['penalty']:g} points."


class CourseCollect(ExchangeCollect):
    """``nbgrader collect`` choosing, among a student's submissions in the exchange, the one
    ``CourseLatePolicy.counted_submission`` names, under the student's own due date (the
    assignment's, moved by their extension); a submitted folder holding another one is replaced."""

    def init_src(self):
        super().init_src()
        policy = CourseLatePolicy(config=self.config)
        self.before_duedate = True  # copy_files then replaces a folder holding another submission
        if policy.counted_submission != "latest_on_time":
            return
        pattern = f"{self.coursedir.student_id or '*'}+{self.coursedir.assignment_id}+*"
        records = [self._path_to_record(path) for path in Path(self.inbound_path).glob(pattern)]
        due = policy.due_date(self.coursedir.assignment_id) or self.duedate
        extensions, _ = read_extensions(Path(self.coursedir.root) / policy.extensions_file,
                                        self.coursedir.assignment_id, due)
        chosen = {}
        for record in self._sort_by_timestamp(records):  # newest first
            own_due = due + extensions[record["username"]] if due and record["username"] in extensions else due
            best = chosen.get(record["username"])
            on_time = own_due is None or record["timestamp"] <= own_due
            if best is None or (on_time and not best[1]):
                chosen[record["username"]] = (record, on_time)
        self.src_records = [record for record, _ in chosen.values()]


def course_policy(course: Path) -> CourseLatePolicy:
    """The late policy configured in ``course``'s nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader
    return CourseLatePolicy(config=PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())

