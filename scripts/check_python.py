"""Stop at once, in one sentence, when this Python is outside the kit's supported range.

Run by ``make`` with the interpreter that builds (or built) the venv:
``python3 scripts/check_python.py``. The range is ``requires-python`` in pyproject.toml,
written as ``>=X.Y.Z,<A.B``. Kept to syntax that any Python 3 parses, so that an old
interpreter gets the sentence rather than a traceback.
"""

import os
import re
import sys

PYPROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "pyproject.toml")


def _version(text):
    return tuple(int(part) for part in text.split("."))


def supported_range(pyproject=PYPROJECT):
    """(lowest supported version, first unsupported version), e.g. ((3, 11, 2), (3, 12))."""
    with open(pyproject) as handle:
        spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', handle.read(), re.M).group(1)
    lower = re.search(r">=\s*([\d.]+)", spec).group(1)
    upper = re.search(r"<\s*([\d.]+)", spec).group(1)
    return _version(lower), _version(upper)


def describe(lower, upper):
    return "Python %s up to, not including, %s" % (".".join(map(str, lower)), ".".join(map(str, upper)))


def main():
    lower, upper = supported_range()
    found = tuple(sys.version_info[:3])
    if lower <= found < upper:
        return 0
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    sys.stderr.write(
        "Python %s (%s) is outside the range this kit is tested on, %s: %spoint make at "
        "another interpreter with `make demo PYTHON=/path/to/python3.11`.\n"
        % (".".join(map(str, found)), sys.executable, describe(lower, upper),
           "remove the venv it belongs to (`rm -rf %s`) and " % sys.prefix if in_venv else ""))
    return 1


if __name__ == "__main__":
    sys.exit(main())
