"""Regrades that say what changed (issue #27, item 3): regrade.csv, the printed summary and
the report's Regrades section.

First the comparison on snapshots written by hand, then a tiny class (tests/checks_class.py)
graded, regraded unchanged, regraded after one hidden threshold of its master was made
stricter, and after a test cell's points changed.
"""

import csv
import json

import nbformat
import pytest

from autograder.coordinator.regrades import REGRADE_COLUMNS, SNAPSHOT, compare, summarise
from tests.checks_class import ASSIGNMENT, NOTEBOOK, SCALE_TEST, STRICTER, THRESHOLD, graded_checks_class, \
    regrade, set_master_test


def check(number, points, message=None):
    return {"check": number, "points": points, "message": message}


def test_compare_lists_points_that_changed_and_checks_that_appeared_or_disappeared():
    before = {"ann": {"t1": [check(1, 1.0), check(2, 0.0, "bad")], "gone": [check(1, 2.0)]},
              "bob": {"t1": [check(1, 1.0), check(2, 1.0)]},
              "new_only_before": {"t1": [check(1, 1.0)]}}
    after = {"ann": {"t1": [check(1, 1.0), check(2, 0.5)], "t2": [check(1, 0.0, "no")]},
             "bob": {"t1": [check(1, 1.0), check(2, 1.0)]},   # unchanged: no row
             "first_time": {"t1": [check(1, 0.0, "x")]}}      # graded for the first time: no row
    assert compare(before, after, order=["t1", "t2"]) == [
        ["ann", "t1", 2, "0", "0.5", ""],
        ["ann", "t2", 1, "", "0", "no"],      # a check the master gained
        ["ann", "gone", 1, "2", "", ""],      # a test cell the master lost (not in the order: last)
    ]


def test_the_summary_counts_students_points_and_the_checks_that_moved_most():
    rows = [["ann", "t1", 2, "1", "0", "m"], ["bob", "t1", 2, "1", "0", "m"], ["bob", "t2", 1, "0", "2", ""]]
    assert summarise(rows, 3) == ("regrades: 3 student(s) regraded, 2 changed: 2 points gained, 2 lost in "
                                  "total; checks that moved most: t1 #2: 2 student(s), -2 points; "
                                  "t2 #1: 1 student(s), +2 points")
    assert summarise([], 4) == "regrades: 4 student(s) regraded, no score changed"


def read_regrade_csv(course):
    with open(course / "reports" / ASSIGNMENT / "regrade.csv", newline="") as source:
        return list(csv.reader(source))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_checks_class(tmp_path_factory.mktemp("regrades") / "course")


def test_a_first_grading_is_not_a_regrade(graded):
    course, _, printed = graded
    assert read_regrade_csv(course) == [REGRADE_COLUMNS]
    assert "regrades: 0 student(s) regraded, no score changed (6 graded for the first time, not compared)" in printed
    snapshot = json.loads((course / "reports" / ASSIGNMENT / SNAPSHOT).read_text())
    assert sorted(snapshot) == ["ace", "blank", "close", "middle", "strong", "weak"]
    assert snapshot["strong"]["test_scale"][3] == {"check": 4, "points": 0.5, "message": None}


@pytest.mark.slow
def test_regrades_list_exactly_the_students_and_checks_the_master_moved(graded):
    course, _, _ = graded
    reports = course / "reports" / ASSIGNMENT
    # an unchanged master: a header-only file, "no score changed"
    _, printed = regrade(course, students=["strong", "weak"], regrade="all")
    assert read_regrade_csv(course) == [REGRADE_COLUMNS]
    assert "regrades: 2 student(s) regraded, no score changed" in printed

    # nobody graded: regrade.csv is left as it was
    (reports / "regrade.csv").write_text("kept\n")
    _, printed = regrade(course)
    assert (reports / "regrade.csv").read_text() == "kept\n"
    assert any("nobody graded" in line for line in printed)

    # one hidden threshold made stricter (atol 0.5 -> 0.1): it fails strong (off by 0.3) and
    # close (off by 0.2), not ace (exact); no other check moves
    set_master_test(course, SCALE_TEST.replace(THRESHOLD, STRICTER))
    rows, printed = regrade(course, regrade="all")
    table = read_regrade_csv(course)
    assert table[0] == REGRADE_COLUMNS
    assert [row[:5] for row in table[1:]] == [["close", "test_scale", "4", "0.5", "0"],
                                              ["strong", "test_scale", "4", "0.5", "0"]]
    assert all("atol=0.1" in row[5] and "expected 20" in row[5] for row in table[1:])
    summary = ("regrades: 6 student(s) regraded, 2 changed: 0 points gained, 1 lost in total; "
               "checks that moved most: test_scale #4: 2 student(s), -1 points")
    assert summary in printed
    page = (reports / "report.html").read_text()
    section = page[page.index('<h2 id="regrades">'):page.index("<!-- /regrades -->")]
    assert summary in section and section.count("<td>test_scale</td>") == 2
    assert {row["student"]: sum(row["scores"].values()) for row in rows}["strong"] == 2.5

    # a test cell's points changed (test_offset, 2 -> 3): every check that passed moves, no failed one
    path = course / "source" / ASSIGNMENT / NOTEBOOK
    master = nbformat.read(path, as_version=4)
    for cell in master.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_offset":
            cell.metadata["nbgrader"]["points"] = 3
    nbformat.write(master, path)
    _, printed = regrade(course, regrade="all")
    assert [row[:5] for row in read_regrade_csv(course)[1:]] == [
        ["ace", "test_offset", "1", "1", "1.5"],
        ["close", "test_offset", "1", "1", "1.5"], ["close", "test_offset", "2", "1", "1.5"],
        ["middle", "test_offset", "1", "1", "1.5"], ["middle", "test_offset", "2", "1", "1.5"],
        ["strong", "test_offset", "1", "1", "1.5"],
        ["weak", "test_offset", "1", "1", "1.5"], ["weak", "test_offset", "2", "1", "1.5"],
    ]
    assert any(line.startswith("regrades: 6 student(s) regraded, 5 changed: 4 points gained, 0 lost in total")
               for line in printed)
