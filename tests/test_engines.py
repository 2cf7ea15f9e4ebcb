"""The engines' side of a class run (autograder/engines/): what a Dask task receives and
returns. The whole runs, on this machine and on a Dask cluster, are in test_grade_class.py."""

import pickle

import pytest
from distributed import LocalCluster

import autograder.engines.dask_cluster as dask_engine
from autograder import markers as st
from autograder.engines import engine_for
from autograder.engines.local import LocalEngine
from autograder.notebook.assignment import load_assignment
from autograder.worker.grade import Job, Result


def test_each_worker_unpacks_the_template_once_and_every_result_comes_back_as_data(tmp_path, monkeypatch):
    template = tmp_path / "template"
    (template / "source" / "mnist").mkdir(parents=True)
    (template / "nbgrader_config.py").write_text("c = get_config()\n")
    graded = []

    def grade(job, folder, running):  # what the worker's grading saw, and a result of its own
        graded.append((job.student, job.template, folder, sorted(p.name for p in job.template.iterdir())))
        return Result(job.student, st.GRADED, [], notebooks={"mnist.ipynb": f"{job.student}'s"},
                      fingerprint=job.fingerprint)

    monkeypatch.setattr(dask_engine, "grade", grade)
    monkeypatch.setattr(dask_engine, "host_problem", lambda: None)
    assignment = load_assignment("mnist")
    jobs = [Job(assignment, student, template, {"mnist.ipynb": student.encode()}) for student in ("ann", "ben", "cy")]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        engine = engine_for(cluster.scheduler_address, 1, tmp_path, template, progress=lambda line: None)
        try:
            results = {result.student: result for result in engine.results(jobs)}
        finally:
            engine.close(stopping=False)
    assert {student: (result.status, result.notebooks, result.fingerprint) for student, result in results.items()} \
        == {job.student: (st.GRADED, {"mnist.ipynb": f"{job.student}'s"}, job.fingerprint) for job in jobs}
    assert all(pickle.loads(pickle.dumps(result)) == result for result in results.values())  # data, nothing live
    unpacked = {seen[1] for seen in graded}
    assert len(unpacked) == 1 and template not in unpacked  # once, in the worker's own folder
    assert all(seen[3] == ["nbgrader_config.py", "source"] for seen in graded)


def test_the_engine_of_a_run_is_picked_by_its_scheduler(tmp_path):
    engine = engine_for(None, 2, tmp_path, None, progress=print)
    assert isinstance(engine, LocalEngine)
    engine.close(stopping=False)
    assert isinstance(engine_for("local", 1, tmp_path, tmp_path, progress=print), dask_engine.DaskEngine)


@pytest.mark.parametrize("field", ["student", "template", "files", "fingerprint"])
def test_a_job_travels_as_data(field, tmp_path):
    job = Job(load_assignment("mnist"), "ann", tmp_path, {"mnist.ipynb": b"{}"})
    assert getattr(pickle.loads(pickle.dumps(job)), field) == getattr(job, field)
