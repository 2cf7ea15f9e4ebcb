"""CIFAR-10 answers for the pipeline tests: plausible mistakes, other correct ways, noisy ones.

Answer ids are unique over the two notebooks: two_layer_net.ipynb (part A, NumPy) and
cnn.ipynb (part B, Keras).
"""

from pathlib import Path

from autograder.notebook.submissions import master_answers, read

_SOURCE = Path(__file__).resolve().parents[2] / "source" / "cifar10"

# ----------------------------------------------------------------------------- part A (NumPy)

_SOFTMAX_HEAD = "def softmax_loss(scores, y, params, reg):\n"
_LOSS_HEAD = "def loss_and_grads(X, y, params, reg):\n"
_FORWARD_BACKWARD = """    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z = X @ W1 + b1
    hidden = np.maximum(0, z)
    scores = hidden @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    dscores /= N
"""


def _loss_and_grads(loss_line, w2_line, dz_line, w1_line):
    return (_LOSS_HEAD + _FORWARD_BACKWARD + f"    loss = {loss_line}\n"
            f"    grads = {{\"W2\": {w2_line}, \"b2\": dscores.sum(axis=0)}}\n"
            f"    dz = {dz_line}\n"
            f"    grads[\"W1\"] = {w1_line}\n"
            "    grads[\"b1\"] = dz.sum(axis=0)\n"
            "    return float(loss), grads")


_DATA_LOSS = "-log_probs[np.arange(N), y].mean()"
_PENALTY = "(np.sum(W1 ** 2) + np.sum(W2 ** 2))"

_TRAIN_HEAD = """def train_sgd(params, X, y, X_val, y_val, loss_fn, predict_fn, learning_rate=1e-3,
              lr_decay=0.95, num_epochs=10, batch_size=200, seed=0):
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    history = {"loss": [], "train_acc": [], "val_acc": []}
    for _ in range(num_epochs):
        order = rng.permutation(n)
        for b in range(max(n // batch_size, 1)):
            batch = order[b * batch_size:(b + 1) * batch_size]
            loss, grads = loss_fn(X[batch], y[batch], params)
            for name in params:
                params[name] %s learning_rate * grads[name]
            history["loss"].append(float(loss))
%s        history["train_acc"].append(float(np.mean(predict_fn(X, params) == y)))
        history["val_acc"].append(float(np.mean(predict_fn(X_val, params) == y_val)))
%s    return params, history"""


def _train_sgd(update="-=", per_batch="", per_epoch="        learning_rate *= lr_decay\n"):
    return _TRAIN_HEAD % (update, per_batch, per_epoch)


WRONG_A = {
    "init_params": {
        "random_biases": """def init_params(D, H, C, std=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": std * rng.standard_normal((D, H)), "b1": std * rng.standard_normal(H),
            "W2": std * rng.standard_normal((H, C)), "b2": std * rng.standard_normal(C)}""",
        "std_squared": """def init_params(D, H, C, std=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": std ** 2 * rng.standard_normal((D, H)), "b1": np.zeros(H),
            "W2": std ** 2 * rng.standard_normal((H, C)), "b2": np.zeros(C)}""",
    },
    "forward_scores": {
        "no_relu": """def forward_scores(X, params):
    return (X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]""",
        "no_first_bias": """def forward_scores(X, params):
    return np.maximum(0, X @ params["W1"]) @ params["W2"] + params["b2"]""",
    },
    "softmax_loss": {
        # Overflows to nan for scores around 1000; right otherwise.
        "no_max_shift": (_SOFTMAX_HEAD + """    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    data_loss = -np.log(probs[np.arange(len(y)), y]).mean()
    return float(data_loss + reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))""",
                         ["test_softmax_loss_stable"]),
        # The stability test runs at reg=0: only the loss test notices a wrong L2 term.
        "no_reg_term": (_SOFTMAX_HEAD + """    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())""", ["test_softmax_loss"]),
        "half_reg_convention": (_SOFTMAX_HEAD + """    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    data_loss = -log_probs[np.arange(len(y)), y].mean()
    return float(data_loss + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))""",
                                ["test_softmax_loss"]),
        "sum_not_mean": _SOFTMAX_HEAD + """    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    data_loss = -log_probs[np.arange(len(y)), y].sum()
    return float(data_loss + reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))""",
    },
    "numeric_gradient": {
        "forward_difference": """def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    f_x = f(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        grad[index] = (f(x) - f_x) / h
        x[index] = original
    return grad""",
        # Perturbs a copy: a function that reads x through a closure never sees the change.
        "perturbs_a_copy": """def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (f(plus) - f(minus)) / (2 * h)
    return grad""",
        "not_restored": """def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        grad[index] = (f_plus - f(x)) / (2 * h)
    return grad""",
    },
    "rel_error": {
        "mean_not_max": """def rel_error(a, b):
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))""",
        "no_floor": """def rel_error(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))""",
        "no_abs_in_denominator": """def rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))""",
    },
    "loss_and_grads": {
        "grad_without_reg": (_loss_and_grads(f"{_DATA_LOSS} + reg * {_PENALTY}", "hidden.T @ dscores",
                                             "(dscores @ W2.T) * (z > 0)", "X.T @ dz"),
                             ["test_loss_and_grads_grads"]),
        "grad_reg_not_doubled": (_loss_and_grads(f"{_DATA_LOSS} + reg * {_PENALTY}",
                                                 "hidden.T @ dscores + reg * W2",
                                                 "(dscores @ W2.T) * (z > 0)", "X.T @ dz + reg * W1"),
                                 ["test_loss_and_grads_grads"]),
        "no_relu_mask": (_loss_and_grads(f"{_DATA_LOSS} + reg * {_PENALTY}",
                                         "hidden.T @ dscores + 2 * reg * W2", "dscores @ W2.T",
                                         "X.T @ dz + 2 * reg * W1"),
                         ["test_loss_and_grads_grads"]),
        "loss_without_reg": (_loss_and_grads(_DATA_LOSS, "hidden.T @ dscores + 2 * reg * W2",
                                             "(dscores @ W2.T) * (z > 0)", "X.T @ dz + 2 * reg * W1"),
                             ["test_loss_and_grads_loss"]),
    },
    "predict": {
        "argmax_over_batch": """def predict(X, params):
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    return np.argmax(hidden @ params["W2"] + params["b2"], axis=0)""",
        "no_relu": """def predict(X, params):
    return np.argmax((X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"], axis=1)""",
    },
    "train_sgd": {
        # Still learns: only the exact-step test notices.
        "no_lr_decay": (_train_sgd(per_epoch=""), ["test_train_sgd_decay"]),
        "decay_every_batch": (_train_sgd(per_batch="            learning_rate *= lr_decay\n",
                                         per_epoch=""), ["test_train_sgd_decay"]),
        "gradient_ascent": _train_sgd(update="+="),
    },
}

ALTERNATIVE_A = {
    "init_params": """def init_params(D, H, C, std=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for i, (n_in, n_out) in enumerate([(D, H), (H, C)], start=1):
        params[f"W{i}"] = rng.normal(0.0, std, size=(n_in, n_out))
        params[f"b{i}"] = np.zeros(n_out)
    return params""",
    "forward_scores": """def forward_scores(X, params):
    hidden = np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"]
    hidden = hidden * (hidden > 0)
    return np.einsum("nh,hc->nc", hidden, params["W2"]) + params["b2"]""",
    # log-sum-exp instead of normalised probabilities, norms instead of sums of squares
    "softmax_loss": """def softmax_loss(scores, y, params, reg):
    top = np.max(scores, axis=1)
    logsumexp = top + np.log(np.sum(np.exp(scores - top[:, None]), axis=1))
    correct = np.take_along_axis(scores, y[:, None], axis=1)[:, 0]
    penalty = np.linalg.norm(params["W1"]) ** 2 + np.linalg.norm(params["W2"]) ** 2
    return np.mean(logsumexp - correct) + reg * penalty""",
    "numeric_gradient": """def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        keep = x[i]
        x[i] = keep + h
        up = f(x)
        x[i] = keep - h
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * h)
        it.iternext()
    return grad""",
    "rel_error": """def rel_error(a, b):
    return (np.abs(a - b) / np.clip(np.abs(a) + np.abs(b), 1e-8, None)).max()""",
    "loss_and_grads": """def loss_and_grads(X, y, params, reg):
    N, C = X.shape[0], params["b2"].shape[0]
    pre = np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"]
    act = np.where(pre > 0, pre, 0.0)
    scores = np.einsum("nh,hc->nc", act, params["W2"]) + params["b2"]
    top = scores.max(axis=1, keepdims=True)
    lse = top + np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
    onehot = np.eye(C)[y]
    loss = np.mean(lse[:, 0] - (scores * onehot).sum(axis=1))
    loss += reg * sum(np.sum(params[k] * params[k]) for k in ("W1", "W2"))
    dscores = (np.exp(scores - lse) - onehot) / N
    dact = np.einsum("nc,hc->nh", dscores, params["W2"])
    dpre = np.where(pre > 0, dact, 0.0)
    grads = {
        "W1": np.einsum("nd,nh->dh", X, dpre) + 2 * reg * params["W1"],
        "b1": np.einsum("nh->h", dpre),
        "W2": np.einsum("nh,nc->hc", act, dscores) + 2 * reg * params["W2"],
        "b2": np.einsum("nc->c", dscores),
    }
    return loss, grads""",
    "predict": """def predict(X, params):
    hidden = np.clip(X.dot(params["W1"]) + params["b1"], 0, None)
    return (hidden.dot(params["W2"]) + params["b2"]).argmax(-1)""",
    # CS231n style: batches sampled with replacement, num_epochs * (N // batch_size) steps
    "train_sgd": """def train_sgd(params, X, y, X_val, y_val, loss_fn, predict_fn, learning_rate=1e-3,
              lr_decay=0.95, num_epochs=10, batch_size=200, seed=0):
    rng = np.random.default_rng(seed)
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train // batch_size, 1)
    loss_history, train_acc_history, val_acc_history = [], [], []
    for it in range(num_epochs * iterations_per_epoch):
        idx = rng.choice(num_train, batch_size, replace=True)
        loss, grads = loss_fn(X[idx], y[idx], params)
        loss_history.append(loss)
        params = {k: v - learning_rate * grads[k] for k, v in params.items()}
        if (it + 1) % iterations_per_epoch == 0:
            train_acc_history.append((predict_fn(X, params) == y).mean())
            val_acc_history.append((predict_fn(X_val, params) == y_val).mean())
            learning_rate = learning_rate * lr_decay
    return params, {"loss": loss_history, "train_acc": train_acc_history, "val_acc": val_acc_history}""",
}

# ----------------------------------------------------------------------------- part B (Keras)

_COMPILE = "    return compile_for_cifar(model)"


def _sequential(name, body):
    return (f"def {name}():\n    model = keras.Sequential([\n        keras.Input((32, 32, 3)),\n"
            + "".join(f"        {line},\n" for line in body) + "    ])\n" + _COMPILE)


def _conv(filters, padding="same"):
    return f'layers.Conv2D({filters}, 3, padding="{padding}", activation="relu")'


_POOL, _FLAT, _OUT = "layers.MaxPooling2D(2)", "layers.Flatten()", 'layers.Dense(10, activation="softmax")'
_DROP = "layers.Dropout(0.5)"


def _dense(units):
    return f'layers.Dense({units}, activation="relu")'


def _vgg(name, filters=(32, 32, 64, 64), padding="same", dropout=True, bn=False):
    body = []
    for i, f in enumerate(filters):
        body.append(_conv(f, padding))
        if bn:
            body.append("layers.BatchNormalization()")
        if i % 2 == 1:
            body.append(_POOL)
    body += [_FLAT, _dense(512)] + ([_DROP] if dropout else []) + [_OUT]
    return _sequential(name, body)


WRONG_B = {
    "train_val_split": {
        "validation_inside_training": """def train_val_split(x, y, num_val, seed=0):
    return (x, y), (x[:num_val], y[:num_val])""",
        "labels_shuffled_separately": """def train_val_split(x, y, num_val, seed=0):
    rng = np.random.default_rng(seed)
    x, y = x[rng.permutation(len(x))], y[rng.permutation(len(y))]
    return (x[num_val:], y[num_val:]), (x[:num_val], y[:num_val])""",
        "not_shuffled": """def train_val_split(x, y, num_val, seed=0):
    return (x[:-num_val], y[:-num_val]), (x[-num_val:], y[-num_val:])""",
        "seed_ignored": """def train_val_split(x, y, num_val, seed=0):
    order = np.random.default_rng(0).permutation(len(x))
    return (x[order[num_val:]], y[order[num_val:]]), (x[order[:num_val]], y[order[:num_val]])""",
    },
    "normalize": {
        "statistics_from_test_set": """def normalize(x_train, x_val, x_test):
    mean, std = x_test.mean(axis=(0, 1, 2)), x_test.std(axis=(0, 1, 2))
    return tuple(((x - mean) / std).astype(np.float32) for x in (x_train, x_val, x_test))""",
        "statistics_from_all_data": """def normalize(x_train, x_val, x_test):
    everything = np.concatenate([x_train, x_val, x_test]).astype(np.float64)
    mean, std = everything.mean(axis=(0, 1, 2)), everything.std(axis=(0, 1, 2))
    return tuple(((x - mean) / std).astype(np.float32) for x in (x_train, x_val, x_test))""",
        "each_split_its_own_statistics": """def normalize(x_train, x_val, x_test):
    return tuple(((x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))).astype(np.float32)
                 for x in (x_train, x_val, x_test))""",
        "only_divides_by_255": """def normalize(x_train, x_val, x_test):
    return tuple(x.astype(np.float32) / 255 for x in (x_train, x_val, x_test))""",
    },
    "build_mlp": {
        # Trains fine with 32 units: only the structure test notices.
        "ignores_hidden_units": ("def build_mlp(hidden_units):\n    model = keras.Sequential([\n"
                                 "        keras.Input((32, 32, 3)), layers.Flatten(),\n"
                                 f"        {_dense(32)}, {_OUT}])\n" + _COMPILE, ["test_build_mlp"]),
        "linear_hidden_layer": ("def build_mlp(hidden_units):\n    model = keras.Sequential([\n"
                                "        keras.Input((32, 32, 3)), layers.Flatten(),\n"
                                f"        layers.Dense(hidden_units), {_OUT}])\n" + _COMPILE,
                                ["test_build_mlp"]),
    },
    "make_early_stopping": {
        "monitors_val_loss": """def make_early_stopping(patience=3):
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)""",
        "keeps_last_weights": """def make_early_stopping(patience=3):
    return keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=patience)""",
    },
    "build_cnn_small": {
        "wrong_filter_count": (_sequential("build_cnn_small", [_conv(16), _POOL, _FLAT, _OUT]),
                               ["test_build_cnn_small"]),
        "no_same_padding": (_sequential("build_cnn_small", [_conv(12, "valid"), _POOL, _FLAT, _OUT]),
                            ["test_build_cnn_small"]),
        "no_pooling": (_sequential("build_cnn_small", [_conv(12), _FLAT, _OUT]), ["test_build_cnn_small"]),
    },
    "build_cnn_medium": {
        "wrong_filter_counts": _sequential("build_cnn_medium", [_conv(64), _conv(32), _POOL, _FLAT, _dense(128),
                                                               _DROP, _OUT]),
        "no_same_padding": _sequential("build_cnn_medium", [_conv(32, "valid"), _conv(64, "valid"), _POOL, _FLAT,
                                                           _dense(128), _DROP, _OUT]),
        "no_dropout": _sequential("build_cnn_medium", [_conv(32), _conv(64), _POOL, _FLAT, _dense(128), _OUT]),
    },
    "build_vgg": {
        "wrong_filter_counts": _vgg("build_vgg", filters=(32, 64, 64, 128)),
        "no_same_padding": _vgg("build_vgg", padding="valid"),
        "no_dropout": _vgg("build_vgg", dropout=False),
    },
    "build_augmentation": {
        # A flip that ignores the training flag: the test images get flipped too.
        "active_at_inference": """def build_augmentation():
    return keras.Sequential([layers.Lambda(lambda x: keras.ops.flip(x, axis=2)),
                             layers.RandomTranslation(0.1, 0.1)])""",
        "does_nothing": """def build_augmentation():
    return keras.Sequential([layers.Rescaling(1.0)])""",
    },
    "build_vgg_bn": {
        "no_batch_norm": _vgg("build_vgg_bn"),
        "batch_norm_in_first_block_only": _sequential("build_vgg_bn", [
            _conv(32), "layers.BatchNormalization()", _conv(32), "layers.BatchNormalization()", _POOL,
            _conv(64), _conv(64), _POOL, _FLAT, _dense(512), _DROP, _OUT]),
        "wrong_filter_counts": _vgg("build_vgg_bn", filters=(32, 64, 64, 128), bn=True),
    },
    "confusion_matrix": {
        "transposed": """def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_pred, y_true), 1)
    return cm""",
        # Fancy-index += counts a repeated (true, predicted) pair once.
        "fancy_index_increment": """def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    cm[y_true, y_pred] += 1
    return cm""",
    },
}

ALTERNATIVE_B = {
    "train_val_split": """def train_val_split(x, y, num_val, seed=0):
    rng = np.random.default_rng(seed)
    is_val = np.zeros(len(x), dtype=bool)
    is_val[rng.choice(len(x), size=num_val, replace=False)] = True
    return (x[~is_val], y[~is_val]), (x[is_val], y[is_val])""",
    "normalize": """def normalize(x_train, x_val, x_test):
    channels = x_train.shape[-1]
    flat = x_train.reshape(-1, channels).astype(np.float64)
    mean, std = flat.mean(axis=0), flat.std(axis=0)

    def scale(x):
        return ((x - mean) / std).astype(np.float32)

    return scale(x_train), scale(x_val), scale(x_test)""",
    # functional API
    "build_mlp": """def build_mlp(hidden_units):
    inputs = keras.Input(shape=(32, 32, 3))
    hidden = layers.Dense(hidden_units, activation="relu")(layers.Flatten()(inputs))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(hidden))
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model""",
    "make_early_stopping": """def make_early_stopping(patience=3):
    return keras.callbacks.EarlyStopping("val_accuracy", min_delta=0, patience=patience, mode="max",
                                         restore_best_weights=True)""",
    "build_cnn_small": """def build_cnn_small():
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(filters=12, kernel_size=(3, 3), padding="same", activation=keras.activations.relu)(inputs)
    x = layers.MaxPool2D(pool_size=(2, 2))(x)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["acc"])
    return model""",
    "build_cnn_medium": """def build_cnn_medium():
    model = keras.Sequential()
    model.add(keras.Input((32, 32, 3)))
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, (3, 3), padding="same", activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(128, activation="relu"))
    model.add(layers.Dropout(0.3))
    model.add(layers.Dense(10, activation="softmax"))
    return compile_for_cifar(model)""",
    "build_vgg": """def build_vgg():
    stack = [keras.Input((32, 32, 3))]
    for filters in (32, 64):
        stack += [layers.Conv2D(filters, 3, padding="same", activation="relu") for _ in range(2)]
        stack.append(layers.MaxPooling2D())
    stack += [layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dropout(0.4),
              layers.Dense(10, activation="softmax")]
    return compile_for_cifar(keras.Sequential(stack))""",
    "build_augmentation": """def build_augmentation():
    return keras.Sequential([
        layers.RandomFlip(mode="horizontal"),
        layers.RandomRotation(0.05, fill_mode="nearest"),
        layers.RandomTranslation(height_factor=0.08, width_factor=0.08, fill_mode="nearest"),
        layers.RandomZoom(0.1),
    ], name="augmentation")""",
    # convolution with ReLU, then batch normalisation
    "build_vgg_bn": """def build_vgg_bn():
    model = keras.Sequential([keras.Input((32, 32, 3))])
    for filters in (32, 64):
        for _ in range(2):
            model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
            model.add(layers.BatchNormalization())
        model.add(layers.MaxPooling2D(2))
    for layer in (layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dropout(0.5),
                  layers.Dense(10, activation="softmax")):
        model.add(layer)
    return compile_for_cifar(model)""",
    "confusion_matrix": """def confusion_matrix(y_true, y_pred, num_classes):
    flat = np.bincount(np.asarray(y_true) * num_classes + np.asarray(y_pred), minlength=num_classes ** 2)
    return flat.reshape(num_classes, num_classes)""",
}

# ----------------------------------------------------------------------------- noisy answers

# The master's answer, wrapped so that every call writes a UserWarning and a log line to stderr.
_NOISE = '''
import functools as _functools
import sys as _sys
import warnings as _warnings

_quiet_{name} = {name}


@_functools.wraps(_quiet_{name})
def {name}(*args, **kwargs):
    _warnings.warn("{name}: a harmless warning from a correct answer", UserWarning)
    print("{name}: a log line on stderr", file=_sys.stderr)
    return _quiet_{name}(*args, **kwargs)
'''


def _noisy(notebook: str, names: list[str]) -> dict[str, str]:
    answers = master_answers(read(_SOURCE / notebook))
    return {name: answers[name] + "\n" + _NOISE.format(name=name) for name in names}


WRONG = {**WRONG_A, **WRONG_B}
ALTERNATIVE = {**ALTERNATIVE_A, **ALTERNATIVE_B}
NOISY = {
    **_noisy("two_layer_net.ipynb", ["init_params", "forward_scores", "softmax_loss", "numeric_gradient",
                                     "rel_error", "loss_and_grads", "predict", "train_sgd"]),
    **_noisy("cnn.ipynb", ["train_val_split", "normalize", "build_mlp", "make_early_stopping",
                           "build_cnn_small", "build_cnn_medium", "build_vgg", "build_augmentation",
                           "build_vgg_bn", "confusion_matrix"]),
}

# Correct answers as real students write them: legacy np.random seeding, lists where a
# sequence is allowed, explicit loops, shadowed builtins (max, sum), CS231n-style nditer
# and backprop through their own earlier functions, tf.keras imports, Sequential() with
# .add and input_shape=, helper functions that add blocks, separate Activation layers.
STUDENT_STYLE = {
    "init_params": '''
def init_params(D, H, C, std=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    params['W1'] = rng.standard_normal((D, H)) * std
    params['b1'] = np.zeros(H)
    params['W2'] = rng.standard_normal((H, C)) * std
    params['b2'] = np.zeros(C)
    return params
''',
    "forward_scores": '''
def forward_scores(X, params):
    h = X.dot(params['W1']) + params['b1']
    h[h < 0] = 0
    return h.dot(params['W2']) + params['b2']
''',
    "softmax_loss": '''
def softmax_loss(scores, y, params, reg):
    max = np.max(scores, axis=1, keepdims=True)
    exp = np.exp(scores - max)
    probs = exp / np.sum(exp, axis=1, keepdims=True)
    N = scores.shape[0]
    loss = np.sum(-np.log(probs[range(N), y])) / N
    loss += reg * (np.sum(params['W1'] * params['W1']) + np.sum(params['W2'] * params['W2']))
    return loss
''',
    "numeric_gradient": '''
def numeric_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
''',
    "rel_error": '''
def rel_error(a, b):
    return np.max(np.abs(a - b) / (np.maximum(1e-8, np.abs(a) + np.abs(b))))
''',
    "loss_and_grads": '''
def loss_and_grads(X, y, params, reg):
    W1, b1, W2, b2 = params['W1'], params['b1'], params['W2'], params['b2']
    N = X.shape[0]
    a1 = X.dot(W1) + b1
    h1 = np.maximum(0, a1)
    scores = h1.dot(W2) + b2
    loss = softmax_loss(scores, y, params, reg)
    probs = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    dscores = probs.copy()
    dscores[range(N), y] -= 1
    dscores /= N
    grads = {}
    grads['W2'] = h1.T.dot(dscores) + 2 * reg * W2
    grads['b2'] = np.sum(dscores, axis=0)
    dh1 = dscores.dot(W2.T)
    dh1[a1 <= 0] = 0
    grads['W1'] = X.T.dot(dh1) + 2 * reg * W1
    grads['b1'] = np.sum(dh1, axis=0)
    return loss, grads
''',
    "predict": '''
def predict(X, params):
    h = np.maximum(0, np.dot(X, params['W1']) + params['b1'])
    y_pred = np.argmax(np.dot(h, params['W2']) + params['b2'], axis=1)
    return y_pred
''',
    "train_sgd": '''
def train_sgd(params, X, y, X_val, y_val, loss_fn, predict_fn, learning_rate=1e-3,
              lr_decay=0.95, num_epochs=10, batch_size=200, seed=0):
    rng = np.random.default_rng(seed)
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train // batch_size, 1)
    loss_history, train_acc_history, val_acc_history = [], [], []
    for epoch in range(num_epochs):
        idx = rng.permutation(num_train)
        for it in range(iterations_per_epoch):
            batch_idx = idx[it * batch_size:(it + 1) * batch_size]
            X_batch, y_batch = X[batch_idx], y[batch_idx]
            loss, grads = loss_fn(X_batch, y_batch, params)
            loss_history.append(loss)
            for p in params:
                params[p] -= learning_rate * grads[p]
        train_acc_history.append((predict_fn(X, params) == y).mean())
        val_acc_history.append((predict_fn(X_val, params) == y_val).mean())
        learning_rate = learning_rate * lr_decay
    history = {'loss': loss_history, 'train_acc': train_acc_history, 'val_acc': val_acc_history}
    return params, history
''',
    "train_val_split": '''
def train_val_split(x, y, num_val, seed=0):
    np.random.seed(seed)
    idx = np.arange(len(x))
    np.random.shuffle(idx)
    x_val, y_val = x[idx[:num_val]], y[idx[:num_val]]
    x_train, y_train = x[idx[num_val:]], y[idx[num_val:]]
    return (x_train, y_train), (x_val, y_val)
''',
    "normalize": '''
def normalize(x_train, x_val, x_test):
    mean = np.mean(x_train, axis=(0, 1, 2))
    std = np.std(x_train, axis=(0, 1, 2))
    out = []
    for x in [x_train, x_val, x_test]:
        out.append(((x - mean) / std).astype('float32'))
    return out
''',
    "build_mlp": '''
import tensorflow as tf

def build_mlp(hidden_units):
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(32, 32, 3)))
    model.add(tf.keras.layers.Dense(hidden_units, activation='relu'))
    model.add(tf.keras.layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''',
    "make_early_stopping": '''
from tensorflow.keras.callbacks import EarlyStopping

def make_early_stopping(patience=3):
    return EarlyStopping(monitor='val_accuracy', mode='max', patience=patience, verbose=1,
                         restore_best_weights=True)
''',
    "build_cnn_small": '''
def build_cnn_small():
    model = keras.models.Sequential()
    model.add(layers.Conv2D(filters=12, kernel_size=(3, 3), padding='same', activation='relu',
                            input_shape=(32, 32, 3)))
    model.add(layers.MaxPool2D(pool_size=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation='softmax'))
    model = compile_for_cifar(model)
    return model
''',
    "build_cnn_medium": '''
def build_cnn_medium():
    model = keras.Sequential()
    model.add(layers.Conv2D(32, (3, 3), padding='same', input_shape=(32, 32, 3)))
    model.add(layers.Activation('relu'))
    model.add(layers.Conv2D(64, (3, 3), padding='same'))
    model.add(layers.Activation('relu'))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(128))
    model.add(layers.Activation('relu'))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''',
    "build_vgg": '''
def conv_block(model, filters, first=False):
    if first:
        model.add(layers.Conv2D(filters, 3, padding='same', activation='relu', input_shape=(32, 32, 3)))
    else:
        model.add(layers.Conv2D(filters, 3, padding='same', activation='relu'))
    model.add(layers.Conv2D(filters, 3, padding='same', activation='relu'))
    model.add(layers.MaxPooling2D(2))

def build_vgg():
    model = keras.Sequential()
    conv_block(model, 32, first=True)
    conv_block(model, 64)
    model.add(layers.Flatten())
    model.add(layers.Dense(512, activation='relu'))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''',
    "build_augmentation": '''
def build_augmentation():
    aug = keras.Sequential()
    aug.add(layers.RandomFlip(mode='horizontal'))
    aug.add(layers.RandomTranslation(height_factor=0.1, width_factor=0.1))
    return aug
''',
    "build_vgg_bn": '''
def build_vgg_bn():
    model = keras.Sequential()
    model.add(keras.Input(shape=(32, 32, 3)))
    for filters in [32, 64]:
        for _ in range(2):
            model.add(layers.Conv2D(filters, kernel_size=3, padding='same'))
            model.add(layers.BatchNormalization())
            model.add(layers.Activation('relu'))
        model.add(layers.MaxPooling2D(pool_size=2))
    model.add(layers.Flatten())
    model.add(layers.Dense(512, activation='relu'))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''',
    "confusion_matrix": '''
def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t][p] += 1
    return cm
''',
}

# ----------------------------------------------------------------------------- stubs and calibration

# A stub of the right shape for every part: the form of the answer, none of its work. Each
# scores 0 on every test of its part (docs/authoring.md, "Weighing the checks").
_STUB_MODEL = '''
def {name}({args}):
    return keras.Sequential([keras.Input((32, 32, 3)), layers.Flatten(), layers.Dense(10)])
'''

STUBS = {
    "init_params": '''
def init_params(D, H, C, std=1e-4, seed=0):
    return {"W1": np.zeros((D, H)), "b1": np.zeros(H), "W2": np.zeros((H, C)), "b2": np.zeros(C)}
''',
    "forward_scores": '''
def forward_scores(X, params):
    return np.zeros((X.shape[0], params["b2"].shape[0]))
''',
    "softmax_loss": '''
def softmax_loss(scores, y, params, reg):
    return 0.0
''',
    "numeric_gradient": '''
def numeric_gradient(f, x, h=1e-5):
    return np.zeros(x.shape)
''',
    "rel_error": '''
def rel_error(a, b):
    return 0.0
''',
    # the issue's row: a constant loss and zero gradients of the right shapes
    "loss_and_grads": '''
def loss_and_grads(X, y, params, reg):
    return 0.0, {name: np.zeros_like(value) for name, value in params.items()}
''',
    "predict": '''
def predict(X, params):
    return np.zeros(X.shape[0], dtype=int)
''',
    # histories of the right lengths, parameters never updated
    "train_sgd": '''
def train_sgd(params, X, y, X_val, y_val, loss_fn, predict_fn, learning_rate=1e-3,
              lr_decay=0.95, num_epochs=10, batch_size=200, seed=0):
    steps = num_epochs * max(X.shape[0] // batch_size, 1)
    return params, {"loss": [0.0] * steps, "train_acc": [0.0] * num_epochs, "val_acc": [0.0] * num_epochs}
''',
    "train_val_split": '''
def train_val_split(x, y, num_val, seed=0):
    n = len(x)
    return ((np.zeros((n - num_val,) + x.shape[1:], dtype=x.dtype), np.zeros(n - num_val, dtype=y.dtype)),
            (np.zeros((num_val,) + x.shape[1:], dtype=x.dtype), np.zeros(num_val, dtype=y.dtype)))
''',
    # the issue's row: the identity
    "normalize": '''
def normalize(x_train, x_val, x_test):
    return x_train, x_val, x_test
''',
    "build_mlp": _STUB_MODEL.format(name="build_mlp", args="hidden_units"),
    "make_early_stopping": '''
def make_early_stopping(patience=3):
    return keras.callbacks.EarlyStopping()
''',
    "build_cnn_small": _STUB_MODEL.format(name="build_cnn_small", args=""),
    "build_cnn_medium": _STUB_MODEL.format(name="build_cnn_medium", args=""),
    "build_vgg": _STUB_MODEL.format(name="build_vgg", args=""),
    "build_augmentation": '''
def build_augmentation():
    return keras.Sequential([layers.Identity()])
''',
    "build_vgg_bn": _STUB_MODEL.format(name="build_vgg_bn", args=""),
    "confusion_matrix": '''
def confusion_matrix(y_true, y_pred, num_classes):
    return np.zeros((num_classes, num_classes), dtype=np.int64)
''',
}

# Half-right answers with the score a fair TA gives them (test id -> points; a test of the
# part not named keeps full points). Issue #26's rows first, then answers in students' styles.
_SOFTMAX_SHIFTED = """    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
"""
_REG = ' + reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))'

CALIBRATED = {
    "init_params": {
        "random_biases": (WRONG_A["init_params"]["random_biases"], {"test_init_params": 0.8}),
        "std_squared": (WRONG_A["init_params"]["std_squared"], {"test_init_params": 0.5}),
        # legacy global seeding that ignores the seed argument
        "unseeded_randn": ('''
def init_params(D, H, C, std=1e-4, seed=0):
    params = {}
    params['W1'] = std * np.random.randn(D, H)
    params['b1'] = np.zeros(H)
    params['W2'] = std * np.random.randn(H, C)
    params['b2'] = np.zeros(C)
    return params
''', {"test_init_params": 0.8}),
    },
    "forward_scores": {
        "no_relu": (WRONG_A["forward_scores"]["no_relu"], {"test_forward_scores": 1.0}),
        "no_first_bias": (WRONG_A["forward_scores"]["no_first_bias"], {"test_forward_scores": 1.0}),
    },
    "softmax_loss": {
        # issue #26: the data loss right, the L2 term forgotten
        "no_reg_term": (WRONG_A["softmax_loss"]["no_reg_term"][0], {"test_softmax_loss": 1.3}),
        # issue #26: the L2 term right, the data loss wrong (summed over the batch)
        "sum_not_mean": (WRONG_A["softmax_loss"]["sum_not_mean"],
                         {"test_softmax_loss": 0.7, "test_softmax_loss_stable": 0.5}),
        "half_reg_convention": (WRONG_A["softmax_loss"]["half_reg_convention"][0], {"test_softmax_loss": 1.4}),
        "no_max_shift": (WRONG_A["softmax_loss"]["no_max_shift"][0], {"test_softmax_loss_stable": 0.0}),
        # shifts by the largest score of the whole batch: rows far below it underflow
        "global_max_shift": ('''
def softmax_loss(scores, y, params, reg):
    N = scores.shape[0]
    max = np.max(scores)
    exp = np.exp(scores - max)
    probs = exp / np.sum(exp, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[range(N), y])) / N
    loss += reg * (np.sum(params['W1'] * params['W1']) + np.sum(params['W2'] * params['W2']))
    return loss
''', {"test_softmax_loss_stable": 0.5}),
        # scores[:, y] picks an N x N block: the data loss is wrong, the penalty right
        "column_indexing": (_SOFTMAX_HEAD + _SOFTMAX_SHIFTED
                            + "    return float(-log_probs[:, y].mean()" + _REG + ")",
                            {"test_softmax_loss": 0.7, "test_softmax_loss_stable": 0.5}),
    },
    "numeric_gradient": {
        "forward_difference": (WRONG_A["numeric_gradient"]["forward_difference"], {"test_numeric_gradient": 0.7}),
        "perturbs_a_copy": (WRONG_A["numeric_gradient"]["perturbs_a_copy"], {"test_numeric_gradient": 0.7}),
        "not_restored": (WRONG_A["numeric_gradient"]["not_restored"], {"test_numeric_gradient": 1.4}),
    },
    "rel_error": {
        "mean_not_max": (WRONG_A["rel_error"]["mean_not_max"], {"test_rel_error": 0.4}),
        "no_floor": (WRONG_A["rel_error"]["no_floor"], {"test_rel_error": 0.6}),
        "no_abs_in_denominator": (WRONG_A["rel_error"]["no_abs_in_denominator"], {"test_rel_error": 0.75}),
    },
    "loss_and_grads": {
        # issue #26: return 0.0, {}
        "empty": ('''
def loss_and_grads(X, y, params, reg):
    return 0.0, {}
''', {"test_loss_and_grads_loss": 0.0, "test_loss_and_grads_grads": 0.0}),
        "grad_without_reg": (WRONG_A["loss_and_grads"]["grad_without_reg"][0], {"test_loss_and_grads_grads": 2.0}),
        "no_relu_mask": (WRONG_A["loss_and_grads"]["no_relu_mask"][0], {"test_loss_and_grads_grads": 1.5}),
        "loss_without_reg": (WRONG_A["loss_and_grads"]["loss_without_reg"][0], {"test_loss_and_grads_loss": 0.65}),
        # CS231n style, the bias gradient of the hidden layer summed over the wrong axis
        "b1_wrong_axis": ('''
def loss_and_grads(X, y, params, reg):
    W1, b1, W2, b2 = params['W1'], params['b1'], params['W2'], params['b2']
    N = X.shape[0]
    h1 = np.maximum(0, X.dot(W1) + b1)
    scores = h1.dot(W2) + b2
    probs = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[range(N), y])) / N + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs
    dscores[range(N), y] -= 1
    dscores /= N
    grads = {'W2': h1.T.dot(dscores) + 2 * reg * W2, 'b2': np.sum(dscores, axis=0)}
    dh1 = dscores.dot(W2.T)
    dh1[h1 <= 0] = 0
    grads['W1'] = X.T.dot(dh1) + 2 * reg * W1
    grads['b1'] = np.sum(dh1, axis=1)
    return loss, grads
''', {"test_loss_and_grads_grads": 2.25}),
    },
    "predict": {
        "no_relu": (WRONG_A["predict"]["no_relu"], {"test_predict": 0.4}),
        "argmax_over_batch": (WRONG_A["predict"]["argmax_over_batch"], {"test_predict": 0.0}),
    },
    "train_sgd": {
        "no_lr_decay": (WRONG_A["train_sgd"]["no_lr_decay"][0], {"test_train_sgd_decay": 1.0}),
        "gradient_ascent": (WRONG_A["train_sgd"]["gradient_ascent"],
                            {"test_train_sgd_decay": 0.3, "test_train_sgd_learns": 0.0}),
        # student style: decays after every batch instead of every epoch
        "decay_every_batch": ('''
def train_sgd(params, X, y, X_val, y_val, loss_fn, predict_fn, learning_rate=1e-3,
              lr_decay=0.95, num_epochs=10, batch_size=200, seed=0):
    rng = np.random.default_rng(seed)
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train // batch_size, 1)
    loss_history, train_acc_history, val_acc_history = [], [], []
    for epoch in range(num_epochs):
        idx = rng.permutation(num_train)
        for it in range(iterations_per_epoch):
            batch_idx = idx[it * batch_size:(it + 1) * batch_size]
            loss, grads = loss_fn(X[batch_idx], y[batch_idx], params)
            loss_history.append(loss)
            for p in params:
                params[p] -= learning_rate * grads[p]
            learning_rate *= lr_decay
        train_acc_history.append((predict_fn(X, params) == y).mean())
        val_acc_history.append((predict_fn(X_val, params) == y_val).mean())
    return params, {'loss': loss_history, 'train_acc': train_acc_history, 'val_acc': val_acc_history}
''', {"test_train_sgd_decay": 1.0}),
    },
    "train_val_split": {
        "validation_inside_training": (WRONG_B["train_val_split"]["validation_inside_training"],
                                       {"test_train_val_split": 0.75}),
        "labels_shuffled_separately": (WRONG_B["train_val_split"]["labels_shuffled_separately"],
                                       {"test_train_val_split": 1.0}),
        "not_shuffled": (WRONG_B["train_val_split"]["not_shuffled"], {"test_train_val_split": 1.25}),
        "seed_ignored": (WRONG_B["train_val_split"]["seed_ignored"], {"test_train_val_split": 1.5}),
        # student style: shuffles x and y in place, each with its own permutation
        "shuffles_in_place_separately": ('''
def train_val_split(x, y, num_val, seed=0):
    np.random.seed(seed)
    np.random.shuffle(x)
    np.random.shuffle(y)
    return (x[num_val:], y[num_val:]), (x[:num_val], y[:num_val])
''', {"test_train_val_split": 1.0}),
    },
    "normalize": {
        # issue #26's rows
        "only_divides_by_255": (WRONG_B["normalize"]["only_divides_by_255"], {"test_normalize": 0.5}),
        "statistics_from_all_data": (WRONG_B["normalize"]["statistics_from_all_data"], {"test_normalize": 1.5}),
        "each_split_its_own_statistics": (WRONG_B["normalize"]["each_split_its_own_statistics"],
                                          {"test_normalize": 2.0}),
        "statistics_from_test_set": (WRONG_B["normalize"]["statistics_from_test_set"], {"test_normalize": 1.25}),
        "identity_as_float32": ('''
def normalize(x_train, x_val, x_test):
    return x_train.astype('float32'), x_val.astype('float32'), x_test.astype('float32')
''', {"test_normalize": 0.0}),
        # student style: one mean and one std over all pixels of x_train, not per channel
        "scalar_statistics": ('''
def normalize(x_train, x_val, x_test):
    mean = np.mean(x_train)
    std = np.std(x_train)
    return [((x - mean) / std).astype('float32') for x in [x_train, x_val, x_test]]
''', {"test_normalize": 2.0}),
    },
    "build_mlp": {
        "ignores_hidden_units": (WRONG_B["build_mlp"]["ignores_hidden_units"][0], {"test_build_mlp": 1.3}),
        "linear_hidden_layer": (WRONG_B["build_mlp"]["linear_hidden_layer"][0], {"test_build_mlp": 1.0}),
        # student style: tf.keras, own compile with a loss for one-hot labels (cannot train on integer labels)
        "one_hot_loss": ('''
import tensorflow as tf

def build_mlp(hidden_units):
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Flatten(input_shape=(32, 32, 3)))
    model.add(tf.keras.layers.Dense(hidden_units, activation='relu'))
    model.add(tf.keras.layers.Dense(10, activation='softmax'))
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    return model
''', {"test_build_mlp": 1.5, "test_build_mlp_trains": 0.0}),
    },
    "make_early_stopping": {
        "monitors_val_loss": (WRONG_B["make_early_stopping"]["monitors_val_loss"], {"test_make_early_stopping": 0.6}),
        "keeps_last_weights": (WRONG_B["make_early_stopping"]["keeps_last_weights"],
                               {"test_make_early_stopping": 0.6}),
        "patience_hard_coded": ('''
from tensorflow.keras.callbacks import EarlyStopping

def make_early_stopping(patience=3):
    return EarlyStopping(monitor='val_accuracy', patience=3, restore_best_weights=True)
''', {"test_make_early_stopping": 0.8}),
    },
    "build_cnn_small": {
        "wrong_filter_count": (WRONG_B["build_cnn_small"]["wrong_filter_count"][0], {"test_build_cnn_small": 1.5}),
        "no_same_padding": (WRONG_B["build_cnn_small"]["no_same_padding"][0], {"test_build_cnn_small": 1.5}),
        "no_pooling": (WRONG_B["build_cnn_small"]["no_pooling"][0], {"test_build_cnn_small": 1.4}),
        # student style: .add with input_shape=, a 5x5 kernel
        "kernel_5x5": ('''
def build_cnn_small():
    model = keras.models.Sequential()
    model.add(layers.Conv2D(12, (5, 5), padding='same', activation='relu', input_shape=(32, 32, 3)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''', {"test_build_cnn_small": 1.5}),
    },
    "build_cnn_medium": {
        "wrong_filter_counts": (WRONG_B["build_cnn_medium"]["wrong_filter_counts"], {"test_build_cnn_medium": 1.5}),
        "no_same_padding": (WRONG_B["build_cnn_medium"]["no_same_padding"], {"test_build_cnn_medium": 1.5}),
        "no_dropout": (WRONG_B["build_cnn_medium"]["no_dropout"], {"test_build_cnn_medium": 1.5}),
    },
    "build_vgg": {
        "wrong_filter_counts": (WRONG_B["build_vgg"]["wrong_filter_counts"], {"test_build_vgg": 2.25}),
        "no_same_padding": (WRONG_B["build_vgg"]["no_same_padding"], {"test_build_vgg": 2.25}),
        "no_dropout": (WRONG_B["build_vgg"]["no_dropout"], {"test_build_vgg": 2.25}),
        # student style: a helper block with one convolution per block instead of two
        "one_conv_per_block": ('''
def conv_block(model, filters, first=False):
    if first:
        model.add(layers.Conv2D(filters, 3, padding='same', activation='relu', input_shape=(32, 32, 3)))
    else:
        model.add(layers.Conv2D(filters, 3, padding='same', activation='relu'))
    model.add(layers.MaxPooling2D(2))

def build_vgg():
    model = keras.Sequential()
    conv_block(model, 32, first=True)
    conv_block(model, 64)
    model.add(layers.Flatten())
    model.add(layers.Dense(512, activation='relu'))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''', {"test_build_vgg": 2.0}),
    },
    "build_augmentation": {
        # student style: a rescaling inside the block changes the images at inference too (the Lambda
        # flip of WRONG's active_at_inference cannot be rebuilt by the grader: that one scores 0 as unreadable)
        "rescales_at_inference": ('''
def build_augmentation():
    model = keras.Sequential()
    model.add(layers.Rescaling(1. / 255))
    model.add(layers.RandomFlip('horizontal'))
    model.add(layers.RandomRotation(0.1))
    return model
''', {"test_build_augmentation": 1.0}),
        "does_nothing": (WRONG_B["build_augmentation"]["does_nothing"], {"test_build_augmentation": 0.0}),
    },
    "build_vgg_bn": {
        "no_batch_norm": (WRONG_B["build_vgg_bn"]["no_batch_norm"], {"test_build_vgg_bn": 0.5}),
        "batch_norm_in_first_block_only": (WRONG_B["build_vgg_bn"]["batch_norm_in_first_block_only"],
                                           {"test_build_vgg_bn": 1.0}),
        "wrong_filter_counts": (WRONG_B["build_vgg_bn"]["wrong_filter_counts"], {"test_build_vgg_bn": 1.75}),
        # student style: batch normalisation after the dense layer only
        "batch_norm_after_dense": ('''
def build_vgg_bn():
    model = keras.Sequential()
    model.add(keras.Input(shape=(32, 32, 3)))
    for filters in [32, 64]:
        model.add(layers.Conv2D(filters, 3, padding='same', activation='relu'))
        model.add(layers.Conv2D(filters, 3, padding='same', activation='relu'))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    model.add(layers.Dense(512, activation='relu'))
    model.add(layers.BatchNormalization())
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(10, activation='softmax'))
    return compile_for_cifar(model)
''', {"test_build_vgg_bn": 0.5}),
    },
    "confusion_matrix": {
        # the team's decision (issue #26): a transposed matrix earns a third, as in mnist
        "transposed": (WRONG_B["confusion_matrix"]["transposed"], {"test_confusion_matrix": 0.67}),
        "fancy_index_increment": (WRONG_B["confusion_matrix"]["fancy_index_increment"],
                                  {"test_confusion_matrix": 0.67}),
        # student style: rows indexed by the prediction
        "transposed_loop": ('''
def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[p][t] += 1
    return cm
''', {"test_confusion_matrix": 0.67}),
    },
}
