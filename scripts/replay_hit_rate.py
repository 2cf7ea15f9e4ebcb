"""How many verdicts a class run replays instead of computing (autograder/judge/replay.py),
on the class the pipeline tests grade: the full solution, the blank release, and the
alternative, noisy, real-student-style, stub, wrong and calibrated answers of
tests/assignment_specs (tests/course_fixtures.pipeline_class).

    .venv/bin/python scripts/replay_hit_rate.py fashion_mnist [mnist ...] [--workers 2]

Prints, per assignment, the test cells replayed and computed over the class, the hit rate,
and the seconds the run took. A figure for the README and the notes, not a test.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.coordinator.class_run import grade_class  # noqa: E402
from autograder.coordinator.course import copy_course, submit  # noqa: E402
from autograder.markers import REPLAY_COUNT  # noqa: E402
from tests.course_fixtures import pipeline_class  # noqa: E402


def hit_rate(assignment: str, workers: int) -> None:
    students = pipeline_class(assignment)
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch) / "course", [assignment])
        for student, notebooks in students.items():
            submit(course, student, assignment, notebooks)
        start = time.perf_counter()
        grade_class(course, assignment, workers=workers, progress=lambda line: None)
        seconds = time.perf_counter() - start
        replayed = judged = counted = 0
        for log in (course / "reports" / assignment / "logs").glob("*.log"):
            found = REPLAY_COUNT.findall(log.read_text())  # one line per notebook (the log keeps its tail)
            counted += bool(found)
            replayed += sum(int(hits) for hits, _ in found)
            judged += sum(int(misses) for _, misses in found)
    total = replayed + judged
    print(f"{assignment}: {len(students)} students ({counted} logs with the judge's count), {total} test cells: "
          f"{replayed} replayed, {judged} computed: hit rate {replayed / max(total, 1):.0%} "
          f"({seconds:.0f} s, {workers} workers)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for assignment in args.assignments:
        hit_rate(assignment, args.workers)


if __name__ == "__main__":
    main()
