"""Keep TensorFlow's log lines out of a student's notebook: the course kernel, "Python 3 (DL
course)", calls ``quiet_tensorflow()`` as it starts (its kernelspec's ``exec_lines``,
share/jupyter/kernels/dl-course/kernel.json); nothing here runs on import.

TensorFlow logs through two channels. Its Python logger (retracing and deprecation
notices) is filtered to errors. Its C++ logging writes to the process's file descriptor 2,
which the kernel forwards to the notebook as red stderr blocks. ``TF_CPP_MIN_LOG_LEVEL=3``
(the kernelspec's environment) silences most of it, but not what is written through absl
before TensorFlow sets its logging up: on CPUs with AVX-512, TensorFlow 2.21 prints absl's
"All log messages before absl::InitializeLog() is called are written to STDERR" and the
oneDNN notice, twice, on ``import keras``. So the kernel's descriptor 2 goes through a
filter that drops lines in the C++ log format (``I0000 00:00:1796.123 4242 port.cc:153]
...``, severities I, W and E: what level 3 means to hide) and absl's line. Everything else
written there still shows, and so does everything the student's code writes through
Python (``print``, ``warnings.warn``, tracebacks), which never passes through it.
"""

import logging
import os
import re
import threading

LOG_LINE = re.compile(
    rb"(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ :]+:\d+\] .*"
    rb"|To enable the following instructions: .* in other operations, rebuild TensorFlow .*)\r?\n?")


def quiet_tensorflow(fd: int = 2) -> None:
    """TensorFlow's Python logger below ERROR and its C++ log lines on ``fd`` are dropped."""
    logging.getLogger("tensorflow").addFilter(lambda record: record.levelno >= logging.ERROR)
    forward = os.dup(fd)
    read, write = os.pipe()
    os.dup2(write, fd)
    os.close(write)
    threading.Thread(target=_forward_lines, args=(read, forward), daemon=True,
                     name="drop-tensorflow-log-lines").start()


def _forward_lines(read: int, forward: int) -> None:
    """Copy the lines of ``read`` to ``forward``, less TensorFlow's log lines."""
    with os.fdopen(read, "rb") as lines:
        for line in lines:
            if not LOG_LINE.fullmatch(line):
                os.write(forward, line)
