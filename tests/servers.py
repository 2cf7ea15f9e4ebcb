"""Servers the tests start themselves: a free local port, and waiting for a Jupyter server."""

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SERVER_START_S = 120


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_jupyter(server, status_url: str, log: Path) -> None:
    """Return once the Jupyter server process ``server`` answers ``status_url``; fail the test
    with its ``log`` if it exits or does not answer within ``SERVER_START_S``."""
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the Jupyter server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(status_url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)  # polling a process's port: nothing in a browser to wait on yet
    pytest.fail(f"the Jupyter server did not answer within {SERVER_START_S} s:\n{log.read_text()}")
