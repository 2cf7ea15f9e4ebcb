"""MNIST answers for the pipeline tests: plausible mistakes, other correct ways, noisy ones,
stubs of the right shape, and half-right answers with the score a fair TA gives."""

WRONG = {
    "normalize_images": {
        "divides_by_256": 'def normalize_images(x):\n    return x.astype("float32") / 256.0',
        "integer_division": "def normalize_images(x):\n    return x // 255",
        # changes its input so that expected values computed from it after the call would agree
        "zeroes_its_input": 'def normalize_images(x):\n    x[...] = 0\n    return x.astype("float32")',
    },
    "one_hot": {
        "off_by_one": 'def one_hot(labels, num_classes=10):\n    return np.eye(num_classes, dtype="float32")[labels - 1]',
        "ignores_num_classes": 'def one_hot(labels, num_classes=10):\n    return np.eye(10, dtype="float32")[labels]',
        "classes_from_labels": 'def one_hot(labels, num_classes=10):\n    return np.eye(labels.max() + 1, dtype="float32")[labels]',
    },
    "accuracy": {
        "argmax_over_batch": "def accuracy(labels, scores):\n    return float(np.mean(np.argmax(scores, axis=0) == labels))",
    },
    "build_baseline": {
        "relu_output": """def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10, activation="relu")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["accuracy"])
    return model""",
        "cross_entropy_loss": """def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model""",
        "learning_rate_0.01": """def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["accuracy"])
    return model""",
    },
    "final_test_accuracies": {
        "model_built_once": """def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    model = build_model()
    accuracies = []
    for _ in range(n_runs):
        model.fit(x_train, y_train, epochs=epochs, verbose=0)
        accuracies.append(model.evaluate(x_test, y_test, return_dict=True, verbose=0)["accuracy"])
    return np.array(accuracies)""",
        "train_accuracy": """def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    accuracies = []
    for _ in range(n_runs):
        model = build_model()
        history = model.fit(x_train, y_train, epochs=epochs, verbose=0)
        accuracies.append(history.history["accuracy"][-1])
    return np.array(accuracies)""",
    },
    "categorical_crossentropy": {
        "sum_not_mean": """def categorical_crossentropy(targets, probabilities):
    probabilities = np.clip(probabilities, 1e-7, 1.0)
    return float(-np.sum(targets * np.log(probabilities)))""",
        "no_clipping": """def categorical_crossentropy(targets, probabilities):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.mean(np.sum(targets * np.log(probabilities), axis=1)))""",
    },
    "build_classifier": {
        "linear_output": """def build_classifier(hidden_units):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(hidden_units, activation="relu"), layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
        "ignores_width": """def build_classifier(hidden_units):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    },
    "count_parameters": {
        "forgets_biases": """def count_parameters(layer_sizes):
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))""",
        "counts_input_biases": """def count_parameters(layer_sizes):
    return sum(a * b + a for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))""",
    },
    "build_regularized": {
        "no_regularizer": """def build_regularized(l2):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(500, activation="relu"), layers.Dense(300, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
        "fixed_factor": """def build_regularized(l2):
    reg = keras.regularizers.L2(1e-4)
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(500, activation="relu", kernel_regularizer=reg),
                              layers.Dense(300, activation="relu", kernel_regularizer=reg),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    },
    "build_sgd_classifier": {
        "momentum_ignored": """def build_sgd_classifier(learning_rate, momentum=0.0):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    },
    "build_cnn": {
        "wrong_filters": """def build_cnn(n_conv):
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for i in range(n_conv):
        model.add(layers.Conv2D(32, 3, activation="relu"))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
        "tiny_learning_rate": """def build_cnn(n_conv):
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for i in range(n_conv):
        model.add(layers.Conv2D(32 * 2**i, 3, activation="relu"))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-5),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    },
    "confusion_matrix": {
        "fancy_index_increment": """def confusion_matrix(labels, predictions, num_classes=10):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    matrix[labels, predictions] += 1
    return matrix""",
        "transposed": """def confusion_matrix(labels, predictions, num_classes=10):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (predictions, labels), 1)
    return matrix""",
    },
    "build_best_model": {
        "too_weak": """def build_best_model():
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(2, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    },
}

ALTERNATIVE = {
    "normalize_images": "def normalize_images(x):\n    return np.divide(x, 255, dtype=np.float32)",
    "one_hot": """def one_hot(labels, num_classes=10):
    out = np.zeros((len(labels), num_classes), dtype="float32")
    out[np.arange(len(labels)), labels] = 1
    return out""",
    "accuracy": "def accuracy(labels, scores):\n    return (scores.argmax(-1) == labels).sum() / len(labels)",
    "build_baseline": """def build_baseline():
    inputs = keras.Input(shape=(28, 28))
    hidden = layers.Dense(32, activation=keras.activations.relu)(layers.Flatten()(inputs))
    model = keras.Model(inputs, layers.Dense(10, activation="linear")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.MeanSquaredError(),
                  metrics=["acc"])
    return model""",
    "final_test_accuracies": """def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    def one_run():
        model = build_model()
        model.fit(x_train, y_train, epochs=epochs, batch_size=16, verbose=0)
        return model.evaluate(x_test, y_test, verbose=0)[1]
    return np.array([one_run() for _ in range(n_runs)])""",
    "categorical_crossentropy": """def categorical_crossentropy(targets, probabilities):
    picked = np.clip(probabilities[targets.astype(bool)], 1e-7, None)
    return -np.log(picked).mean()""",
    "build_classifier": """def build_classifier(hidden_units):
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28)))
    model.add(layers.Reshape((784,)))
    model.add(layers.Dense(hidden_units))
    model.add(layers.Dense(10, activation=keras.activations.softmax))
    model.layers[1].activation = keras.activations.relu
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model""",
    "count_parameters": """def count_parameters(layer_sizes):
    total = 0
    for i in range(1, len(layer_sizes)):
        total += (layer_sizes[i - 1] + 1) * layer_sizes[i]
    return total""",
    "build_regularized": """def build_regularized(l2):
    def dense(units):
        return layers.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.l2(l2))
    inputs = keras.Input((28, 28))
    x = dense(300)(dense(500)(layers.Flatten()(inputs)))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    "build_sgd_classifier": """def build_sgd_classifier(learning_rate, momentum=0.0):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(32, "relu"),
                              layers.Dense(10, "softmax")])
    optimizer = keras.optimizers.SGD(learning_rate, momentum)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    "build_cnn": """def build_cnn(n_conv):
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for filters in [32, 64][:n_conv]:
        x = layers.MaxPool2D()(layers.Conv2D(filters, (3, 3), activation="relu")(x))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(layers.Flatten()(x)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    "confusion_matrix": """def confusion_matrix(labels, predictions, num_classes=10):
    counts = np.bincount(labels * num_classes + predictions, minlength=num_classes ** 2)
    return counts.reshape(num_classes, num_classes)""",
    "build_best_model": """def build_best_model():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.BatchNormalization(), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model""",
}

NOISY = {
    # Keras 3 warns about `input_shape=` on a layer: a correct model, an old idiom.
    "build_baseline": """def build_baseline():
    import sys, warnings
    warnings.simplefilter("always")
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(32, activation="relu"), layers.Dense(10)])
    print("some library log line", file=sys.stderr)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["accuracy"])
    return model""",
    "normalize_images": """def normalize_images(x):
    import sys, warnings
    warnings.warn("normalize_images: converting uint8 to float32", UserWarning)
    print("log: normalising", file=sys.stderr)
    return x.astype("float32") / 255.0""",
    "confusion_matrix": """def confusion_matrix(labels, predictions, num_classes=10):
    import sys, warnings
    warnings.warn("np.add.at is slow on big arrays", RuntimeWarning)
    print("log: counting pairs", file=sys.stderr)
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix""",
}

# Correct answers in the styles real students write: tf.keras, Sequential() with .add,
# input_shape= on the first layer, a loss written as a Python function, their own helpers.
STUDENT_STYLE = {
    "build_baseline": """import tensorflow as tf

def squared_error(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

def build_baseline():
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(32, activation=tf.nn.relu))
    model.add(tf.keras.layers.Dense(10))
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.1), loss=squared_error,
                  metrics=["accuracy"])
    return model""",
    "build_classifier": """def dense_stack(units, activation):
    return [layers.Dense(units, activation=activation)]

def build_classifier(hidden_units):
    model = keras.models.Sequential()
    model.add(layers.Flatten(input_shape=(28, 28)))
    for layer in dense_stack(hidden_units, "relu") + dense_stack(10, "softmax"):
        model.add(layer)
    model.compile(loss=keras.losses.sparse_categorical_crossentropy, optimizer=keras.optimizers.Adam(),
                  metrics=["accuracy"])
    return model""",
    "build_cnn": """def build_cnn(n_conv):
    import tensorflow as tf
    model = tf.keras.Sequential()
    for i in range(n_conv):
        if i == 0:
            model.add(tf.keras.layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
        else:
            model.add(tf.keras.layers.Conv2D(32 * 2 ** i, (3, 3), activation="relu"))
        model.add(tf.keras.layers.MaxPool2D((2, 2)))
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
    # a Keras-2 habit: no input shape at all; Keras builds the model on its first batch
    "build_best_model": """def build_best_model():
    model = keras.Sequential()
    model.add(layers.Conv2D(32, 3, activation="relu", padding="same"))
    model.add(layers.MaxPooling2D())
    model.add(layers.Conv2D(64, 3, activation="relu", padding="same"))
    model.add(layers.MaxPooling2D())
    model.add(layers.Flatten())
    model.add(layers.Dense(128, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""",
}

# Stubs of the right shape that do none of the part's work (docs/authoring.md, "Weighing the
# checks"): the identity, zeros, a constant, a model of the right kinds of layers with Keras's
# defaults (units, no activation, compile() without an optimizer). Each scores 0.
STUBS = {
    "normalize_images": 'def normalize_images(x):\n    return x.astype("float32")',
    "one_hot": 'def one_hot(labels, num_classes=10):\n    return np.zeros((len(labels), num_classes), dtype="float32")',
    "accuracy": "def accuracy(labels, scores):\n    return 0.0",
    "build_baseline": """def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Dense(10)])
    model.compile(loss="categorical_crossentropy")
    return model""",
    "final_test_accuracies": """def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    return np.zeros(n_runs)""",
    "categorical_crossentropy": "def categorical_crossentropy(targets, probabilities):\n    return 0.0",
    "build_classifier": """def build_classifier(hidden_units):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Dense(10)])
    model.compile(loss="mse")
    return model""",
    "count_parameters": "def count_parameters(layer_sizes):\n    return 0",
    "build_regularized": """def build_regularized(l2):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Dense(10),
                              layers.Dense(10)])
    model.compile(loss="mse")
    return model""",
    "build_sgd_classifier": """def build_sgd_classifier(learning_rate, momentum=0.0):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Dense(10)])
    model.compile(loss="mse")
    return model""",
    "build_cnn": """def build_cnn(n_conv):
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(1, 1), layers.MaxPooling2D(1),
                              layers.Conv2D(1, 1), layers.MaxPooling2D(1), layers.Flatten(), layers.Dense(10)])
    model.compile(loss="mse")
    return model""",
    "confusion_matrix": """def confusion_matrix(labels, predictions, num_classes=10):
    return np.zeros((num_classes, num_classes), dtype=int)""",
    "build_best_model": """def build_best_model():
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10)])
    model.compile(loss="mse")
    return model""",
}

# Half-right answers, in the styles students write, with the score a fair TA gives each test
# cell of the part (the fraction of the part's concept that is right); the grader must land
# within tests/test_mutants.FAIR_TOLERANCE of the cell's points.
CALIBRATED = {
    "normalize_images": {
        "divides_by_256": ('def normalize_images(x):\n    return x.astype("float32") / 256.0',
                           {"test_normalize_images": 1.0}),
        "float64": ("def normalize_images(x):\n    return x / 255", {"test_normalize_images": 1.75}),
    },
    "one_hot": {
        "off_by_one": ('def one_hot(labels, num_classes=10):\n    return np.eye(num_classes, dtype="float32")[labels - 1]',
                       {"test_one_hot": 0.5}),
        "ignores_num_classes": ('def one_hot(labels, num_classes=10):\n    return np.eye(10, dtype="float32")[labels]',
                                {"test_one_hot": 1.0}),
        "classes_from_labels": ("""def one_hot(labels, num_classes=10):
    n = max(labels) + 1
    out = np.zeros((len(labels), n))
    for i in range(len(labels)):
        out[i][labels[i]] = 1
    return out""", {"test_one_hot": 1.5}),
    },
    "build_baseline": {
        # the text asks for SGD(learning_rate=0.1); "sgd" is SGD(0.01), too slow to learn in 3 epochs
        "default_sgd": ("""import tensorflow as tf

def build_baseline():
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(32, activation="relu"))
    model.add(tf.keras.layers.Dense(10))
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
    return model""", {"test_build_baseline": 2.0}),
        "cross_entropy_loss": ("""def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_baseline": 1.0}),
        "softmax_output": ("""def build_baseline():
    model = keras.Sequential()
    model.add(layers.Flatten(input_shape=(28, 28)))
    model.add(layers.Dense(32, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["accuracy"])
    return model""", {"test_build_baseline": 1.0}),
        "relu_output": ("""def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10, activation="relu")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["accuracy"])
    return model""", {"test_build_baseline": 2.0}),
        "adam": ("""def build_baseline():
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10)])
    model.compile(optimizer="adam", loss="mean_squared_error", metrics=["accuracy"])
    return model""", {"test_build_baseline": 2.5}),
    },
    "final_test_accuracies": {
        # the "classic bug" the text names
        "model_built_once": ("""def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    model = build_model()
    accuracies = []
    for _ in range(n_runs):
        model.fit(x_train, y_train, epochs=epochs, verbose=0)
        accuracies.append(model.evaluate(x_test, y_test, return_dict=True, verbose=0)["accuracy"])
    return np.array(accuracies)""", {"test_final_test_accuracies": 1.0}),
        "train_accuracy": ("""def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    accuracies = []
    for _ in range(n_runs):
        model = build_model()
        history = model.fit(x_train, y_train, epochs=epochs, verbose=0)
        accuracies.append(history.history["accuracy"][-1])
    return np.array(accuracies)""", {"test_final_test_accuracies": 2.0}),
        "never_trains": ("""def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    accuracies = []
    for run in range(n_runs):
        model = build_model()
        loss, acc = model.evaluate(x_test, y_test, verbose=0)
        accuracies.append(acc)
    return np.array(accuracies)""", {"test_final_test_accuracies": 2.0}),
        # right, but the next cell calls accuracies.mean(): a list has none
        "returns_list": ("""def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    list = []
    for i in range(n_runs):
        model = build_model()
        model.fit(x_train, y_train, epochs=epochs, verbose=0)
        list.append(model.evaluate(x_test, y_test, return_dict=True, verbose=0)["accuracy"])
    return list""", {"test_final_test_accuracies": 2.75}),
    },
    "categorical_crossentropy": {
        "sum_not_mean": ("""def categorical_crossentropy(targets, probabilities):
    probabilities = np.clip(probabilities, 1e-7, 1.0)
    return float(-np.sum(targets * np.log(probabilities)))""", {"test_categorical_crossentropy": 1.0}),
        "no_clipping": ("""def categorical_crossentropy(targets, probabilities):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.mean(np.sum(targets * np.log(probabilities), axis=1)))""",
                        {"test_categorical_crossentropy": 1.5}),
        # the mean over every entry divides by N * C instead of N
        "mean_over_entries": ("""def categorical_crossentropy(targets, probabilities):
    p = np.clip(probabilities, 1e-7, 1)
    return -np.mean(targets * np.log(p))""", {"test_categorical_crossentropy": 0.5}),
    },
    "build_classifier": {
        "linear_output": ("""def build_classifier(hidden_units):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(hidden_units, activation="relu"), layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_classifier": 1.0}),
        "ignores_width": ("""def build_classifier(hidden_units):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_classifier": 2.5}),
        # one-hot loss with the integer labels the text asks for: fit() fails
        "categorical_loss": ("""import tensorflow as tf

def build_classifier(hidden_units):
    model = tf.keras.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(hidden_units, activation="relu"))
    model.add(tf.keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_classifier": 1.5}),
        # softmax outputs read as logits by the loss
        "softmax_from_logits": ("""def build_classifier(hidden_units):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(hidden_units, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model""", {"test_build_classifier": 2.0}),
    },
    "count_parameters": {
        "forgets_biases": ("""def count_parameters(layer_sizes):
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))""", {"test_count_parameters": 1.0}),
        "counts_input_biases": ("""def count_parameters(layer_sizes):
    total = 0
    for i in range(len(layer_sizes) - 1):
        total += layer_sizes[i] * layer_sizes[i + 1] + layer_sizes[i]
    return total""", {"test_count_parameters": 1.0}),
    },
    "build_regularized": {
        # the row: no regulariser at all, and SGD where the text asks for Adam
        "no_regularizer_sgd": ("""def build_regularized(l2):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(500, activation="relu"), layers.Dense(300, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_regularized": 0.5}),
        "fixed_factor": ("""def build_regularized(l2):
    reg = keras.regularizers.L2(1e-4)
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(500, activation="relu", kernel_regularizer=reg),
                              layers.Dense(300, activation="relu", kernel_regularizer=reg),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_regularized": 1.5}),
        "first_layer_only": ("""import tensorflow as tf

def build_regularized(l2):
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(28, 28)))
    model.add(tf.keras.layers.Dense(500, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(l2)))
    model.add(tf.keras.layers.Dense(300, activation="relu"))
    model.add(tf.keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_regularized": 2.0}),
        "bias_regularizer": ("""def build_regularized(l2):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(500, activation="relu", bias_regularizer=keras.regularizers.L2(l2)),
                              layers.Dense(300, activation="relu", bias_regularizer=keras.regularizers.L2(l2)),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_regularized": 1.0}),
    },
    "build_sgd_classifier": {
        "momentum_ignored": ("""def build_sgd_classifier(learning_rate, momentum=0.0):
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_sgd_classifier": 1.0}),
        "learning_rate_ignored": ("""def build_sgd_classifier(learning_rate, momentum=0.0):
    model = keras.Sequential()
    model.add(layers.Flatten(input_shape=(28, 28)))
    model.add(layers.Dense(32, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.SGD(momentum=momentum),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_sgd_classifier": 1.0}),
    },
    "build_cnn": {
        "wrong_filters": ("""def build_cnn(n_conv):
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for i in range(n_conv):
        model.add(layers.Conv2D(32, 3, activation="relu"))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_cnn": 2.5}),
        "tiny_learning_rate": ("""def build_cnn(n_conv):
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for i in range(n_conv):
        model.add(layers.Conv2D(32 * 2**i, 3, activation="relu"))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-5),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_cnn": 2.0}),
        "no_pooling": ("""import tensorflow as tf

def build_cnn(n_conv):
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(28, 28, 1)))
    for i in range(n_conv):
        model.add(tf.keras.layers.Conv2D(32 * 2 ** i, (3, 3), activation="relu"))
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_cnn": 2.0}),
    },
    "confusion_matrix": {
        # the team's decision: the counting is right, the orientation the part teaches is not: a third
        "transposed": ("""def confusion_matrix(labels, predictions, num_classes=10):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (predictions, labels), 1)
    return matrix""", {"test_confusion_matrix": 1.0}),
        "fancy_index_increment": ("""def confusion_matrix(labels, predictions, num_classes=10):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    matrix[labels, predictions] += 1
    return matrix""", {"test_confusion_matrix": 1.0}),
    },
    "build_best_model": {
        "too_weak": ("""def build_best_model():
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(2, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model""", {"test_build_best_model": 0.5}),
        "no_accuracy_metric": ("""def build_best_model():
    model = keras.Sequential([keras.Input((28, 28, 1)),
                              layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                              layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
                              layers.Flatten(), layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model""", {"test_build_best_model": 2.75}),
    },
}
