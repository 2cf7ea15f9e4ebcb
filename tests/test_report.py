"""The class report: by part, the failed tests of every student, honest charts."""

import csv

import numpy as np
from matplotlib.collections import LineCollection

from autograder.coordinator.report import _parts_chart, _totals_chart, write_report

POINTS = {"test_a": 2.0, "test_b": 1.0, "test_c": 3.0}
SECTIONS = {"test_a": "Part 1: Data (3 points)", "test_b": "Part 1: Data (3 points)",
            "test_c": "Part 2: Model (5 points)"}
ROWS = [
    {"student": "ann", "status": "graded", "reason": "", "scores": {"test_a": 2.0, "test_b": 1.0, "test_c": 3.0}},
    {"student": "bob", "status": "graded", "reason": "", "scores": {"test_a": 2.0, "test_b": 0.0, "test_c": 3.0}},
    {"student": "cy", "status": "timeout", "reason": "cell x timed out", "scores": {"test_a": 0.0}},
]


def test_every_student_row_names_the_tests_failed(tmp_path):
    page = write_report(ROWS, POINTS, tmp_path, "ps class report", sections=SECTIONS)
    with open(tmp_path / "results.csv", newline="") as handle:
        failed = {row["student"]: row["failed"] for row in csv.DictReader(handle)}
    assert failed == {"ann": "", "bob": "test_b", "cy": "test_a test_b test_c"}
    text = page.read_text()
    assert "test_b (0/1)" in text and "Part 2: Model (5 points)" in text


def test_questions_are_listed_with_their_part(tmp_path):
    write_report(ROWS, POINTS, tmp_path, "ps class report", sections=SECTIONS)
    with open(tmp_path / "questions.csv", newline="") as handle:
        parts = [(row["part"], row["question"]) for row in csv.DictReader(handle)]
    assert parts == [(SECTIONS[test], test) for test in POINTS]


def test_error_bars_stay_inside_zero_and_one():
    parts = ["Part 1", "Part 2"]
    stats = {"Part 1": (2.7, 0.6), "Part 2": (0.3, 1.2)}  # means near both ends, wide spreads
    figure = _parts_chart(parts, {"Part 1": 3.0, "Part 2": 5.0}, stats, "t")
    axes = figure.axes[0]
    [bars] = [c for c in axes.collections if isinstance(c, LineCollection)]
    ends = np.concatenate([segment[:, 1] for segment in bars.get_segments()])
    assert ends.min() >= 0.0 and ends.max() <= 1.0
    assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()


def test_the_histogram_counts_whole_students():
    axes = _totals_chart([1.0, 2.0, 2.5], 6.0, "t").axes[0]
    ticks = [tick for tick in axes.get_yticks() if 0 <= tick <= axes.get_ylim()[1]]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    assert axes.get_title() and axes.get_xlabel() == "Points (of 6)" and axes.get_ylabel() == "Students"
