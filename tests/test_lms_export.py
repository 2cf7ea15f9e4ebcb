"""Grade files the LMS imports (autograder/coordinator/lms_export.py).

A gradebook is written with nbgrader's own API (what the class command and the formgrader
write: auto scores, manual scores, a late penalty), the rosters are each LMS's export as
the instructor downloads it (tests/fixtures/lms/: Canvas's Gradebook CSV, classic and with
the newer manual-posting row; Moodle's plain-text grade export), and every file the command
writes is parsed back and compared cell by cell.
"""

import codecs
import csv
import shutil
import warnings
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin
from sqlalchemy.exc import SAWarning

from autograder.coordinator.course import db_url
from autograder.coordinator.lms_export import read_grades
from autograder.lms_export import main
from autograder.worker.nbgrader_cli import nbgrader_env

FIXTURES = Path(__file__).parent / "fixtures" / "lms"
CANVAS_ROSTER = FIXTURES / "canvas_gradebook_export.csv"
CANVAS_ROSTER_MANUAL_POSTING = FIXTURES / "canvas_gradebook_export_manual_posting.csv"
MOODLE_ROSTER = FIXTURES / "moodle_grade_export.csv"

ASSIGNMENT = NOTEBOOK = "mnist"
CELLS = {"test_data": ("code", 10.0), "test_model": ("code", 30.0), "explain": ("markdown", 3.0)}
ANSWERS = ("explain", "model")  # solution cells: "explain" is graded by hand, "model" is tested

CLASS = {  # student -> (auto scores, manual scores, late penalty); sobrien submitted nothing
    "jmuller": ({"test_data": 10, "test_model": 30}, {"explain": 3}, 0),  # full marks, one by hand
    "aoster": ({"test_data": 10, "test_model": 25}, {}, 0),  # written answer not graded yet
    "tnguyen": ({"test_data": 10, "test_model": 20}, {"explain": 2, "test_model": 24}, 0),  # a TA's override
    "xwang": ({"test_data": 10 / 3, "test_model": 20, "explain": 0}, {}, 0),  # a third of the checks, blank answer
    "zlefevre": ({"test_data": 10, "test_model": 30}, {"explain": 1.5}, 5),  # late
}

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "MNIST (120001)"]
CANVAS_FILE = [
    CANVAS_HEADER,
    ["Points Possible", "", "", "", "", "43"],
    ["Müller, Jürgen", "48213", "2024001", "jmuller", "DL 2025 – Gruppe A", "43"],
    ["Øster, Åsa", "48214", "2024002", "aoster", "DL 2025 – Gruppe A", "35"],
    ["Nguyễn, Thị Hương", "48215", "2024003", "tnguyen", "DL 2025 – Gruppe B", "36"],
    ["王, 小明", "48216", "2024004", "xwang", "DL 2025 – Gruppe B", "23.33"],
    ["O'Brien, Siobhán", "48217", "2024005", "sobrien", "DL 2025 – Gruppe A", ""],
    ["Lefèvre, Zoë", "48218", "2024006", "zlefevre", "DL 2025 – Gruppe B", "36.5"],
    ["Student, Test", "48299", "", "", "DL 2025 – Gruppe A", ""],
]
MOODLE_FILE = [
    ["ID number", "Assignment: MNIST (Real)", "Assignment: MNIST (Feedback)"],
    ["jmuller", "43", "autograded 40/40, manual 3/3"],
    ["aoster", "35", "autograded 35/40, manual 0/3 (1 answer not graded yet)"],
    ["tnguyen", "36", "autograded 34/40, manual 2/3"],
    ["xwang", "23.33", "autograded 23.33/40, manual 0/3"],
    ["sobrien", "", "no submission"],
    ["zlefevre", "36.5", "autograded 40/40, manual 1.5/3, late penalty -5"],
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A gradebook with the assignment and no student, created once: a new gradebook asks
    nbgrader's ``alembic`` script for its version, which takes seconds."""
    folder = tmp_path_factory.mktemp("template")
    with pytest.MonkeyPatch.context() as patch:  # the script by name: this interpreter's, as make's PATH has it
        patch.setenv("PATH", nbgrader_env()["PATH"])
        gradebook = Gradebook(db_url(folder))
    with gradebook:
        gradebook.add_assignment(ASSIGNMENT)
        gradebook.add_notebook(NOTEBOOK, ASSIGNMENT)
        for name, (kind, points) in CELLS.items():
            gradebook.add_grade_cell(name, NOTEBOOK, ASSIGNMENT, max_score=points, cell_type=kind)
        for name in ANSWERS:
            gradebook.add_solution_cell(name, NOTEBOOK, ASSIGNMENT)
    return folder / "gradebook.db"


def write_gradebook(course: Path, template: Path, students: dict = CLASS) -> Path:
    """A course folder whose gradebook holds ``students``' submissions of the assignment."""
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, course / "gradebook.db")
    with Gradebook(db_url(course)) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's harmless autoflush warnings (see autograder/gradebook.py)
        for student, (auto, manual, penalty) in students.items():
            gradebook.add_student(student)
            gradebook.add_submission(ASSIGNMENT, student)
            for cell, score in auto.items():
                gradebook.find_grade(cell, NOTEBOOK, ASSIGNMENT, student).auto_score = score
            for cell, score in manual.items():  # as the formgrader saves a grade
                grade = gradebook.find_grade(cell, NOTEBOOK, ASSIGNMENT, student)
                grade.manual_score, grade.needs_manual_grade = score, False
            gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).late_submission_penalty = penalty
        gradebook.db.commit()
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory, template):
    return write_gradebook(tmp_path_factory.mktemp("lms") / "course", template)


def export(course, lms, roster, output, *options, capsys):
    """Run the command; its exit code, stdout and stderr."""
    code = main([ASSIGNMENT, "--to", lms, "--roster", str(roster), "--output", str(output),
                 "--course", str(course), *options])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def read_back(path: Path) -> list[list[str]]:
    """The written file's cells; it must be UTF-8 with a BOM."""
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def roster_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def write_roster(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def test_canvas_file_is_the_gradebook_import_parsed_back_cell_by_cell(course, tmp_path, capsys):
    code, out, err = export(course, "canvas", CANVAS_ROSTER, tmp_path / "canvas.csv", capsys=capsys)
    assert code == 0, err
    assert read_back(tmp_path / "canvas.csv") == CANVAS_FILE
    assert "grades go to the roster's column 'MNIST (120001)'" in out
    assert "without a submission: O'Brien, Siobhán (sobrien)" in out
    assert "answers not graded by hand yet, counted 0: aoster" in out
    assert "roster rows with no 'SIS Login ID', an empty cell: Student, Test" in out


def test_a_newer_canvas_export_with_a_manual_posting_row_gives_the_same_file(course, tmp_path, capsys):
    rows = roster_rows(CANVAS_ROSTER_MANUAL_POSTING)
    assert rows[1][5] == "Manual Posting" and rows[2][0].strip() == "Points Possible"
    code, _, err = export(course, "canvas", CANVAS_ROSTER_MANUAL_POSTING, tmp_path / "canvas.csv", capsys=capsys)
    assert code == 0, err
    assert read_back(tmp_path / "canvas.csv") == CANVAS_FILE


def test_moodle_file_is_the_csv_import_parsed_back_cell_by_cell(course, tmp_path, capsys):
    code, out, err = export(course, "moodle", MOODLE_ROSTER, tmp_path / "moodle.csv", capsys=capsys)
    assert code == 0, err
    assert read_back(tmp_path / "moodle.csv") == MOODLE_FILE
    # Moodle stops the whole import at a row whose identity is empty: left out, and said
    assert "roster rows with no 'ID number', left out of the file" in out and "Gasthörer Schmidt, Dr." in out


def test_a_tab_separated_moodle_export_gives_the_same_file(course, tmp_path, capsys):
    """Moodle's plain-text export may be tab-separated, and carry feedback of several lines."""
    rows = roster_rows(MOODLE_ROSTER)
    rows = [row + [cell] for row, cell in zip(rows, ["Assignment: CIFAR-10 (Feedback)", "Gut.\nWeiter so!"]
                                                  + [""] * len(rows))]
    roster = write_roster(tmp_path / "moodle.txt", rows, delimiter="\t")
    code, out, err = export(course, "moodle", roster, tmp_path / "moodle.csv", capsys=capsys)
    assert code == 0, err
    assert read_back(tmp_path / "moodle.csv") == MOODLE_FILE
    assert "7 roster students" in out and "(Moodle refuses a row without one): Gasthörer Schmidt, Dr.\n" in out


def test_autograded_only_leaves_manual_grades_out_and_keeps_the_late_penalty(course, tmp_path, capsys):
    code, _, err = export(course, "moodle", MOODLE_ROSTER, tmp_path / "moodle.csv", "--autograded-only",
                          capsys=capsys)
    assert code == 0, err
    assert read_back(tmp_path / "moodle.csv")[1:] == [
        ["jmuller", "40", "autograded only: 40/40"],
        ["aoster", "35", "autograded only: 35/40"],
        ["tnguyen", "30", "autograded only: 30/40"],  # the autograder's 20, not the TA's 24
        ["xwang", "23.33", "autograded only: 23.33/40"],
        ["sobrien", "", "no submission"],
        ["zlefevre", "35", "autograded only: 40/40, late penalty -5"],
    ]


def test_missing_as_zero_writes_0_for_roster_students_without_a_submission(course, tmp_path, capsys):
    code, out, _ = export(course, "canvas", CANVAS_ROSTER, tmp_path / "canvas.csv", "--missing-as-zero",
                          capsys=capsys)
    assert code == 0
    grades = {row[3]: row[5] for row in read_back(tmp_path / "canvas.csv")[2:]}
    assert grades == {"jmuller": "43", "aoster": "35", "tnguyen": "36", "xwang": "23.33", "sobrien": "0",
                      "zlefevre": "36.5", "": "0"}
    assert "1 without a submission (0)" in out


def test_totals_are_nbgrader_exports_own(tmp_path, template):
    """Total after manual grading = nbgrader's score less its late penalty, never below 0,
    exactly as ``nbgrader export`` writes it."""
    students = {**CLASS, "very_late": ({"test_data": 2}, {}, 5.0)}
    course = write_gradebook(tmp_path / "course", template, students)
    maximum, grades = read_grades(db_url(course), ASSIGNMENT)
    exported = tmp_path / "nbgrader.csv"
    with Gradebook(db_url(course)) as gradebook:
        CsvExportPlugin(to=str(exported)).export(gradebook)
    with open(exported, newline="") as handle:
        nbgrader = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert maximum == 43
    assert {s: g.total for s, g in grades.items()} == {s: float(nbgrader[s]["score"]) for s in students}
    assert grades["very_late"].total == 0 and grades["zlefevre"].total == 36.5
    assert {s: g.penalty for s, g in grades.items()} == {
        s: float(nbgrader[s]["late_submission_penalty"]) for s in students}


def test_unmatched_submissions_are_listed_and_nothing_is_written_unless_skipped(tmp_path, template, capsys):
    students = {**CLASS, "ghost": ({"test_data": 10}, {}, 0),
                "Sobrien": ({"test_model": 30}, {}, 0),  # the id in another letter case
                "2024003": ({"test_model": 15}, {}, 0)}  # a SIS User ID, not a login
    course = write_gradebook(tmp_path / "course", template, students)
    output = tmp_path / "canvas.csv"
    code, _, err = export(course, "canvas", CANVAS_ROSTER, output, capsys=capsys)
    assert code == 1 and not output.exists()
    assert "graded student 'ghost' (10 points) is in no roster row's 'SIS Login ID'\n" in err
    assert "graded student 'Sobrien' (30 points) is in no roster row's 'SIS Login ID'; " \
           "the roster has 'sobrien' (letter case differs)" in err
    assert "graded student '2024003' (15 points) is in no roster row's 'SIS Login ID'; " \
           "it is in the roster's 'SIS User ID' column (--match 'SIS User ID'?)" in err
    assert "nothing written" in err and "--skip-unmatched" in err

    code, out, err = export(course, "canvas", CANVAS_ROSTER, output, "--skip-unmatched", capsys=capsys)
    assert code == 0
    assert read_back(output) == CANVAS_FILE  # the roster's students, and only them
    assert err.count("unmatched: ") == 3 and "without the 3 listed above" in out


def test_duplicate_ids_are_listed_and_their_rows_left_out_only_when_skipped(course, tmp_path, capsys):
    rows = roster_rows(MOODLE_ROSTER)  # a second Moodle account with the same ID number
    second = ["Jürgen", "Müller", "jmuller", "", "", "j.mueller@mail.example", "-", "-", "-", "0.00", "1760954400"]
    roster = write_roster(tmp_path / "moodle.csv", rows + [second])
    output = tmp_path / "out.csv"
    code, _, err = export(course, "moodle", roster, output, capsys=capsys)
    assert code == 1 and not output.exists()
    assert ("duplicate: 2 roster rows have 'ID number' 'jmuller': Jürgen Müller (jmuller); "
            "Jürgen Müller (jmuller), and graded student 'jmuller' (43 points) could be any of them") in err

    code, _, err = export(course, "moodle", roster, output, "--skip-unmatched", capsys=capsys)
    assert code == 0 and "duplicate: " in err
    assert read_back(output) == [MOODLE_FILE[0]] + MOODLE_FILE[2:]


def test_non_ascii_names_survive_in_utf8_with_the_bom_excel_needs(course, template, tmp_path, capsys):
    code, _, _ = export(course, "canvas", CANVAS_ROSTER, tmp_path / "canvas.csv", capsys=capsys)
    assert code == 0
    raw = (tmp_path / "canvas.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8 + b"Student,ID,")
    names = ("Müller, Jürgen", "Øster, Åsa", "Nguyễn, Thị Hương", "王, 小明", "O'Brien, Siobhán", "Lefèvre, Zoë")
    for name in names:
        assert f'"{name}"'.encode("utf-8") in raw
    assert "DL 2025 – Gruppe A".encode("utf-8") in raw
    # an item and its ids with accents come through the Moodle file the same way
    rows = roster_rows(MOODLE_ROSTER)
    rows[0][6] = "Übung: MNIST (Real)"
    for row in rows[1:]:
        row[2] = {"jmuller": "jürgen.müller"}.get(row[2], row[2])
    roster = write_roster(tmp_path / "moodle.csv", rows)
    students = {{"jmuller": "jürgen.müller"}.get(s, s): grades for s, grades in CLASS.items()}
    other = write_gradebook(tmp_path / "course", template, students)
    code, _, err = export(other, "moodle", roster, tmp_path / "moodle_out.csv", capsys=capsys)
    assert code == 0, err
    written = read_back(tmp_path / "moodle_out.csv")
    assert written[0] == ["ID number", "Übung: MNIST (Real)", "Übung: MNIST (Feedback)"]
    assert written[1] == ["jürgen.müller", "43", "autograded 40/40, manual 3/3"]


def test_the_canvas_column_is_named_by_the_instructor_or_else_is_the_assignments_name(course, tmp_path, capsys):
    output = tmp_path / "canvas.csv"
    code, out, _ = export(course, "canvas", CANVAS_ROSTER, output, "--column", "MNIST retake (120009)",
                          capsys=capsys)
    assert code == 0 and read_back(output)[0] == CANVAS_HEADER[:5] + ["MNIST retake (120009)"]
    assert "(--column)" in out

    without = [[c for i, c in enumerate(row) if i != 5] for row in roster_rows(CANVAS_ROSTER)]
    code, out, _ = export(course, "canvas", write_roster(tmp_path / "r.csv", without), output, capsys=capsys)
    assert code == 0 and read_back(output)[0] == CANVAS_HEADER[:5] + ["mnist"]
    assert "without a Canvas id, which Canvas imports as a NEW assignment" in out

    rows = roster_rows(CANVAS_ROSTER)
    rows[0][6] = "mnist (120011)"  # two columns could be the assignment's
    code, _, err = export(course, "canvas", write_roster(tmp_path / "r.csv", rows), output, capsys=capsys)
    assert code == 2 and "'MNIST (120001)', 'mnist (120011)'; name one with --column" in err

    rows = roster_rows(CANVAS_ROSTER)
    rows[1][5] = "40.00"
    code, out, _ = export(course, "canvas", write_roster(tmp_path / "r.csv", rows), output, capsys=capsys)
    assert code == 0 and "'MNIST (120001)' has 40 points possible in Canvas, the nbgrader assignment 43" in out


def test_unusable_input_is_refused_with_a_reason_and_nothing_written(course, tmp_path, capsys):
    output = tmp_path / "out.csv"
    code, _, err = export(course, "moodle", MOODLE_ROSTER, output, "--match", "Username", capsys=capsys)
    assert code == 2 and "no column 'Username' (--match)" in err and "Email address" in err
    code, _, err = export(course, "canvas", MOODLE_ROSTER, output, capsys=capsys)
    assert code == 2 and "not a Canvas Gradebook export" in err
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(MOODLE_ROSTER.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    code, _, err = export(course, "moodle", latin1, output, capsys=capsys)
    assert code == 2 and "is not UTF-8" in err
    empty_course = tmp_path / "elsewhere"
    empty_course.mkdir()
    code, _, err = export(empty_course, "canvas", CANVAS_ROSTER, output, capsys=capsys)
    assert code == 2 and "no gradebook.db" in err and not (empty_course / "gradebook.db").exists()
    code = main(["cifar10", "--to", "canvas", "--roster", str(CANVAS_ROSTER), "--output", str(output),
                 "--course", str(course)])
    assert code == 2 and "no assignment 'cifar10'" in capsys.readouterr().err
    roster = write_roster(tmp_path / "roster.csv", roster_rows(CANVAS_ROSTER))
    code, _, err = export(course, "canvas", roster, roster, capsys=capsys)
    assert code == 2 and "--output is the roster" in err
    assert not output.exists()
