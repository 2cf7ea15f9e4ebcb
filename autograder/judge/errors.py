"""What the judge knows of a student's value that failed: a call that raised in the kernel,
or a value that could not travel as data."""

import re


class StudentError(Exception):
    """A call of the student's code failed in the student's kernel; ``marker`` is the status
    marker of the failure where it was a time limit or a dead kernel."""

    def __init__(self, message: str, marker: str | None = None):
        super().__init__(message)
        self.marker = marker


class Unreadable:
    """Stands for a value of the student's that could not travel as data; using it fails."""

    def __init__(self, what: str, why: str = "which the grader cannot read: return numbers, "
                 "numpy arrays, lists, dicts or Keras objects"):
        self.what, self.why = what, why

    def _fail(self, *_args, **_kwargs):
        raise AssertionError(f"your code returned {self.what}, {self.why}")

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = __array__ = _fail

    def __repr__(self):
        return f"<{self.what}>"


def unreadable(what: str, why: str | None = None) -> Unreadable:
    """An Unreadable whose class is named after the student's type ("a builtins.generator" ->
    generator), so that a check says "expected a numpy array, got generator"."""
    name = re.sub(r"\W", "_", what.rsplit(".", 1)[-1].split()[-1]) or "Unreadable"
    cls = type(name if name.isidentifier() else "Unreadable", (Unreadable,), {})
    return cls(what, why) if why else cls(what)
