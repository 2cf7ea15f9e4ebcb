"""One call that makes Keras training repeatable."""

import keras
import tensorflow as tf


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and TensorFlow and make TensorFlow ops deterministic.

    After this call, building and training the same model on the same data gives
    bit-identical weights. Op determinism stays on for the rest of the process: it
    makes some GPU ops slower, never changes results on the CPU.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
