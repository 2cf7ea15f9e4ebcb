"""Course copies with synthetic submissions, graded once and shared by the pipeline tests."""

import importlib
from functools import cache
from pathlib import Path

from autograder.notebook.assignment import assignment_names, load_assignment
from autograder.coordinator.course import copy_course, db_url, submit
from autograder.coordinator.class_run import grade_class
from autograder.gradebook import cell_scores
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.notebook.parts import autograded_parts
from autograder.notebook.submissions import solved_assignment

ASSIGNMENTS = assignment_names()


@cache
def facts(assignment: str):
    """The repository's ``Assignment`` of that name."""
    return load_assignment(assignment)


def submission(assignment: str, overrides: dict | None = None) -> dict:
    """File name -> the master's answers in the release, with ``overrides`` (see solved_assignment)."""
    return solved_assignment(facts(assignment), overrides)


def lean(notebooks: dict) -> dict:
    """The notebooks without their plain code cells: the experiments a student runs (sweeps,
    comparisons, plots), which no test reads. Where a batch checks how answers are graded,
    grading them lean costs a fraction of the time and changes no score (the answer, test
    and locked set-up cells all stay); solutions and blanks are graded whole."""
    for notebook in notebooks.values():
        notebook.cells = [cell for cell in notebook.cells
                          if cell.cell_type != "code" or cell.metadata.get("nbgrader")]
    return notebooks


def mutants(assignment: str) -> dict[str, tuple[str, dict, set[str], str]]:
    """Student id -> (notebook, overrides, test ids expected to fail, what was changed).

    The plausible mistakes of ``WRONG`` (tests/assignment_specs) are graded several to a
    notebook: at most one mistake per part, in every part that still has one, so the parts
    whose mistakes have run out stay correct and must keep their points.
    """
    cases = {}
    for student, (notebook, parts, chosen) in _packed(assignment, "wrong", spec(assignment).WRONG).items():
        overrides, failing = {}, set()
        for answer, (_, variant) in chosen.items():
            source, fails = variant if isinstance(variant, tuple) else (variant, parts[answer])
            overrides[answer] = source
            failing |= set(fails)
        cases[student] = (notebook, overrides, failing, _described(chosen))
    return cases


def calibrated(assignment: str) -> dict[str, tuple[str, dict, dict[str, float], str]]:
    """Student id -> (notebook, overrides, test id -> the score a fair TA gives, what was changed).

    The answers of ``CALIBRATED`` (tests/assignment_specs) packed as ``mutants`` packs
    ``WRONG``; the tests of the parts left as the master's keep full points.
    """
    cases = {}
    answers = spec(assignment).CALIBRATED
    for student, (notebook, _, chosen) in _packed(assignment, "calibrated", answers).items():
        overrides = {answer: source for answer, (_, (source, _)) in chosen.items()}
        fair = {test: score for _, (_, scores) in chosen.values() for test, score in scores.items()}
        cases[student] = (notebook, overrides, fair, _described(chosen))
    return cases


def _packed(assignment: str, prefix: str, variants: dict) -> dict[str, tuple[str, dict, dict]]:
    """Variants of answers (answer id -> {name: variant}) graded several to a notebook, at
    most one per part: student id -> (notebook, its parts, answer id -> (name, variant))."""
    cases = {}
    for notebook, master in facts(assignment).masters.items():
        parts = autograded_parts(master)
        queues = {answer: list(variants[answer].items()) for answer in parts if answer in variants}
        number = 0
        while any(queues.values()):
            number += 1
            chosen = {answer: queues[answer].pop(0) for answer in queues if queues[answer]}
            cases[f"{prefix}-{notebook.removesuffix('.ipynb')}-{number}"] = (notebook, parts, chosen)
    unknown = set(variants) - {answer for _, _, chosen in cases.values() for answer in chosen}
    assert not unknown, f"{prefix.upper()} names answers with no tests: {unknown}"
    return cases


def _described(chosen: dict) -> str:
    return ", ".join(f"{answer}: {name}" for answer, (name, _) in chosen.items())


def pipeline_class(assignment: str) -> dict[str, dict]:
    """Student id -> notebooks: the class the pipeline tests grade in one batch per assignment.

    The full solution and the blank release, whole; alternative, noisy, student-style and
    stub answers, every mutant and every calibrated answer (these hold only the notebook
    their answers live in), lean.
    """
    answers = spec(assignment)
    students = {"solution": submission(assignment), "blank": facts(assignment).releases,
                "alternative": lean(submission(assignment, answers.ALTERNATIVE)),
                "noisy": lean(submission(assignment, answers.NOISY))}
    students["student_style"] = lean(submission(assignment, answers.STUDENT_STYLE))
    students["stubs"] = lean(submission(assignment, answers.STUBS))
    for student, (notebook, overrides, _, _) in {**mutants(assignment), **calibrated(assignment)}.items():
        students[student] = lean({notebook: submission(assignment, overrides)[notebook]})
    return students


SPEC_NAMES = ("WRONG", "ALTERNATIVE", "NOISY", "STUDENT_STYLE", "STUBS", "CALIBRATED")


@cache
def spec(assignment: str):
    """The pipeline-test answers of an assignment (see tests/assignment_specs): a missing
    module or name fails with what to write, never a silent skip."""
    try:
        module = importlib.import_module(f"tests.assignment_specs.{assignment}")
    except ModuleNotFoundError as error:
        if error.name != f"tests.assignment_specs.{assignment}":
            raise
        raise AssertionError(f"no tests/assignment_specs/{assignment}.py: write one with {', '.join(SPEC_NAMES)} "
                             "(docs/authoring.md, Files; tests/assignment_specs/__init__.py)") from None
    missing = [name for name in SPEC_NAMES if not hasattr(module, name)]
    assert not missing, (f"tests/assignment_specs/{assignment}.py lacks {', '.join(missing)} "
                         "(docs/authoring.md, Files; tests/assignment_specs/__init__.py)")
    return module


def graded_course(root: Path, assignment: str, students: dict[str, dict], workers: int = 2) -> Path:
    """A course copy at ``root`` where each student (id -> notebooks) is graded by the class command."""
    course = copy_course(root, [assignment])
    for student, notebooks in students.items():
        submit(course, student, assignment, notebooks)
    grade_class(course, assignment, workers=workers, progress=lambda line: None)
    return course


def scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Score of every graded cell of one student in a course copy."""
    return cell_scores(db_url(course), assignment, student)


def autograded_scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Scores of the autograded test cells only (written answers left out)."""
    tests = facts(assignment).points
    return {key: value for key, value in scores(course, assignment, student).items() if key in tests}


def autograde_again(course: Path, assignment: str, student: str) -> None:
    """The instructor's own ``nbgrader autograde`` of one student in the course copy."""
    run_nbgrader(course, "autograde", assignment, "--force", f"--student={student}")
