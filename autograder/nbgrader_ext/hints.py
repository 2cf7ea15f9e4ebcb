"""Hints appended to the errors of an executed notebook: what went wrong, what to write instead.

Two kinds, both read from the executed cells by the grader (nothing runs in the student's
kernel):

* Keras-2 habits that Keras 3 rejects (``SGD(lr=...)``, ``np_utils``, ``ImageDataGenerator``,
  ``activation='ReLU'``, ``predict_classes``...) get the Keras 3 spelling.
* A ``NameError`` for a name that an earlier cell was to define, when that cell failed,
  names that cell: the error to fix is there.
"""

import re
from collections.abc import Callable

ACTIVATIONS = ("relu", "sigmoid", "softmax", "tanh", "elu", "selu", "gelu", "leaky_relu", "swish",
               "silu", "linear", "softplus", "softsign", "exponential", "hard_sigmoid", "relu6", "mish")


def _activation(match: re.Match) -> str:
    written = match.group(1)
    known = {name.replace("_", ""): name for name in ACTIVATIONS}
    name = known.get(written.lower().replace("_", ""))
    if name is None:
        return f"{written!r} is not an activation Keras knows: use one of {', '.join(ACTIVATIONS[:8])}"
    return f"Keras 3 writes activation names in lower case: activation={name!r}"


# (pattern searched in "ename: evalue", hint or function of the match)
KERAS2_HINTS: list[tuple[str, str | Callable[[re.Match], str]]] = [
    (r"not recognized: \{'lr'",
     "Keras 3 calls the learning rate learning_rate: keras.optimizers.SGD(learning_rate=0.1), not lr=0.1"),
    (r"np_utils",
     "keras.utils.np_utils is gone in Keras 3: use keras.utils.to_categorical(labels, num_classes)"),
    (r"ImageDataGenerator",
     "ImageDataGenerator is gone in Keras 3: augment with layers at the start of the model, "
     "e.g. keras.layers.RandomFlip('horizontal'), keras.layers.RandomTranslation(0.1, 0.1)"),
    (r"Could not interpret activation function identifier: (\w+)", _activation),
    (r"has no attribute 'predict_classes'",
     "predict_classes is gone in Keras 3: use model.predict(x).argmax(axis=1)"),
    (r"has no attribute 'fit_generator'",
     "fit_generator is gone in Keras 3: model.fit takes generators and tf.data datasets"),
    (r"unexpected keyword argument 'nb_epoch'", "Keras 3 calls it epochs: model.fit(x, y, epochs=5)"),
    (r"module 'keras.layers' has no attribute 'merge'",
     "layers.merge is gone in Keras 3: use keras.layers.Concatenate() or keras.layers.Add()"),
]

NAME_ERROR = re.compile(r"name '(\w+)' is not defined")


def keras2_hint(message: str) -> str | None:
    """The Keras 3 spelling for an error caused by a Keras-2 habit, or None.

    message: "ename: evalue" of an error output.
    """
    for pattern, hint in KERAS2_HINTS:
        match = re.search(pattern, message)
        if match:
            return hint if isinstance(hint, str) else hint(match)
    return None


def failed_definition_hint(message: str, earlier: list[tuple[str, set[str], str | None]]) -> str | None:
    """For a NameError, the earlier cell that was to define the name but failed, or None.

    earlier: the cells before this one, in order, as (cell name, names it binds at top
    level, "ename" of its error or None).
    """
    match = NAME_ERROR.search(message)
    if not match:
        return None
    for name, bound, error in reversed(earlier):
        if match.group(1) in bound:
            if error is None:
                return None
            return (f"{match.group(1)} is not defined because cell {name}, which defines it, failed "
                    f"with {error}: fix that cell first")
    return None
