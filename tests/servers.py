"""Servers the tests start themselves: a free local port, waiting for a Jupyter server or a
hub, and the browser that drives them."""

import socket
from contextlib import contextmanager
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


def wait_for_jupyter(server, status_url: str, log: Path, what: str = "the Jupyter server") -> None:
    """Return once the server process ``server`` (``what``: a Jupyter server, JupyterHub)
    answers ``status_url``; fail the test with its ``log`` if it exits or does not answer
    within ``SERVER_START_S``."""
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{what} exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(status_url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)  # polling a process's port: nothing in a browser to wait on yet
    pytest.fail(f"{what} did not answer within {SERVER_START_S} s:\n{log.read_text()}")


@contextmanager
def chromium(executable: str):
    """Debian's chromium, driven by Playwright (no browser download: Playwright is only the driver)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            yield browser
        finally:
            browser.close()
