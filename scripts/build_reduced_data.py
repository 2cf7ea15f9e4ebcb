"""Build the reduced, class-balanced grading subsets shipped in ``helpers/reduced_data``.

Reads the full datasets in Keras layout (``<name>.npz`` with x_train, y_train, x_test,
y_test, uint8) from a folder, keeps a fixed number of images per class from each split,
chosen with a fixed seed, and writes compressed ``.npz`` files of the same layout.

    python scripts/build_reduced_data.py /path/to/folder/with/npz/files

The committed subsets were built from the course's copies of MNIST, Fashion-MNIST and a
5,000 + 2,000 image CIFAR-10 subset (see helpers/reduced_data/README.md). Rebuilding from
the same files gives byte-identical arrays.
"""

import argparse
from pathlib import Path

import numpy as np

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "helpers" / "reduced_data"
SEED = 2024
# (train images per class, test images per class)
PER_CLASS = {"mnist": (300, 100), "fashion_mnist": (300, 100), "cifar10": (100, 50)}


def balanced_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` random examples of every class, shuffled together.

    labels: integer array of shape (N,) or (N, 1).
    """
    labels = labels.reshape(-1)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, need {per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return rng.permutation(np.concatenate(chosen))


def reduce_dataset(source: Path, name: str) -> dict[str, np.ndarray]:
    """The reduced arrays of one dataset, read from ``source/<name>.npz``."""
    rng = np.random.default_rng(SEED)
    n_train, n_test = PER_CLASS[name]
    with np.load(source / f"{name}.npz") as full:
        train = balanced_indices(full["y_train"], n_train, rng)
        test = balanced_indices(full["y_test"], n_test, rng)
        return {
            "x_train": full["x_train"][train], "y_train": full["y_train"][train],
            "x_test": full["x_test"][test], "y_test": full["y_test"][test],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with mnist.npz, fashion_mnist.npz, cifar10.npz")
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    for name in PER_CLASS:
        arrays = reduce_dataset(args.source, name)
        np.savez_compressed(args.output / f"{name}.npz", **arrays)
        shapes = ", ".join(f"{key} {value.shape}" for key, value in arrays.items())
        print(f"{name}: {shapes}")


if __name__ == "__main__":
    main()
