"""The course kernel, "Python 3 (DL course)": quiet about TensorFlow, loud about the student's code."""

import json
import os
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from tests.nbfactory import REPO

COURSE_KERNEL = "dl-course"
SPEC = REPO / "share" / "jupyter" / "kernels" / COURSE_KERNEL / "kernel.json"

STARTUP_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    b"I0000 00:00:1796320917.110643   10233 port.cc:153] oneDNN custom operations are on. You may see "
    b"slightly different numerical results due to floating-point round-off errors from different "
    b"computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.\n"
    b"I0000 00:00:1796319039.368279    2530 cpu_feature_guard.cc:227] This TensorFlow binary is "
    b"optimized to use available CPU instructions in performance-critical operations.\n"
    b"To enable the following instructions: AVX2 AVX512F AVX512_VNNI FMA, in other operations, "
    b"rebuild TensorFlow with the appropriate compiler flags.\n"
    b"E0000 00:00:1733.5 77 meta_optimizer.cc:966] NodeDef mentions attribute use_unbounded_threadpool\n")

# Each cell makes TensorFlow log through one of its channels, or warns as a student's code would.
CELLS = [
    # C++ logging (stderr, "I0000 ... placer.cc"), the channel of the start-up lines and
    # the "NodeDef mentions attribute" errors; placement is also printed to stdout.
    "import tensorflow as tf\ntf.debugging.set_log_device_placement(True)\nprint(int(tf.constant(2) + 3))\n"
    "tf.debugging.set_log_device_placement(False)",
    # Python logging (retracing and deprecation warnings go this way)
    "tf.get_logger().warning('a harmless TensorFlow notice')\ntf.get_logger().error('a TensorFlow error')",
    # a warning about the student's own code
    "import warnings\nwarnings.warn('Do not pass an `input_shape` argument to a layer.', UserWarning)",
    # what TensorFlow 2.21 writes through absl on import on CPUs with AVX-512, before its
    # logging is set up (TF_CPP_MIN_LOG_LEVEL does not hide it), and a line of another library
    "import os, time\nos.write(2, " + repr(STARTUP_LINES + b"libfoo: cannot open /tmp/x\n") + ")\ntime.sleep(1)",
]


def run(kernel_name):
    """The cells' outputs, run in ``kernel_name``: [[(stream name, text), ...] per cell].

    The kernel starts from this environment as a student's JupyterLab would start it: less
    TensorFlow's log level (which the grading configuration sets) and pytest's marker (under
    which ipykernel does not forward what is written to its file descriptors)."""
    notebook = new_notebook(cells=[new_code_cell(code) for code in CELLS])
    env = {name: value for name, value in os.environ.items() if name not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")}
    NotebookClient(notebook, kernel_name=kernel_name, timeout=120).execute(env=env)
    return [[(output.get("name"), output.get("text", "")) for output in cell.outputs] for cell in notebook.cells]


def text(outputs, stream):
    return "".join(chunk for name, chunk in outputs if name == stream)


def test_every_notebook_names_the_course_kernel_and_make_installs_it():
    notebooks = sorted((REPO / "source").glob("*/*.ipynb")) + sorted((REPO / "release").glob("*/*.ipynb"))
    assert notebooks
    for path in notebooks:
        name = json.loads(path.read_text())["metadata"]["kernelspec"]["name"]
        assert name == COURSE_KERNEL, (
            f"{path.relative_to(REPO)} names the kernel {name!r}: a master names the course kernel "
            f"{COURSE_KERNEL!r} (docs/authoring.md, Files): in JupyterLab pick \"Python 3 (DL course)\" "
            f"(Kernel > Change Kernel), save, and regenerate the release")
    installed = Path(KernelSpecManager().get_kernel_spec(COURSE_KERNEL).resource_dir) / "kernel.json"
    assert json.loads(installed.read_text()) == json.loads(SPEC.read_text())


@pytest.fixture(scope="module")
def outputs():
    return {kernel: run(kernel) for kernel in ("python3", COURSE_KERNEL)}


def test_course_kernel_keeps_tensorflow_logging_out_of_the_notebook(outputs):
    placement, notices, _, startup = outputs[COURSE_KERNEL]
    assert "placer.cc" not in text(placement, "stderr")
    for line in ("absl::InitializeLog", "oneDNN", "cpu_feature_guard", "To enable", "NodeDef"):
        assert line not in text(placement, "stderr") + text(startup, "stderr"), line
    assert text(startup, "stderr") == "libfoo: cannot open /tmp/x\n"  # what is not a log line still shows
    assert "5\n" in text(placement, "stdout")  # what the student asked to print still shows
    assert "harmless TensorFlow notice" not in text(notices, "stdout") + text(notices, "stderr")
    assert "a TensorFlow error" in text(notices, "stdout") + text(notices, "stderr")


def test_course_kernel_still_shows_warnings_about_the_students_code(outputs):
    _, _, warned, _ = outputs[COURSE_KERNEL]
    assert "Do not pass an `input_shape` argument" in text(warned, "stderr")


def test_control_the_plain_kernel_shows_tensorflow_logging(outputs):
    placement, notices, _, startup = outputs["python3"]
    assert "placer.cc" in text(placement, "stderr")
    assert text(startup, "stderr") == (STARTUP_LINES + b"libfoo: cannot open /tmp/x\n").decode()
    assert "harmless TensorFlow notice" in text(notices, "stdout") + text(notices, "stderr")
