"""Keras objects rebuilt in the grader from the configs the student's kernel sends: Keras's own
classes only, deserialized in safe mode. A model is compiled here from its compile settings
(a loss the student wrote is replaced by the Keras loss that gives the same values), so that
``fit``, ``predict`` and every check run on the grader's own copy."""

import math

import numpy as np

from autograder.judge import probe
from autograder.judge.errors import StudentError, unreadable
from autograder.settings import JUDGE_MAX_PARAMS

CANDIDATE_LOSSES = (
    "mean_squared_error", "mean_absolute_error", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy", "kl_divergence", "huber",
    "log_cosh", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "categorical_hinge", "hinge", "squared_hinge", "poisson",
)
CALLBACKS = ("EarlyStopping", "History", "ModelCheckpoint", "ReduceLROnPlateau", "CSVLogger",
             "TerminateOnNaN", "BackupAndRestore")



def rebuild_keras(config: dict):
    """A Keras object from the config the student's kernel sent: Keras's own classes only,
    deserialized in safe mode; a model is compiled here from its compile settings."""
    import keras

    _only_keras_modules(config)
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    try:
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:
        if "OOM" in str(error) or isinstance(error, MemoryError):
            raise StudentError("your model is too large for the grader to rebuild: its weights alone "
                               "need more memory than the grader allows") from None
        raise
    if isinstance(obj, keras.Model):
        if obj.built and obj.count_params() > JUDGE_MAX_PARAMS:
            raise StudentError(f"your model has {obj.count_params():,} parameters, more than the "
                               f"grader trains ({JUDGE_MAX_PARAMS:,})")
        if compile_config:
            _compile(obj, compile_config)
    return obj


def _only_keras_modules(node, path="config"):
    """Refuse configs that name code outside Keras (custom or injected classes and functions)."""
    if isinstance(node, dict):
        module = node.get("module")
        builtin_function = module == "builtins" and node.get("class_name") == "function" \
            and _is_keras_function(node.get("config"))  # how Keras writes its own losses and metrics
        if module is not None and not (module == "keras" or str(module).startswith("keras.") or builtin_function):
            name = node.get("class_name") if node.get("class_name") != "function" else node.get("config")
            raise StudentError(f"your model uses {name!r} from {module!r}, which the grader does not "
                               "rebuild: use Keras's own layers, activations, losses and optimizers")
        if ">" in str(node.get("registered_name") or ""):  # an object registered by another package
            raise StudentError(f"your model uses a custom object {node.get('registered_name')!r}, which the "
                               "grader does not rebuild: use Keras's own layers and functions")
        for key, value in node.items():
            _only_keras_modules(value, f"{path}.{key}")
    elif isinstance(node, list):
        for value in node:
            _only_keras_modules(value, path)


def _is_keras_function(name) -> bool:
    """Whether Keras knows a loss, metric or activation function of that name."""
    import keras

    for get in (keras.losses.get, keras.metrics.get, keras.activations.get):
        try:
            if isinstance(name, str) and get(name) is not None:
                return True
        except (ValueError, TypeError):
            pass
    return False


def _compile(model, compile_config: dict) -> None:
    import keras

    loss = compile_config.get("loss")
    if isinstance(loss, dict) and "kit_custom_loss" in loss:
        loss = _keras_loss_like(loss)
    elif loss is not None and not isinstance(loss, str):
        loss = keras.saving.deserialize_keras_object(loss, safe_mode=True)
    metrics = []
    for metric in compile_config.get("metrics") or []:
        if isinstance(metric, str):
            metrics.append(metric)
        elif isinstance(metric, dict) and metric.get("class_name") != "function":
            metrics.append(keras.saving.deserialize_keras_object(metric, safe_mode=True))
    optimizer = compile_config.get("optimizer") or "rmsprop"
    if isinstance(optimizer, dict):
        optimizer = keras.saving.deserialize_keras_object(optimizer, safe_mode=True)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics or None)


def _keras_loss_like(custom: dict):
    """The Keras loss whose values on ``probe.loss_probes()`` equal those of the student's own
    loss function; a stand-in that fails with a clear message when none does."""
    import keras

    name = str(custom.get("kit_custom_loss", "loss"))
    values = custom.get("values") or {}
    for candidate in CANDIDATE_LOSSES:
        agree = 0
        for kind, targets, predictions in probe.loss_probes():
            try:
                want = float(np.mean(np.asarray(keras.losses.get(candidate)(targets, predictions))))
            except Exception:
                continue
            got = values.get(kind)
            if not isinstance(got, (int, float)) or not math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-6):
                break
            agree += 1
        else:
            if agree:
                return candidate

    def unknown_loss(y_true, y_pred):
        raise AssertionError(f"your loss function {name!r} gives values no Keras loss gives, so the "
                             "grader cannot train with it: use a Keras loss")

    unknown_loss.__name__ = name if name.isidentifier() else "unknown_loss"
    return unknown_loss


def rebuild_callback(node: dict, decode):
    """A Keras callback, rebuilt as the nearest Keras class the student's class derives from;
    ``decode`` reads its attributes' nodes."""
    import keras

    for path in node.get("classes", []):
        module, _, name = str(path).rpartition(".")
        if module.startswith("keras") and name in CALLBACKS:
            cls = getattr(keras.callbacks, name)
            obj = cls.__new__(cls)
            for attr, value in node.get("attrs", {}).items():
                if isinstance(attr, str) and attr.isidentifier():
                    setattr(obj, attr, decode(value))
            return obj
    first = str((node.get("classes") or ["callback"])[0])
    return unreadable(f"a {first}", "a callback the grader does not rebuild: use one of Keras's callbacks")
