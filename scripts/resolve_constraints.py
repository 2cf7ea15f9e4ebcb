"""Print constraints.txt resolved for the lowest Python the kit supports (``make constraints``).

pip resolves the project's pins (pyproject.toml, with the test extra) as if it ran on the
lower bound of ``requires-python`` (``--python-version``, wheels only), so that every pin
admits that version; the newer Pythons of the range take the same wheels. pip, setuptools
and wheel are left to the venv, as ``pip freeze`` leaves them. Resolved for this platform.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from check_python import supported_range

REPO = Path(__file__).resolve().parent.parent
LEFT_OUT = {"pip", "setuptools", "wheel", "dl-course-kit"}


def main() -> int:
    lower, upper = supported_range()
    version = ".".join(map(str, lower))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
                        "--ignore-installed", "--only-binary=:all:", "--python-version", version,
                        "--report", str(report), ".[test]"], cwd=REPO, check=True)
        installed = json.loads(report.read_text())["install"]
    pins = sorted((item["metadata"]["name"], item["metadata"]["version"]) for item in installed)
    print(f"# Every package the kit installs, each pinned to a release that admits Python {version},")
    print("# the lowest supported (requires-python in pyproject.toml). After a change to the pins")
    print("# in pyproject.toml, `make constraints` re-resolves the whole file for that Python.")
    for name, pinned in sorted(pins, key=lambda pin: pin[0].lower()):
        if name.lower().replace("_", "-") not in LEFT_OUT:
            print(f"{name}=={pinned}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
