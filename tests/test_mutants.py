"""Hidden tests discriminate: each wrong or blank part loses exactly its own points.

Slow (one notebook execution per mutant): marked ``slow``; CI runs it. Mutants are split
over two course copies graded side by side, each with its own gradebook.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder import course as kit
from tests.course_fixtures import (
    all_parts, all_points, autograded_scores, graded_course, spec, submission,
)

pytestmark = pytest.mark.slow
WORKERS = 2


def mutants(assignment: str) -> dict[str, tuple[dict, set[str]]]:
    """Student id -> (overrides, test ids expected to fail)."""
    parts = all_parts(assignment)
    cases = {}
    for answer, tests in parts.items():
        cases[f"blank-{answer}"] = ({answer: None}, set(tests))
        for variant, wrong in spec(assignment).WRONG.get(answer, {}).items():
            source, failing = wrong if isinstance(wrong, tuple) else (wrong, tests)
            cases[f"{answer}-{variant}"] = ({answer: source}, set(failing))
    unknown = set(spec(assignment).WRONG) - set(parts)
    assert not unknown, f"WRONG names answers with no tests: {unknown}"
    return cases


@pytest.mark.parametrize("assignment", kit.assignments())
def test_each_mutant_loses_exactly_its_parts_points(assignment, tmp_path):
    cases = mutants(assignment)
    students = {student: submission(assignment, overrides) for student, (overrides, _) in cases.items()}
    names = sorted(students)
    shards = [{name: students[name] for name in names[i::WORKERS]} for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        courses = list(pool.map(lambda i: graded_course(tmp_path / f"shard{i}", assignment, shards[i]),
                                range(WORKERS)))
    points = all_points(assignment)
    wrong = []
    for i, shard in enumerate(shards):
        for student in shard:
            failing = cases[student][1]
            expected = {test: (0.0 if test in failing else value) for test, value in points.items()}
            got = autograded_scores(courses[i], assignment, student)
            if got != expected:
                diff = {t: (expected[t], got.get(t)) for t in points if expected[t] != got.get(t)}
                wrong.append(f"{student}: (expected, got) {diff}")
    assert not wrong, "mutants graded wrongly:\n" + "\n".join(wrong)
