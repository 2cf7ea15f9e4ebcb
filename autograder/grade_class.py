"""Grade a whole class for one assignment: ``python -m autograder.grade_class mnist``.

Built on nbgrader's own apps. Every submission is autograded by ``nbgrader autograde`` in
a private copy of the course (see isolation.py), by up to ``--workers`` processes at once.
Only this process writes the course gradebook, one finished student at a time (see
merge.py): that is how parallel workers never contend for the SQLite file or lose a write.
After each student, the state file ``reports/<assignment>/state.json`` is rewritten
atomically, so an interrupted run (Ctrl-C) resumes where it stopped and never grades a
student twice. At the end: feedback HTML (``nbgrader generate_feedback``), grades CSV
(``nbgrader export``) and the class report (report.html, results.csv, charts).
"""

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder import course as kit
from autograder import isolation
from autograder.gradebook import cell_scores
from autograder.merge import merge_submission, record_failure
from autograder.nbgrader_cli import run_nbgrader
from autograder.outcome import GRADED, Outcome, check_submission, classify, extra_files
from autograder.parts import points_per_test
from autograder.report import write_report


def grade_class(course: Path, assignment: str, *, students: list[str] | None = None,
                workers: int = 1, regrade: str = "changed", lms: Path | None = None,
                time_limit_s: float = 900, memory_cap_mb: float = 4096, progress=print) -> list[dict]:
    """Autograde, give feedback and report on ``assignment`` for the class in ``course``.

    regrade: "changed" grades students not graded yet or whose files changed; "failed"
        also those whose last outcome was not "graded"; "all" grades everyone again.
    Returns one row per student: student, status, reason, scores (test id -> points).
    """
    course = course.resolve()
    reports = course / "reports" / assignment
    reports.mkdir(parents=True, exist_ok=True)
    if lms:
        collect_from_lms(course, assignment, lms)
    run_nbgrader(course, "generate_assignment", assignment, "--force")
    expected = kit.notebook_names(assignment, course)
    state = _load_state(reports)
    everyone = _submitters(course, assignment)
    if students:
        unknown = sorted(set(students) - set(everyone))
        if unknown:
            raise SystemExit(f"no submissions of {assignment} for: {', '.join(unknown)}")
    chosen = [s for s in (students or everyone) if _needs_grading(state.get(s), _fingerprint(course, assignment, s), regrade)]
    progress(f"{assignment}: {len(everyone)} submissions, {len(chosen)} to grade with {workers} worker(s)")
    with tempfile.TemporaryDirectory(prefix=f"kit-grade-{assignment}-") as scratch:
        scratch = Path(scratch)
        template = kit.copy_course(scratch / "template", [assignment], repo=course)
        run_nbgrader(template, "generate_assignment", assignment, "--force", private=True)
        _grade(course, assignment, chosen, expected, template, scratch, state, reports,
               workers, time_limit_s, memory_cap_mb, progress)
    run_nbgrader(course, "generate_feedback", assignment, "--force", check=False)
    run_nbgrader(course, "export", f"--to={reports / 'nbgrader_grades.csv'}")
    rows = [{"student": s, "status": state[s]["status"], "reason": state[s]["reason"],
             "scores": cell_scores(kit.course_db_url(course), assignment, s)} for s in sorted(state)]
    page = write_report(rows, kit.points(assignment, course), reports, f"{assignment} class report")
    progress(f"report: {page}")
    return rows


def collect_from_lms(course: Path, assignment: str, download: Path) -> None:
    """Unpack an LMS download (a zip or a folder of per-student files) into submitted/."""
    archive = course / "downloaded" / assignment / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    if download.is_dir():
        shutil.copytree(download, archive, dirs_exist_ok=True)
    else:
        shutil.copy(download, archive)
    run_nbgrader(course, "zip_collect", assignment, "--force")


def _grade(course, assignment, chosen, expected, template, scratch, state, reports, workers,
           time_limit_s, memory_cap_mb, progress):
    start, done = time.monotonic(), 0
    points = kit.points(assignment, course)
    maximum = sum(points.values())
    tests = {name: list(points_per_test(master)) for name, master in kit.masters(assignment, course).items()}
    running: dict = {}

    def record(student: str, outcome: Outcome) -> None:
        nonlocal done
        extras = extra_files(course / "submitted" / student / assignment, expected)
        if extras:
            outcome.reason = "; ".join(filter(None, [outcome.reason, f"extra files ignored: {', '.join(extras)}"]))
        state[student] = {"status": outcome.status, "reason": outcome.reason,
                          "fingerprint": _fingerprint(course, assignment, student)}
        _save_state(reports, state)
        done += 1
        score = sum(v for k, v in cell_scores(kit.course_db_url(course), assignment, student).items()
                    if k in points)
        others = ", ".join(sorted(running)) or "-"
        progress(f"[{done:>3}/{len(chosen)}] {_clock(time.monotonic() - start)} {student:<20} "
                 f"{outcome.status:<17} {score:g}/{maximum:g}  (grading: {others})")

    def work(student: str):
        folder = isolation.prepare(template, course, assignment, student, scratch / "students" / student)
        return student, isolation.autograde(folder, assignment, student, time_limit_s=time_limit_s,
                                            memory_cap_mb=memory_cap_mb, running=running)

    to_run = []
    for student in chosen:
        problem = check_submission(course / "submitted" / student / assignment, expected)
        if problem:
            record_failure(kit.course_db_url(course), assignment, student)
            record(student, problem)
        else:
            to_run.append(student)
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(work, student) for student in to_run]
        for future in as_completed(futures):
            student, run = future.result()
            graded = run.folder / "autograded" / student / assignment
            outcome = classify(run, course / "submitted" / student / assignment, graded, tests)
            if merge_submission(run.db_url, kit.course_db_url(course), assignment, student):
                destination = course / "autograded" / student / assignment
                shutil.rmtree(destination, ignore_errors=True)
                if graded.is_dir():
                    shutil.copytree(graded, destination)
            else:
                record_failure(kit.course_db_url(course), assignment, student)
            record(student, outcome)
            shutil.rmtree(run.folder, ignore_errors=True)
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        for process in list(running.values()):
            isolation.stop(process)
        pool.shutdown(wait=True)
        progress(f"interrupted: {done} of {len(chosen)} graded and saved; run the same command to resume")
        raise
    pool.shutdown(wait=True)


def _submitters(course: Path, assignment: str) -> list[str]:
    return sorted(path.parent.name for path in (course / "submitted").glob(f"*/{assignment}") if path.is_dir())


def _fingerprint(course: Path, assignment: str, student: str) -> str:
    digest = hashlib.sha256()
    folder = course / "submitted" / student / assignment
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _needs_grading(previous: dict | None, fingerprint: str, regrade: str) -> bool:
    if regrade == "all" or previous is None or previous["fingerprint"] != fingerprint:
        return True
    return regrade == "failed" and previous["status"] != GRADED


def _load_state(reports: Path) -> dict:
    path = reports / "state.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_state(reports: Path, state: dict) -> None:
    temporary = reports / "state.json.tmp"
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True))
    temporary.replace(reports / "state.json")


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Autograde a class for one assignment, with feedback and a report.")
    parser.add_argument("assignment")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course folder (default: here)")
    parser.add_argument("--students", nargs="+", help="grade only these students")
    parser.add_argument("--workers", type=int, default=1, help="submissions graded at once (default 1)")
    parser.add_argument("--regrade", choices=["changed", "failed", "all"], default="changed",
                        help="changed: new or modified submissions (default); failed: also those "
                             "not graded cleanly last time; all: everyone")
    parser.add_argument("--lms", type=Path, help="an LMS download (zip or folder) to collect first")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds per submission (default 900)")
    parser.add_argument("--memory-cap", type=float, default=4096, help="MB per kernel (default 4096)")
    args = parser.parse_args(argv)
    try:
        grade_class(args.course, args.assignment, students=args.students, workers=args.workers,
                    regrade=args.regrade, lms=args.lms, time_limit_s=args.time_limit,
                    memory_cap_mb=args.memory_cap)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
