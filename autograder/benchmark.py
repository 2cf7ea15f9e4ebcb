"""Benchmarks that print figures (not tests): grading speed of one submission and of a class.

    python -m autograder.benchmark submission mnist [--full-data ../shared/data]
    python -m autograder.benchmark class mnist --sizes 5 10 20 --workers 1 2
    python -m autograder.benchmark load [--hogs-per-core 2]

``submission``: wall time of ``nbgrader autograde`` for one full-solution submission
(nbgrader and kernel start included) in a fresh course copy; with ``--full-data``, also
the master notebook executed in a student's normal mode (full budgets) on the full data
from that folder, and the ratio of the two.
``class``: wall time of the class grading command on N copies of the full solution, for
each size and number of workers: total, seconds per submission, speed-up over 1 worker.
``load``: a real-sized MNIST submission, whose own experiment loops ignore ``budget``
(cells of about a minute), graded on the idle machine and again with CPU-bound processes
on every core: scores, status, wall time and the processor time of its heavy cells.
"""

import argparse
import multiprocessing
import os
import re
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient

from autograder.assignment import REPO, assignment_names, load_assignment
from autograder.course import copy_course, db_url, submit
from autograder.grade_class import grade_class
from autograder.gradebook import cell_scores
from autograder.nbgrader_cli import run_nbgrader
from autograder.submissions import solved_assignment
from helpers.budget import GRADING_ENV
from helpers.data import DATA_DIR_ENV


def time_one_submission(assignment: str) -> float:
    """Seconds to autograde one full-solution submission in a fresh course copy."""
    facts = load_assignment(assignment)
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch), [assignment])
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        submit(course, "benchmark", assignment, solved_assignment(facts))
        start = time.perf_counter()
        run_nbgrader(course, "autograde", assignment, "--force")
        seconds = time.perf_counter() - start
        expected = facts.max_points
        got = sum(v for k, v in cell_scores(db_url(course), assignment, "benchmark").items() if k in facts.points)
        if got != expected:
            raise RuntimeError(f"the full solution scored {got} of {expected}: fix that before timing")
        return seconds


def time_normal_mode(assignment: str, data_dir: Path, cell_timeout: int = 3600) -> float:
    """Seconds to run every master notebook of the assignment as a student would, on full data."""
    os.environ[DATA_DIR_ENV] = str(data_dir.resolve())
    os.environ.pop(GRADING_ENV, None)
    start = time.perf_counter()
    for name, master in load_assignment(assignment).masters.items():
        NotebookClient(master, timeout=cell_timeout,
                       resources={"metadata": {"path": str(REPO / "source" / assignment)}}).execute()
        failed = [c.metadata.get("nbgrader", {}).get("grade_id") for c in master.cells
                  if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
        if failed:
            raise RuntimeError(f"{name}: cells failed in normal mode: {failed}")
    return time.perf_counter() - start


def time_class(assignment: str, size: int, workers: int) -> float:
    """Seconds for the class grading command on ``size`` full-solution submissions."""
    solution = solved_assignment(load_assignment(assignment))
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch), [assignment])
        for index in range(size):
            submit(course, f"student{index:03d}", assignment, solution)
        start = time.perf_counter()
        grade_class(course, assignment, workers=workers, progress=lambda line: None)
        return time.perf_counter() - start


# A student's own experiments, written without budget(): the cells of the MNIST release
# that start with the key are replaced by these.
EXPERIMENTS = {
    "EPOCHS = budget(20, grading=1)": """\
import tensorflow as tf
results = {}
for label, make in [("SGD lr=0.1", lambda: tf.keras.optimizers.SGD(learning_rate=0.1)),
                    ("SGD lr=0.01", lambda: tf.keras.optimizers.SGD(learning_rate=0.01)),
                    ("Adam", lambda: tf.keras.optimizers.Adam())]:
    seed_everything(0)
    model = build_baseline()
    model.compile(optimizer=make(), loss="mean_squared_error", metrics=["accuracy"])
    results[label] = model.fit(x_train, y_train_1h, epochs=12, batch_size=32,
                               validation_data=(x_test, y_test_1h), verbose=0).history
    print(label, results[label]["val_accuracy"][-1])
plot_runs(list(results.values()), metric="loss", labels=list(results), title="my optimizers")
""",
    "WIDTHS = budget(": """\
WIDTHS = [8, 32, 128, 512]
train_scores, test_scores = [], []
for w in WIDTHS:
    tr, te = [], []
    for run in range(3):
        seed_everything(run)
        m = build_classifier(w)
        h = m.fit(x_train, y_train, epochs=8, validation_data=(x_test, y_test), verbose=0)
        tr.append(h.history["accuracy"][-1]); te.append(h.history["val_accuracy"][-1])
    train_scores.append(tr); test_scores.append(te)
    print(w, sum(te) / len(te))
width_results = {"train": np.array(train_scores), "test": np.array(test_scores)}
plot_sweep(WIDTHS, width_results, xlabel="Hidden units", log_x=True, title="width sweep")
""",
}


def experimenter(assignment) -> dict:
    """The MNIST full solution with the student's own experiment loops (EXPERIMENTS)."""
    notebooks = solved_assignment(assignment)
    for notebook in notebooks.values():
        for cell in notebook.cells:
            for start, source in EXPERIMENTS.items():
                if cell.cell_type == "code" and cell.source.startswith(start):
                    cell.source = source
    return notebooks


def _hog() -> None:
    while True:
        pass


def grade_loaded(assignment, notebooks: dict, hogs: int) -> tuple[dict, float]:
    """Grade one submission with ``hogs`` CPU-bound processes running; returns its report
    row and the seconds it took."""
    load = [multiprocessing.Process(target=_hog, daemon=True) for _ in range(hogs)]
    for process in load:
        process.start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            course = copy_course(Path(scratch), [assignment.name])
            submit(course, "experimenter", assignment.name, notebooks)
            start = time.perf_counter()
            [row] = grade_class(course, assignment.name, progress=lambda line: None)
            seconds = time.perf_counter() - start
            log = (course / "reports" / assignment.name / "logs" / "experimenter.log").read_text()
            row["cells"] = re.findall(r"Cell (\S+) used (\d+) s of processor time", log)
            return row, seconds
    finally:
        for process in load:
            process.kill()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("submission", help="time one submission (and normal mode)")
    one.add_argument("assignments", nargs="*")
    one.add_argument("--full-data", type=Path, help="folder of full Keras-layout .npz files")
    many = commands.add_parser("class", help="time the class grading command")
    many.add_argument("assignment")
    many.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20])
    many.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    loaded = commands.add_parser("load", help="one real-sized submission, idle and loaded")
    loaded.add_argument("--hogs-per-core", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "load":
        mnist = load_assignment("mnist")
        notebooks = experimenter(mnist)
        for hogs in (0, args.hogs_per_core * os.cpu_count()):
            row, seconds = grade_loaded(mnist, notebooks, hogs)
            cells = ", ".join(f"{index}: {cpu} s" for index, cpu in row["cells"])
            print(f"{hogs} CPU-bound processes: {row['status']}, {sum(row['scores'].values()):g} of {mnist.max_points} "
                  f"points in {seconds:.0f} s; heavy cells' processor time: {cells}", flush=True)
            print(f"    scores: {row['scores']}", flush=True)
        return
    if args.command == "submission":
        for assignment in args.assignments or assignment_names():
            graded = time_one_submission(assignment)
            print(f"{assignment}: autograde one full solution: {graded:.1f} s", flush=True)
            if args.full_data:
                normal = time_normal_mode(assignment, args.full_data)
                print(f"{assignment}: master in normal mode on full data: {normal:.1f} s "
                      f"({normal / graded:.1f}x the grading time)", flush=True)
    else:
        base = {}
        for size in args.sizes:
            for workers in args.workers:
                seconds = time_class(args.assignment, size, workers)
                base.setdefault(size, seconds)
                print(f"{args.assignment}: {size:3d} submissions, {workers} worker(s): {seconds:7.1f} s, "
                      f"{seconds / size:5.1f} s per submission, speed-up {base[size] / seconds:.2f}x",
                      flush=True)


if __name__ == "__main__":
    main()
