"""Hidden tests discriminate: each blank or wrong part loses points, and only its own.

The grading is slow (one notebook execution per submission): marked ``slow``; CI runs it.

* Parts are independent: each test cell calls no answer function but its own part's, and
  no answer calls another part's (checked on the master's code, for every part). With the
  judge, a test cell in which no call of the student's code returns scores 0, so a blank
  part loses all its points and no other part's (the blank release, graded in
  test_assignments.py, scores 0 everywhere).
* The plausible mistakes of ``WRONG`` (tests/assignment_specs) are graded several to a
  notebook, which that independence allows (``course_fixtures.mutants``): at most one
  mistake per part, in every part that still has one, so the parts whose mistakes have run
  out stay correct and must keep their points. Every mistaken part must lose points in
  each test it names (all of its tests by default): some of them, since checks carry
  partial credit (a right shape and dtype keep theirs when the values are wrong).

* Partial credit pays for the concept (docs/authoring.md, "Weighing the checks"): every
  stub of the right shape in ``STUBS`` (zeros, the identity, a constant, an untrained
  model of the right layers) scores 0 on every test of its part, and each answer of
  ``CALIBRATED`` scores what a fair TA gives it, within ``FAIR_TOLERANCE`` of the cell.

A submission holds only the notebook its mutants live in, without its experiment cells
(``course_fixtures.lean``); only that notebook's tests are compared. They are graded in
the pipeline tests' batch (tests/conftest.py), two at a time.
"""

import ast

import pytest

from autograder.notebook.parts import autograded_parts, is_test, points_per_test
from autograder.notebook.source import parse
from autograder.notebook.submissions import is_answer, nbgrader_id
from tests.course_fixtures import ASSIGNMENTS, autograded_scores, calibrated, facts, mutants, spec


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_part_calls_only_its_own_answer(assignment):
    """A test cell that calls only its own part's function scores 0 when that part is blank
    (no call of the student's code returns) and is unaffected by every other part."""
    for name, master in facts(assignment).masters.items():
        parts = autograded_parts(master)
        owner = {test: answer for answer, tests in parts.items() for test in tests}
        defined = {nbgrader_id(cell): {node.name for node in parse(cell.source).body
                                       if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
                   for cell in master.cells if cell.cell_type == "code" and is_answer(cell)}
        answers = set().union(*defined.values())
        for cell in master.cells:
            grade_id = nbgrader_id(cell)
            if cell.cell_type != "code" or not (is_test(cell) or grade_id in parts):
                continue
            used = {node.id for node in ast.walk(parse(cell.source)) if isinstance(node, ast.Name)}
            own = defined[owner[grade_id] if is_test(cell) else grade_id]
            assert not (used & answers) - own, (
                f"{name}: cell {grade_id} uses {sorted((used & answers) - own)}, answers of other parts")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_part_has_a_stub_and_every_answer_of_the_specs_a_part(assignment):
    """spec() fails with what to write where a module or one of its names is missing."""
    answers = spec(assignment)
    parts = {answer: tests for master in facts(assignment).masters.values()
             for answer, tests in autograded_parts(master).items()}
    assert set(parts) <= set(answers.STUBS), f"STUBS lacks {sorted(set(parts) - set(answers.STUBS))}"
    for name in ("WRONG", "CALIBRATED", "STUBS"):
        assert set(getattr(answers, name)) <= set(parts), f"{name} names answers with no tests"
    for answer, variants in answers.CALIBRATED.items():
        for variant, (_, fair) in variants.items():
            assert set(fair) <= set(parts[answer]), f"CALIBRATED {answer}/{variant} scores tests of another part"


@pytest.mark.slow
def test_each_mutant_loses_points_in_its_parts_only(graded):
    assignment, course = graded
    cases = mutants(assignment)
    masters = facts(assignment).masters
    wrong = []
    for student, (notebook, _, failing, described) in cases.items():
        points = points_per_test(masters[notebook])
        got = autograded_scores(course, assignment, student)
        for test, full in points.items():
            score = got.get(test)
            right = score == full if test not in failing else score is not None and score < full
            if not right:
                wanted = full if test not in failing else f"< {full:g}"
                wrong.append(f"{described}: {test}: expected {wanted}, got {score}")
    assert not wrong, "mutants graded wrongly:\n" + "\n".join(wrong)


FAIR_TOLERANCE = 0.15  # of a test cell's points: how far a score may sit from a fair TA's


@pytest.mark.slow
def test_every_stub_of_the_right_shape_scores_nothing(graded):
    assignment, course = graded
    stubs = spec(assignment).STUBS
    got = autograded_scores(course, assignment, "stubs")
    scored = {}
    for master in facts(assignment).masters.values():
        for answer, tests in autograded_parts(master).items():
            assert answer in stubs, f"STUBS has no stub for {answer}: every part needs one"
            scored.update({test: got.get(test) for test in tests if got.get(test) != 0})
    assert not scored, f"stubs of the right shape earned points: {scored}"


@pytest.mark.slow
def test_partial_credit_is_what_a_fair_ta_gives(graded):
    assignment, course = graded
    points = {test: full for master in facts(assignment).masters.values()
              for test, full in points_per_test(master).items()}
    wrong = []
    for student, (notebook, _, fair, described) in calibrated(assignment).items():
        got = autograded_scores(course, assignment, student)
        for test, full in points_per_test(facts(assignment).masters[notebook]).items():
            wanted = fair.get(test, full)
            if got.get(test) is None or abs(got[test] - wanted) > FAIR_TOLERANCE * points[test]:
                wrong.append(f"{described}: {test}: a fair TA gives {wanted:g}, the grader {got.get(test)}")
    assert not wrong, "partial credit away from a fair TA's:\n" + "\n".join(wrong)
