"""The student's side of judging: runs in the student's kernel, where nothing is trusted.

The judge (``autograder/judge/session.py``) sends the source text of ``wire.py`` and of this
module into the kernel with each request, and reads back what it publishes. A request either
looks names up in the student's namespace or calls one of the student's functions on
arguments that arrive as data; what the student's code returns goes back as data, in the
wire format (``wire.py``): Keras objects as their configs, callbacks as their class and data
attributes. The judge reads all of it in safe formats only, so whatever the student's code
does to this module (it can change anything in its own kernel) changes only the data it
sends, never how the data is judged.
"""

import base64
import builtins
import importlib
import json
import marshal
import re
import types

import numpy as np

if "wire" not in globals():  # imported in the grader; in the kernel the judge binds it first
    from autograder.judge import wire


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


class StudentEncoder(wire.Encoder):
    """The student's values as nodes: data, Keras objects as their configs, callbacks as data."""

    def other(self, value) -> dict:
        try:
            import keras
        except ImportError:
            keras = None
        if keras is not None and isinstance(value, keras.callbacks.Callback):
            return {"t": wire.OBJECT, "classes": [f"{c.__module__}.{c.__qualname__}" for c in type(value).__mro__],
                    "attrs": {name: self(attr) for name, attr in vars(value).items()
                              if not name.startswith("_") and _is_data(attr)}}
        if keras is not None and hasattr(value, "get_config") and type(value).__module__.startswith("keras"):
            return {"t": wire.KERAS, "config": self.keras_config(keras, value)}
        if hasattr(value, "__array__") and not isinstance(value, type):
            return self(np.asarray(value))
        return super().other(value)

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
        return canonical_names(json.loads(json.dumps(config, default=lambda o: None)))


def canonical_names(config):
    """The config with its layers and models named as in a fresh Keras session ("dense",
    "dense_1", ... in order of appearance), whatever the student's kernel built before: Keras
    numbers the names it makes up by a counter of the session, so that the same model comes
    out "dense_7" in one notebook and "dense_12" in another. Names play no part in how a model
    computes; so the same answer sends the same config (judge/replay.py compares them)."""
    old_names = []

    def collect(node):
        if isinstance(node, dict):
            inner = node.get("config")
            if isinstance(node.get("class_name"), str) and "DTypePolicy" not in node["class_name"] \
                    and isinstance(inner, dict) and isinstance(inner.get("name"), str) and inner["name"] not in old_names:
                old_names.append(inner["name"])  # a layer's, model's, optimizer's, metric's... name
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(config)
    counts, renamed = {}, {}
    for name in old_names:
        base = re.sub(r"_\d+$", "", name)
        number = counts.get(base, 0)
        counts[base] = number + 1
        renamed[name] = base if number == 0 else f"{base}_{number}"

    def rename(node):
        if isinstance(node, dict):
            return {key: rename(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rename(value) for value in node]
        return renamed.get(node, node) if isinstance(node, str) else node

    return rename(config)


def _is_data(value):
    return value is None or isinstance(value, (bool, int, float, str, list, tuple, dict, np.ndarray, np.generic))


class KernelDecoder(wire.Decoder):
    """The judge's nodes as objects in the student's kernel: data, and the callables the judge
    passes (modules, library functions, the student's own names, the test's functions)."""

    def __init__(self, arrays, user_ns):
        super().__init__(arrays)
        self.user_ns = user_ns

    def other(self, node):
        kind = node["t"]
        if kind == wire.MODULE:
            return importlib.import_module(node["name"])
        if kind == wire.IMPORTABLE:
            value = importlib.import_module(node["module"])
            for part in node["name"].split("."):
                value = getattr(value, part)
            return value
        if kind == wire.STUDENT:
            return self.user_ns[node["name"]]
        if kind == wire.FUNCTION:
            namespace = {"__builtins__": builtins}
            function = types.FunctionType(marshal.loads(base64.b64decode(node["code"])), namespace,
                                          node["name"], None,
                                          tuple(types.CellType(self(c)) for c in node["closure"]) or None)
            self.keep(node, function)  # before its globals, which may name it (recursion)
            namespace.update((name, self(value)) for name, value in node["globals"].items())
            function.__defaults__ = self(node["defaults"])
            return function
        if kind == wire.OBJECT:
            module, _, name = node["class"].rpartition(".")
            cls = getattr(importlib.import_module(module), name)
            obj = self.keep(node, cls())
            for attr, value in node["attrs"].items():
                setattr(obj, attr, self(value))
            return obj
        return super().other(node)


def main(request):
    """Answer one request of the judge by publishing one display output of type ``MIME``."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    user_ns = get_ipython().user_ns
    encode = StudentEncoder()
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
        decode = KernelDecoder(wire.read_arrays(request["arrays"]), user_ns)
        args, kwargs = decode(request["args"]), decode(request["kwargs"])
        value = encode(user_ns[request["name"]](*args, **kwargs))
        # arrays the judge passed may have been changed in place; they go back too
        after = {node_id: encode(obj) for node_id, obj in decode.objects.items() if isinstance(obj, np.ndarray)}
        reply = {"value": value, "after": after}
    publish_display_data({wire.MIME: json.dumps({**reply, "arrays": wire.write_arrays(encode.arrays)})})
