"""The student's side of judging: runs in the student's kernel, where nothing is trusted.

The judge (``autograder/judge.py``) sends this module's source text into the kernel with
one request, and reads back what it publishes. A request either looks names up in the
student's namespace or calls one of the student's functions on arguments that arrive as
data; what the student's code returns goes back as data: a JSON tree whose arrays travel
in one ``.npz`` (base64), and Keras objects as their configs. The judge reads all of it in
safe formats only, so whatever the student's code does to this module (it can change
anything in its own kernel) changes only the data it sends, never how the data is judged.

Wire format (both directions), a JSON tree of nodes ``{"t": kind, ...}``:
``py`` (None, bool, int, str, finite float), ``float`` (nan/inf as text), ``npscalar``,
``array`` (a key in the npz), ``list``/``tuple``/``dict`` (dict items as pairs), ``ref``
(the same object again), ``keras`` (a Keras object's config; models with their build and
compile configs), ``object`` (a Keras callback: its class and its data attributes),
``module``/``importable``/``function``/``student`` (judge to student only: how to rebuild
a callable the judge passes), ``unsupported`` (student to judge: what could not travel).
"""

import base64
import builtins
import importlib
import io
import json
import marshal
import math
import types

import numpy as np

MIME = "application/x-kit-probe+json"


def loss_probes():
    """Fixed targets and predictions on which a loss function is compared with Keras's losses,
    one pair per kind of target: (name, targets, predictions), predictions (8, 5) softmax rows."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(8, 5))
    predictions = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    labels = rng.integers(0, 5, size=8)
    return [("sparse", labels.astype("float32"), predictions),
            ("one_hot", np.eye(5, dtype="float32")[labels], predictions),
            ("real", rng.normal(size=(8, 5)).astype("float32"), predictions)]


def read_arrays(text):
    """Arrays from base64 ``.npz`` text, without pickle."""
    if not text:
        return {}
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def write_arrays(arrays):
    """Arrays as base64 ``.npz`` text."""
    if not arrays:
        return ""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class Encoder:
    """The student's values as nodes; arrays collected in ``arrays``."""

    def __init__(self):
        self.arrays, self.seen = {}, {}

    def __call__(self, value):
        if value is None or isinstance(value, (bool, int, str)):
            return {"t": "py", "v": value}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":  # before float: np.float64 is one
            return {"t": "npscalar", "dtype": value.dtype.str, "v": self(value.item())}
        if isinstance(value, float):
            return {"t": "py", "v": value} if math.isfinite(value) else {"t": "float", "v": repr(float(value))}
        if id(value) in self.seen:
            return {"t": "ref", "id": self.seen[id(value)]}
        if isinstance(value, (list, tuple, dict, np.ndarray)):
            self.seen[id(value)] = len(self.seen)
            node = {"id": self.seen[id(value)]}
            if isinstance(value, np.ndarray):
                if value.dtype.kind not in "biufU":
                    return {"t": "unsupported", "what": f"an array of dtype {value.dtype}"}
                key = f"a{len(self.arrays)}"
                self.arrays[key] = value
                return {**node, "t": "array", "key": key}
            if isinstance(value, dict):
                return {**node, "t": "dict", "items": [[self(k), self(v)] for k, v in value.items()]}
            return {**node, "t": type(value).__name__ if type(value) in (list, tuple) else "list",
                    "items": [self(item) for item in value]}
        return self.keras(value)

    def keras(self, value):
        try:
            import keras
        except ImportError:
            keras = None
        if keras is not None and isinstance(value, keras.callbacks.Callback):
            return {"t": "object", "classes": [f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__],
                    "attrs": {name: self(attr) for name, attr in vars(value).items()
                              if not name.startswith("_") and _is_data(attr)}}
        if keras is not None and hasattr(value, "get_config") and type(value).__module__.startswith("keras"):
            return {"t": "keras", "config": self.keras_config(keras, value)}
        if hasattr(value, "__array__") and not isinstance(value, type):
            return self(np.asarray(value))
        return {"t": "unsupported", "what": f"a {type(value).__module__}.{type(value).__qualname__}"}

    def keras_config(self, keras, value):
        """The object's Keras config; a loss the student wrote as a function is replaced by its
        values on ``loss_probes()``, which the judge compares with Keras's own losses."""
        config = keras.saving.serialize_keras_object(value)
        loss = getattr(value, "loss", None) if isinstance(value, keras.Model) else None
        if isinstance(loss, types.FunctionType) and not loss.__module__.startswith("keras"):
            values = {}
            for kind, targets, predictions in loss_probes():
                try:
                    values[kind] = float(np.mean(np.asarray(loss(targets, predictions))))
                except Exception:  # a loss that cannot run on these targets matches no Keras loss of that kind
                    values[kind] = None
            config["compile_config"]["loss"] = {"kit_custom_loss": loss.__name__, "values": values}
        return json.loads(json.dumps(config, default=lambda o: None))


def _is_data(value):
    return value is None or isinstance(value, (bool, int, float, str, list, tuple, dict, np.ndarray, np.generic))


class Decoder:
    """Nodes from the judge as objects in the student's kernel (functions included)."""

    def __init__(self, arrays, user_ns):
        self.arrays, self.user_ns, self.objects = arrays, user_ns, {}

    def __call__(self, node):
        kind = node["t"]
        if kind == "py":
            return node["v"]
        if kind == "float":
            return float(node["v"])
        if kind == "npscalar":
            return np.dtype(node["dtype"]).type(self(node["v"]))
        if kind == "ref":
            return self.objects[node["id"]]
        if kind == "array":
            return self._keep(node, self.arrays[node["key"]].copy())
        if kind in ("list", "tuple"):
            items = self._keep(node, [])
            items.extend(self(item) for item in node["items"])
            return tuple(items) if kind == "tuple" else items
        if kind == "dict":
            mapping = self._keep(node, {})
            mapping.update((self(k), self(v)) for k, v in node["items"])
            return mapping
        if kind == "module":
            return importlib.import_module(node["name"])
        if kind == "importable":
            value = importlib.import_module(node["module"])
            for part in node["name"].split("."):
                value = getattr(value, part)
            return value
        if kind == "student":
            return self.user_ns[node["name"]]
        if kind == "function":
            namespace = {"__builtins__": builtins}
            function = types.FunctionType(marshal.loads(base64.b64decode(node["code"])), namespace,
                                          node["name"], None,
                                          tuple(types.CellType(self(c)) for c in node["closure"]) or None)
            self._keep(node, function)
            namespace.update((name, self(value)) for name, value in node["globals"].items())
            function.__defaults__ = self(node["defaults"])
            return function
        if kind == "object":
            module, _, name = node["class"].rpartition(".")
            cls = getattr(importlib.import_module(module), name)
            obj = self._keep(node, cls())
            for attr, value in node["attrs"].items():
                setattr(obj, attr, self(value))
            return obj
        raise ValueError(f"unknown node {kind!r}")

    def _keep(self, node, value):
        if "id" in node:
            self.objects[node["id"]] = value
        return value


def main(request):
    """Answer one request of the judge by publishing one display output of type ``MIME``."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    user_ns = get_ipython().user_ns
    encode = Encoder()
    if request["op"] == "lookup":
        found = {}
        for name in request["names"]:
            if name not in user_ns:
                found[name] = {"kind": "missing"}
            elif callable(user_ns[name]) and not isinstance(user_ns[name], type):
                found[name] = {"kind": "callable"}
            else:
                found[name] = {"kind": "value", "value": encode(user_ns[name])}
        reply = {"found": found}
    else:
        decode = Decoder(read_arrays(request["arrays"]), user_ns)
        args, kwargs = decode(request["args"]), decode(request["kwargs"])
        value = encode(user_ns[request["name"]](*args, **kwargs))
        # arrays the judge passed may have been changed in place; they go back too
        after = {node_id: encode(obj) for node_id, obj in decode.objects.items() if isinstance(obj, np.ndarray)}
        reply = {"value": value, "after": after}
    publish_display_data({MIME: json.dumps({**reply, "arrays": write_arrays(encode.arrays)})})
