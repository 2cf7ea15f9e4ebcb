"""The one wire format between the judge (in the grader) and the probe (in the student's kernel).

Both directions use it: the judge sends the arguments of a call of the student's function,
the probe sends back what the function returned. A message is a JSON tree of nodes
``{"t": kind, ...}`` and one ``.npz`` of the arrays it names (base64 text), read without
pickle. This module is self-contained (NumPy and the standard library): the judge imports
it, and sends its source text into the student's kernel with the probe's, so both sides
run the same code. What each side adds for its own kinds is in ``Encoder.other`` and
``Decoder.other``: the probe's Keras objects, the judge's functions.

Decoding is strict on both sides: a node of an unknown kind, a Python value of the wrong
type, a float text other than nan/inf/-inf, a scalar of a dtype that is not a number, or a
dict key that cannot be one fails with ``ValueError``.
"""

import base64
import io
import math

import numpy as np

MIME = "application/x-kit-probe+json"  # the display output that carries the probe's reply

# Node kinds: data, both ways
PY = "py"              # None, bool, int, str, finite float: {"v": value}
FLOAT = "float"        # nan, inf, -inf: {"v": "nan"}
NPSCALAR = "npscalar"  # a NumPy number: {"dtype": "<f4", "v": node}
ARRAY = "array"        # {"key": name in the npz}
LIST, TUPLE, DICT = "list", "tuple", "dict"  # {"items": [node, ...]}, a dict's as [key node, value node] pairs
REF = "ref"            # an object met before in the same message: {"id": its node's id}
# student to judge
KERAS = "keras"              # a Keras object's config (a model with its build and compile configs)
UNSUPPORTED = "unsupported"  # what could not travel: {"what": "a builtins.generator"}
# judge to student: how to rebuild a callable the judge passes
MODULE = "module"            # {"name": "numpy"}
IMPORTABLE = "importable"    # {"module": "keras.losses", "name": "mean_squared_error"}
STUDENT = "student"          # one of the student's own names: {"name": "softmax"}
FUNCTION = "function"        # a test's own function as code: {"name", "code", "globals", "closure", "defaults"}
# both ways: a Keras callback, {"attrs": {name: node}} with, from the student, "classes" (its
# class and bases, by module path), from the judge, "class" ("keras.callbacks.EarlyStopping")
OBJECT = "object"

_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_KEY_TYPES = (str, int, float, bool, tuple, type(None))


def read_arrays(text: str) -> dict[str, np.ndarray]:
    """Arrays from base64 ``.npz`` text, without pickle."""
    if not text:
        return {}
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def write_arrays(arrays: dict[str, np.ndarray]) -> str:
    """Arrays as base64 ``.npz`` text."""
    if not arrays:
        return ""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class Encoder:
    """Values as nodes; arrays collected in ``arrays`` (name -> array), every object given a
    node id kept in ``objects`` (id -> object, alive until the message is sent), so that an
    object met twice travels once and comes back as the same object."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.objects: dict[int, object] = {}
        self._ids: dict[int, int] = {}

    def __call__(self, value) -> dict:
        if value is None or isinstance(value, (bool, int, str)):
            return {"t": PY, "v": value}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":  # before float: np.float64 is one
            return {"t": NPSCALAR, "dtype": value.dtype.str, "v": self(value.item())}
        if isinstance(value, float):
            return {"t": PY, "v": value} if math.isfinite(value) else {"t": FLOAT, "v": repr(float(value))}
        named = self.named(value)
        if named is not None:
            return named
        if id(value) in self._ids:
            return {"t": REF, "id": self._ids[id(value)]}
        node_id = self._ids[id(value)] = len(self._ids)
        self.objects[node_id] = value
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufU":
                return {"t": UNSUPPORTED, "what": f"an array of dtype {value.dtype}"}
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"t": ARRAY, "id": node_id, "key": key}
        if isinstance(value, dict):
            return {"t": DICT, "id": node_id, "items": [[self(k), self(v)] for k, v in value.items()]}
        if isinstance(value, (list, tuple)):  # a subclass (a namedtuple) travels as a list
            return {"t": TUPLE if type(value) is tuple else LIST, "id": node_id,
                    "items": [self(item) for item in value]}
        return {**self.other(value), "id": node_id}

    def named(self, value) -> dict | None:
        """A node for a value that travels by name rather than as an object (none here)."""
        return None

    def other(self, value) -> dict:
        """A node for a value that is not data; here, one saying it could not travel."""
        return {"t": UNSUPPORTED, "what": f"a {type(value).__module__}.{type(value).__qualname__}"}


class Decoder:
    """Nodes as values, strictly (``ValueError`` on anything malformed); ``other`` decodes the
    kinds of one side (here, none: every other kind is refused)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.objects: dict[int, object] = {}

    def __call__(self, node: dict):
        kind = node["t"]
        if kind == PY:
            if node["v"] is not None and not isinstance(node["v"], (bool, int, float, str)):
                raise ValueError(f"a {PY} node holding a {type(node['v']).__name__}")
            return node["v"]
        if kind == FLOAT:
            return _FLOATS[node["v"]]
        if kind == NPSCALAR:
            dtype = np.dtype(node["dtype"])
            if dtype.kind not in "biuf":
                raise ValueError(f"a scalar of dtype {dtype}")
            return dtype.type(self(node["v"]))
        if kind == REF:
            return self.objects[node["id"]]
        if kind == ARRAY:
            return self.keep(node, self.arrays[node["key"]])
        if kind in (LIST, TUPLE):
            items = self.keep(node, [])  # kept first: an item may refer to its own list
            items.extend(self(item) for item in node["items"])
            return self.keep(node, tuple(items)) if kind == TUPLE else items
        if kind == DICT:
            mapping = self.keep(node, {})
            for key, value in node["items"]:
                key = self(key)
                if not isinstance(key, _KEY_TYPES):
                    raise ValueError(f"a dict key that is a {type(key).__name__}")
                mapping[key] = self(value)
            return mapping
        return self.keep(node, self.other(node))

    def other(self, node: dict):
        raise ValueError(f"unknown kind {node['t']!r}")

    def keep(self, node: dict, value):
        """Remember ``value`` as the object of ``node``'s id, for the refs that follow."""
        if "id" in node:
            self.objects[node["id"]] = value
        return value
