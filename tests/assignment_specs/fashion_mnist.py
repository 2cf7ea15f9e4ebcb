"""Fashion-MNIST: plausible mistakes, correct alternatives, noisy answers, stubs, calibrated answers (see __init__)."""

# A correct answer written differently from the master must earn full points.
ALTERNATIVE = {
    "scale_images": '''
def scale_images(images):
    """Scale to [0, 1]."""
    return np.true_divide(images, 255, dtype=np.float32)
''',
    # functional API, softmax output with from_logits=False, loss and optimizer given by name
    "build_baseline": '''
def build_baseline():
    """Functional model with a softmax output."""
    inputs = keras.Input(shape=(28, 28))
    hidden = layers.Flatten()(inputs)
    hidden = layers.Dense(64, activation="relu")(hidden)
    hidden = layers.Dense(64, activation=keras.activations.relu)(hidden)
    outputs = layers.Dense(10, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    return model
''',
    "count_dense_params": '''
def count_dense_params(layer_sizes):
    """Loop instead of a comprehension."""
    sizes = list(layer_sizes)
    total = 0
    for i in range(1, len(sizes)):
        weights = sizes[i - 1] * sizes[i]
        biases = sizes[i]
        total += weights + biases
    return total
''',
    # softmax + SparseCategoricalCrossentropy() instance, layers in a list, functional API
    "build_mlp": '''
def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    """Functional version with a softmax output."""
    inputs = keras.Input((28, 28))
    x = layers.Flatten()(inputs)
    for n in list(hidden_units):
        x = layers.Dense(n, activation=activation)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model
''',
    "epochs_to_reach": '''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    """Plain loop over a numpy array."""
    if hasattr(history, "history"):
        history = history.history
    values = np.asarray(history[metric])
    hits = np.flatnonzero(values >= threshold)
    if len(hits) == 0:
        return None
    return int(hits[0]) + 1
''',
    "make_early_stopping": '''
def make_early_stopping(patience=3):
    """All the arguments spelled out."""
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, mode="min",
                                             patience=patience, verbose=1,
                                             restore_best_weights=True)
    return callback
''',
}

# The master's answer, plus a UserWarning and a line on stderr each time the tests call it.
_NOISE = '''
    import sys
    import warnings
    warnings.warn("this answer is noisy on purpose", UserWarning)
    print("a log line on stderr", file=sys.stderr)
'''

NOISY = {
    "scale_images": f'''
def scale_images(images):
    """Noisy."""{_NOISE}
    return images.astype(np.float32) / 255.0
''',
    "build_baseline": f'''
def build_baseline():
    """Noisy."""{_NOISE}
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"),
                              layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model
''',
    "count_dense_params": f'''
def count_dense_params(layer_sizes):
    """Noisy."""{_NOISE}
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
''',
    "build_mlp": f'''
def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    """Noisy."""{_NOISE}
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten()]
                             + [layers.Dense(n, activation=activation) for n in hidden_units]
                             + [layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model
''',
    "epochs_to_reach": f'''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    """Noisy."""{_NOISE}
    values = getattr(history, "history", history)[metric]
    return next((i + 1 for i, v in enumerate(values) if v >= threshold), None)
''',
    "make_early_stopping": f'''
def make_early_stopping(patience=3):
    """Noisy."""{_NOISE}
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
''',
}


def _baseline(hidden="64, 64", activation="relu", output="None", loss=None, optimizer=None,
              flatten=True):
    """A build_baseline answer with one thing changed."""
    dense = "".join(f'layers.Dense({n}, activation="{activation}"), ' for n in hidden.split(", ") if n)
    loss = loss or "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
    optimizer = optimizer or "keras.optimizers.Adam(learning_rate=0.001)"
    flat = "layers.Flatten(), " if flatten else ""
    output = "None" if output is None else output
    return f'''
def build_baseline():
    """A plausible mistake."""
    model = keras.Sequential([keras.Input((28, 28)), {flat}{dense}layers.Dense(10, activation={output})])
    model.compile(optimizer={optimizer}, loss={loss}, metrics=["accuracy"])
    return model
'''


def _mlp(body_hidden='layers.Dense(units, activation=activation)', output="layers.Dense(10)",
         optimizer="keras.optimizers.Adam(learning_rate=learning_rate)",
         loss="keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
         units_source="hidden_units"):
    """A build_mlp answer with one thing changed."""
    return f'''
def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    """A plausible mistake."""
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten()])
    for units in {units_source}:
        model.add({body_hidden})
    model.add({output})
    model.compile(optimizer={optimizer}, loss={loss}, metrics=["accuracy"])
    return model
'''


def _early(arguments):
    return f'''
def make_early_stopping(patience=3):
    """A plausible mistake."""
    return keras.callbacks.EarlyStopping({arguments})
'''


def _reach(body):
    return f'''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    """A plausible mistake."""
    values = getattr(history, "history", history)[metric]
{body}
'''


WRONG = {
    "scale_images": {
        "divide_by_batch_max": '''
def scale_images(images):
    return (images / images.max()).astype(np.float32)
''',
        "divide_by_256": '''
def scale_images(images):
    return images.astype(np.float32) / 256.0
''',
        "float64": '''
def scale_images(images):
    return images / 255.0
''',
    },
    "build_baseline": {
        "sigmoid_output_from_logits": _baseline(output='"sigmoid"'),
        "softmax_output_from_logits": _baseline(output='"softmax"'),
        "linear_output_probability_loss": _baseline(loss='"sparse_categorical_crossentropy"'),
        "width_32": _baseline(hidden="32, 32"),
        "one_hidden_layer": _baseline(hidden="64"),
        "sigmoid_hidden": _baseline(activation="sigmoid"),
        "sgd": _baseline(optimizer="keras.optimizers.SGD(learning_rate=0.001)"),
        "learning_rate_10x": _baseline(optimizer="keras.optimizers.Adam(learning_rate=0.01)"),
        "no_flatten": _baseline(flatten=False),
    },
    "count_dense_params": {
        "forgets_biases": '''
def count_dense_params(layer_sizes):
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
''',
        "biases_of_the_input_layer": '''
def count_dense_params(layer_sizes):
    return sum(a * b + a for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
''',
        "off_by_one": '''
def count_dense_params(layer_sizes):
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])) + 1
''',
    },
    "build_mlp": {
        "ignores_activation": _mlp(body_hidden='layers.Dense(units, activation="relu")'),
        "ignores_learning_rate": _mlp(optimizer="keras.optimizers.Adam(learning_rate=0.001)"),
        "activation_on_output": _mlp(output="layers.Dense(10, activation=activation)"),
        "sigmoid_output_from_logits": _mlp(output='layers.Dense(10, activation="sigmoid")'),
        "first_hidden_layer_only": _mlp(units_source="hidden_units[:1]"),
    },
    "epochs_to_reach": {
        "zero_based": _reach(
            "    return next((i for i, v in enumerate(values) if v >= threshold), None)"),
        "strictly_greater": _reach(
            "    return next((i + 1 for i, v in enumerate(values) if v > threshold), None)"),
        "minus_one_when_never": _reach(
            "    return next((i + 1 for i, v in enumerate(values) if v >= threshold), -1)"),
        "ignores_metric": '''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    values = getattr(history, "history", history)["val_accuracy"]
    return next((i + 1 for i, v in enumerate(values) if v >= threshold), None)
''',
        "dict_only": '''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    return next((i + 1 for i, v in enumerate(history[metric]) if v >= threshold), None)
''',
    },
    "make_early_stopping": {
        "monitors_val_accuracy": _early(
            'monitor="val_accuracy", patience=patience, restore_best_weights=True'),
        "no_restore_best_weights": _early('monitor="val_loss", patience=patience'),
        "fixed_patience": _early('monitor="val_loss", patience=3, restore_best_weights=True'),
        "maximises_the_loss": _early(
            'monitor="val_loss", mode="max", patience=patience, restore_best_weights=True'),
    },
}

# Correct answers as real students write them: tf.keras imports, Sequential() with .add and
# input_shape=, softmax outputs with the loss by name, shadowed builtins, their own helpers,
# a History or a dict handled by hand, callbacks imported from tensorflow.keras.
STUDENT_STYLE = {
    "scale_images": '''
def scale_images(images):
    images = images.astype('float32')
    images /= 255
    return images
''',
    "build_baseline": '''
import tensorflow as tf

def build_baseline():
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(64, activation='relu'))
    model.add(tf.keras.layers.Dense(64, activation='relu'))
    model.add(tf.keras.layers.Dense(10, activation='softmax'))
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3),
                  loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
''',
    "count_dense_params": '''
def count_dense_params(layer_sizes):
    sum = 0
    for i in range(len(layer_sizes) - 1):
        sum += layer_sizes[i] * layer_sizes[i + 1]  # weights
        sum += layer_sizes[i + 1]                    # biases
    return sum
''',
    "build_mlp": '''
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Flatten

def add_hidden_layers(model, sizes, act):
    for n in sizes:
        model.add(Dense(n, activation=act))

def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    model = Sequential()
    model.add(Flatten(input_shape=(28, 28)))
    add_hidden_layers(model, hidden_units, activation)
    model.add(Dense(10, activation='softmax'))
    opt = tf.keras.optimizers.Adam(learning_rate=learning_rate)
    model.compile(loss='sparse_categorical_crossentropy', optimizer=opt, metrics=['accuracy'])
    return model
''',
    "epochs_to_reach": '''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    if type(history) == dict:
        h = history
    else:
        h = history.history
    for i in range(len(h[metric])):
        if h[metric][i] >= threshold:
            return i + 1
    return None
''',
    "make_early_stopping": '''
from tensorflow.keras.callbacks import EarlyStopping

def make_early_stopping(patience=3):
    es = EarlyStopping(monitor='val_loss', mode='min', patience=patience, verbose=1,
                       restore_best_weights=True)
    return es
''',
}


# Stubs of the right shape, doing none of the part's work: each must score 0 on its part's tests
# (docs/authoring.md, "Weighing the checks"). A model stub has the part's Dense units but no
# activations, SGD and a mean squared error: the right layers, compiled with nonsense; the
# callback stub is Keras's EarlyStopping() with its defaults (monitor "val_loss", mode "auto",
# which the tests count as format checks for that reason).
STUBS = {
    "scale_images": '''
def scale_images(images):
    return np.zeros(images.shape, dtype=np.float32)
''',
    "build_baseline": '''
def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(64), layers.Dense(64),
                              layers.Dense(10)])
    model.compile(optimizer="sgd", loss="mse")
    return model
''',
    "count_dense_params": '''
def count_dense_params(layer_sizes):
    return 0
''',
    "build_mlp": '''
def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10)])
    model.compile(optimizer="sgd", loss="mse")
    return model
''',
    "epochs_to_reach": '''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    return None
''',
    "make_early_stopping": '''
def make_early_stopping(patience=3):
    return keras.callbacks.EarlyStopping()
''',
}

# Half-right answers and what a fair TA gives them (test id -> points), which the grader's score
# must match within FAIR_TOLERANCE of the cell (tests/test_mutants.py); tests not named keep full
# points. The output/loss pairing costs half of test_build_baseline and of test_build_mlp alike; a
# network that does not learn besides (chance-level accuracy) costs another fifth.
CALIBRATED = {
    "scale_images": {
        # right on the visible example (whose brightest pixel is 255), wrong on every other batch
        "divide_by_batch_max": (WRONG["scale_images"]["divide_by_batch_max"], {"test_scale_images": 0.5}),
        # a fixed scale, the wrong constant: values within 0.4% of the right ones
        "divide_by_256": (WRONG["scale_images"]["divide_by_256"], {"test_scale_images": 1.0}),
        # the right values, float64 where the text asks for float32
        "float64": (WRONG["scale_images"]["float64"], {"test_scale_images": 1.75}),
        # each image scaled to its own minimum and maximum: what the text warns against
        "per_image_min_max": ('''
def scale_images(images):
    images = images.astype('float32')
    for i in range(len(images)):
        images[i] = (images[i] - images[i].min()) / (images[i].max() - images[i].min())
    return images
''', {"test_scale_images": 0.25}),
    },
    "build_baseline": {
        # the mistake Part 2 teaches; Keras 3 trains on the values before the sigmoid, so it learns
        "sigmoid_output_from_logits": (WRONG["build_baseline"]["sigmoid_output_from_logits"],
                                       {"test_build_baseline": 2.0}),
        # softmax applied twice; it still learns
        "softmax_output_from_logits": (WRONG["build_baseline"]["softmax_output_from_logits"],
                                       {"test_build_baseline": 2.0}),
        # logits read as probabilities: chance-level accuracy (0.105)
        "linear_output_probability_loss": (WRONG["build_baseline"]["linear_output_probability_loss"],
                                           {"test_build_baseline": 1.0}),
        # the hidden layers without ReLU: a linear classifier, which still learns
        "tf_keras_no_hidden_activation": ('''
import tensorflow as tf

def build_baseline():
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(64))
    model.add(tf.keras.layers.Dense(64))
    model.add(tf.keras.layers.Dense(10, activation='softmax'))
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
''', {"test_build_baseline": 3.0}),
        # sigmoid outputs read as probabilities: neither logits nor probabilities, but it learns
        "tf_keras_sigmoid_output_by_name": ('''
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Flatten

def build_baseline():
    model = Sequential()
    model.add(Flatten(input_shape=(28, 28)))
    model.add(Dense(64, activation='relu'))
    model.add(Dense(64, activation='relu'))
    model.add(Dense(10, activation='sigmoid'))
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
''', {"test_build_baseline": 2.0}),
        # ReLU on the output as well, read as logits: they cannot be negative, and it learns
        # badly (0.40 after 2 epochs)
        "relu_output_from_logits": ('''
def build_baseline():
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28)))
    model.add(layers.Flatten())
    for i in range(3):
        model.add(layers.Dense(64 if i < 2 else 10, activation="relu"))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model
''', {"test_build_baseline": 1.25}),
    },
    "count_dense_params": {
        # the weights right, the biases (the bold "and" of the text) forgotten
        "forgets_biases": (WRONG["count_dense_params"]["forgets_biases"], {"test_count_dense_params": 1.0}),
        # a bias per input unit instead of per output unit
        "biases_of_the_input_layer": (WRONG["count_dense_params"]["biases_of_the_input_layer"],
                                      {"test_count_dense_params": 1.0}),
        # biases for the input layer too
        "biases_of_every_layer": ('''
def count_dense_params(layer_sizes):
    weights = 0
    for i in range(len(layer_sizes) - 1):
        weights += layer_sizes[i] * layer_sizes[i + 1]
    biases = sum(layer_sizes)
    return weights + biases
''', {"test_count_dense_params": 1.25}),
    },
    "build_mlp": {
        # Part 2's mistake costs the same share here
        "sigmoid_output_from_logits": (WRONG["build_mlp"]["sigmoid_output_from_logits"], {"test_build_mlp": 1.5}),
        "linear_output_probability_loss": (_mlp(loss='"sparse_categorical_crossentropy"'), {"test_build_mlp": 0.75}),
        # the hidden activation on the output too (ReLU in the trained case, which learns badly)
        "activation_on_output": (WRONG["build_mlp"]["activation_on_output"], {"test_build_mlp": 1.0}),
        # one of the three arguments ignored
        "ignores_activation": (WRONG["build_mlp"]["ignores_activation"], {"test_build_mlp": 2.5}),
        "ignores_learning_rate": (WRONG["build_mlp"]["ignores_learning_rate"], {"test_build_mlp": 2.5}),
        "tf_keras_fixed_two_hidden_layers": ('''
import tensorflow as tf

def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    model = tf.keras.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(hidden_units[0] if hidden_units else 64, activation=activation))
    model.add(tf.keras.layers.Dense(hidden_units[-1] if hidden_units else 64, activation=activation))
    model.add(tf.keras.layers.Dense(10, activation='softmax'))
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
''', {"test_build_mlp": 2.5}),
        # softmax applied twice, as in Part 2
        "tf_keras_softmax_from_logits": ('''
import tensorflow as tf
from tensorflow.keras.layers import Dense, Flatten

def build_mlp(hidden_units=(64, 64), activation="relu", learning_rate=0.001):
    model = tf.keras.Sequential()
    model.add(Flatten(input_shape=(28, 28)))
    for n in hidden_units:
        model.add(Dense(n, activation=activation))
    model.add(Dense(10, activation="softmax"))
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model
''', {"test_build_mlp": 1.5}),
    },
    "epochs_to_reach": {
        # the search right, every epoch number off by one
        "zero_based": (WRONG["epochs_to_reach"]["zero_based"], {"test_epochs_to_reach": 1.25}),
        # wrong where a value equals the threshold
        "strictly_greater": (WRONG["epochs_to_reach"]["strictly_greater"], {"test_epochs_to_reach": 2.0}),
        "minus_one_when_never": (WRONG["epochs_to_reach"]["minus_one_when_never"], {"test_epochs_to_reach": 2.5}),
        "ignores_metric": (WRONG["epochs_to_reach"]["ignores_metric"], {"test_epochs_to_reach": 2.0}),
        "dict_only": (WRONG["epochs_to_reach"]["dict_only"], {"test_epochs_to_reach": 2.5}),
        # counts from 0 and needs more than the threshold: two mistakes, which cancel at some ties
        "index_loop_zero_based_strict": ('''
def epochs_to_reach(history, threshold, metric="val_accuracy"):
    if type(history) != dict:
        history = history.history
    list = history[metric]
    for i in range(len(list)):
        if list[i] > threshold:
            return i
    return None
''', {"test_epochs_to_reach": 0.75}),
    },
    "make_early_stopping": {
        # stops by another quantity (and keeps the most accurate epoch)
        "monitors_val_accuracy": (WRONG["make_early_stopping"]["monitors_val_accuracy"],
                                  {"test_make_early_stopping": 1.0}),
        # stops at the right time but keeps the last, overfitted epoch's weights
        "no_restore_best_weights": (WRONG["make_early_stopping"]["no_restore_best_weights"],
                                    {"test_make_early_stopping": 1.25}),
        # ignores its argument
        "fixed_patience": (WRONG["make_early_stopping"]["fixed_patience"], {"test_make_early_stopping": 1.0}),
        # a rising loss counted as progress: stops while training goes well
        "maximises_the_loss": (WRONG["make_early_stopping"]["maximises_the_loss"],
                               {"test_make_early_stopping": 1.0}),
        "tf_keras_patience_only": ('''
from tensorflow.keras.callbacks import EarlyStopping

def make_early_stopping(patience=3):
    es = EarlyStopping(patience=patience)
    return es
''', {"test_make_early_stopping": 1.25}),
    },
}
