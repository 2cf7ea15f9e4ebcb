"""Item analysis per check (issue #27, item 1): checks.csv, the report's Checks section and
the command that rebuilds them without grading.

First on records written by hand (no grading), then on a tiny class graded through the class
command (tests/checks_class.py) whose pattern of passes is known.
"""

import csv
import math
import shutil

import pytest

from autograder.coordinator.item_analysis import CHECKS_CSV_COLUMNS, analyse, point_biserial
from autograder.item_analysis import main
from tests.checks_class import ASSIGNMENT, PART_1, PART_2, PASSES, graded_checks_class


def record(number, passed, points=1.0, hidden=False, line=1, message="wrong", format_=False, weight=1.0):
    return {"check": number, "line": line, "hidden": hidden, "format": format_, "weight": weight,
            "points": points, "passed": passed, "message": None if passed else message}


def test_counts_rates_messages_and_discrimination_of_a_known_pattern():
    # test a (2 points, 2 checks of 1), test b (1 point, 1 check); four students
    passes = {"s1": (1, 1, 1), "s2": (1, 0, 1), "s3": (0, 0, 0), "s4": (1, 0, 0)}
    records = {s: {"a": [record(1, bool(p[0]), line=1), record(2, bool(p[1]), hidden=True, line=3,
                                                                 message="too far" if s != "s3" else "crashed")],
                   "b": [record(1, bool(p[2]))]} for s, p in passes.items()}
    scores = {s: {"a": p[0] + p[1], "b": p[2]} for s, p in passes.items()}
    stats = analyse(records, scores, {"a": 2.0, "b": 1.0}, {"a": "Part A", "b": "Part B"},
                    {"a": ["check_one()", "", "check_two()"], "b": ["check_b()"]})
    rows = [(s.part, s.test, s.check, s.visibility, s.graded, s.passed, s.pass_rate, s.lost,
             s.top_message, s.top_message_count, s.source) for s in stats]
    assert rows == [
        ("Part A", "a", 1, "visible", 4, 3, 0.75, 1.0, "wrong", 1, "check_one()"),
        ("Part A", "a", 2, "hidden", 4, 1, 0.25, 3.0, "too far", 2, "check_two()"),
        ("Part B", "b", 1, "visible", 4, 2, 0.5, 2.0, "wrong", 2, "check_b()"),
    ]
    # rest scores (total less the check's own cell): for a: b's score; for b: a's score
    a1 = point_biserial([(1, 1), (1, 1), (0, 0), (1, 0)])
    assert stats[0].discrimination == a1 == round(math.sqrt(1 / 3), 4)  # 0.5774
    assert stats[1].discrimination == round(math.sqrt(1 / 3), 4)
    assert stats[2].discrimination == round(1 / math.sqrt(2), 4) > 0  # 0.7071


def test_discrimination_is_negative_zero_or_undefined_as_the_pattern_says():
    # the strongest students (high rest score) fail the check: negative
    assert point_biserial([(0, 10), (0, 9), (1, 2), (1, 1)]) < 0
    assert point_biserial([(1, 10), (0, 10), (1, 0), (0, 0)]) == 0.0     # no relation, never -0
    assert point_biserial([(1, 3)]) is None                             # fewer than 2 students
    assert point_biserial([(1, 3), (1, 5)]) is None                     # everyone passed
    assert point_biserial([(1, 3), (0, 3)]) is None                     # every rest score equal


def test_a_check_missing_for_a_student_is_not_counted_for_them():
    records = {"s1": {"a": [record(1, True)]}, "s2": {"a": [record(1, False)]}, "s3": {}}
    [only] = analyse(records, {"s1": {"a": 1}, "s2": {"a": 0}}, {"a": 1.0, "b": 1.0})
    assert (only.graded, only.passed, only.pass_rate, only.discrimination) == (2, 1, 0.5, None)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_checks_class(tmp_path_factory.mktemp("item-analysis") / "course")


def expected_discrimination(test: str, check: int) -> float | None:
    """Point-biserial by its textbook formula, from tests/checks_class.PASSES: (M1 - M0) / s * sqrt(p q),
    rest score = the other cell's score (test_scale: 0.5 per check, test_offset: 1 per check)."""
    scale = {s: 0.5 * sum(p[0]) for s, p in PASSES.items()}
    offset = {s: 1.0 * sum(p[1]) for s, p in PASSES.items()}
    outcome = {s: p[0][check - 1] if test == "test_scale" else p[1][check - 1] for s, p in PASSES.items()}
    rest = offset if test == "test_scale" else scale
    ones = [rest[s] for s in PASSES if outcome[s]]
    zeros = [rest[s] for s in PASSES if not outcome[s]]
    values = list(rest.values())
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    p = len(ones) / len(values)
    return round((sum(ones) / len(ones) - sum(zeros) / len(zeros)) / sd * math.sqrt(p * (1 - p)), 4)


def test_checks_csv_of_a_graded_class_has_exact_counts_rates_and_discrimination_signs(graded):
    course, rows, printed = graded
    assert {row["student"]: sum(row["scores"].values()) for row in rows} == {
        "ace": 3, "strong": 3, "close": 4, "middle": 3, "weak": 2, "blank": 0}
    with open(course / "reports" / ASSIGNMENT / "checks.csv", newline="") as source:
        table = list(csv.reader(source))
    assert table[0] == CHECKS_CSV_COLUMNS
    got = [row[:8] for row in table[1:]]
    assert got == [
        [PART_1, "test_scale", "1", "visible", "0.5", "6", "4", "0.6667"],
        [PART_1, "test_scale", "2", "visible", "0.5", "6", "4", "0.6667"],   # loop case 1
        [PART_1, "test_scale", "3", "visible", "0.5", "6", "3", "0.5"],      # loop case 2
        [PART_1, "test_scale", "4", "hidden", "0.5", "6", "3", "0.5"],
        [PART_2, "test_offset", "1", "visible", "1", "6", "5", "0.8333"],
        [PART_2, "test_offset", "2", "hidden", "1", "6", "3", "0.5"],
    ]
    discrimination = {(row[1], int(row[2])): float(row[8]) for row in table[1:]}
    for (test, check), value in discrimination.items():
        assert value == pytest.approx(expected_discrimination(test, check), abs=1e-4), (test, check)
    assert discrimination[("test_scale", 1)] > 0 and discrimination[("test_offset", 1)] > 0
    assert discrimination[("test_scale", 3)] == discrimination[("test_scale", 4)] == 0
    assert discrimination[("test_offset", 2)] < 0  # the strong students miss it: marked for review
    messages = {(row[1], int(row[2])): (row[9], int(row[10])) for row in table[1:]}
    assert messages[("test_offset", 2)] == ("offset(100) is off", 2)
    assert messages[("test_scale", 4)][1] == 2 and "got 10, expected 20" in messages[("test_scale", 4)][0]
    assert any(line.startswith("item analysis: 6 checks") for line in printed)


def test_the_report_marks_the_negative_check_for_review_with_its_master_source_line(graded):
    course, _, _ = graded
    page = (course / "reports" / ASSIGNMENT / "report.html").read_text()
    checks = page[page.index('<h2 id="checks">'):page.index("<!-- /item analysis -->")]
    review = checks[checks.index("Marked for review"):]
    assert "Marked for review: negative discrimination (1)" in review
    assert "3: assert abs(offset(100) - 101) &lt;= 1, &#x27;offset(100) is off&#x27;" in review
    assert "test_scale" not in review
    assert "Lowest pass rates" in checks and 'src="checks.png"' in checks
    assert (course / "reports" / ASSIGNMENT / "checks.png").stat().st_size > 10_000
    assert page.index('<h2 id="checks">') > page.index("<h2>Parts</h2>")  # after the report's own sections


def test_the_command_rebuilds_checks_csv_and_the_section_without_grading(graded, tmp_path, capsys):
    course, _, _ = graded
    copy = tmp_path / "copy"
    shutil.copytree(course, copy)
    reports = copy / "reports" / ASSIGNMENT
    before = (reports / "checks.csv").read_text()
    page = (reports / "report.html").read_text()
    (reports / "checks.csv").unlink()
    (reports / "report.html").write_text(page.replace(page[page.index("<!-- item analysis -->"):
                                                          page.index("<!-- /item analysis -->")], ""))
    assert main([ASSIGNMENT, "--course", str(copy)]) == 0
    assert (reports / "checks.csv").read_text() == before
    rebuilt = (reports / "report.html").read_text()
    assert rebuilt.count('<h2 id="checks">') == 1 and rebuilt.count('<h2 id="regrades">') == 1
    assert main([ASSIGNMENT, "--course", str(copy)]) == 0  # again: the sections are replaced, not added
    assert (reports / "report.html").read_text().count('<h2 id="checks">') == 1
    assert "6 checks, 1 marked for review" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH")
def test_the_checks_section_shows_in_a_browser(graded, tmp_path):
    from playwright.sync_api import sync_playwright

    course, _, _ = graded
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto((course / "reports" / ASSIGNMENT / "report.html").as_uri())
            page.locator("#checks").scroll_into_view_if_needed()
            assert page.locator("#checks").is_visible()
            assert page.evaluate("document.querySelector('img[src=\"checks.png\"]').naturalWidth") > 300
            assert page.locator("table.review tr").count() == 2  # the header and the one check
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
