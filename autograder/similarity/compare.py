"""Comparing students: an inverted index of fingerprints per cell, common code left out, the
Jaccard score of each pair that shares fingerprints, the flagged pairs (steps 5 to 7 of the
docstring of ``autograder.similarity``).
"""

from dataclasses import dataclass, field

import numpy as np

from autograder.similarity.settings import SimilarityReport


@dataclass(frozen=True)
class Pair:
    """A flagged pair: student names in order, the score, the matching cells, and the index of
    every cell they share fingerprints in (key -> score)."""
    student_a: str
    student_b: str
    score: float
    cells: tuple[str, ...]
    cell_scores: dict


@dataclass
class Comparison:
    """What ``compare`` found: the flagged pairs, highest first, the fingerprints left to each
    student and cell once common code is removed, and counts for the report."""
    pairs: list[Pair]
    kept: dict  # (student index, key) -> sorted fingerprints that count
    candidates: int  # pairs that share at least one fingerprint
    top: list = field(default_factory=list)  # the 20 best-scoring pairs, flagged or not: (score, a, b)


def compare(prints: list[dict[str, np.ndarray]], keys: list[str], settings: SimilarityReport,
            names: list[str]) -> Comparison:
    """Flag the pairs of students whose answers match (see the docstring of ``autograder.similarity``).

    prints: per student (in the order of ``names``), key -> fingerprints beyond the release.
    """
    n = len(prints)
    total = n * n
    kept, sizes, answered = {}, np.zeros((len(keys), n), dtype=np.int64), np.zeros((len(keys), n), dtype=bool)
    per_cell = []  # per key: (sorted pair codes, intersections)
    candidates_all = []
    for c, key in enumerate(keys):
        owners = [s for s in range(n) if key in prints[s]]
        if len(owners) < 2:
            per_cell.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
            for s in owners:
                kept[(s, key)] = prints[s][key]
                sizes[c, s], answered[c, s] = len(prints[s][key]), True
            continue
        students = np.concatenate([np.full(len(prints[s][key]), s, dtype=np.int64) for s in owners])
        hashes = np.concatenate([prints[s][key] for s in owners])
        unique, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
        limit = max(settings.common_floor, settings.common_fraction * len(owners))
        keep = counts[inverse] <= limit
        answered[c, owners] = True
        sizes[c] = np.bincount(students[keep], minlength=n)
        for s in owners:
            own = prints[s][key]
            kept[(s, key)] = own[counts[np.searchsorted(unique, own)] <= limit]
        shared = keep & (counts[inverse] >= 2)
        order = np.lexsort((students[shared], inverse[shared]))
        fingerprint_ids, members = inverse[shared][order], students[shared][order]
        if len(members):
            starts = np.flatnonzero(np.r_[True, fingerprint_ids[1:] != fingerprint_ids[:-1]])
            group_sizes = np.diff(np.r_[starts, len(members)])
            codes = []
            for size in np.unique(group_sizes):
                rows = starts[group_sizes == size][:, None] + np.arange(size)[None, :]
                group = members[rows]
                first, second = np.triu_indices(size, 1)
                codes.append((group[:, first] * n + group[:, second]).ravel())
            pair_codes, intersections = np.unique(np.concatenate(codes), return_counts=True)
        else:
            pair_codes, intersections = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        per_cell.append((pair_codes, intersections))
        candidates_all.append(pair_codes)
    if candidates_all and total:
        everything = np.concatenate([codes for codes, _ in per_cell])
        weights = np.concatenate([counts for _, counts in per_cell])
        pair_codes, inverse = np.unique(everything, return_inverse=True)
        matched = np.bincount(inverse, weights=weights).astype(np.int64)
    else:
        pair_codes, matched = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    candidates = len(pair_codes)
    chosen = matched >= settings.min_matched
    pair_codes, matched = pair_codes[chosen], matched[chosen]
    a, b = pair_codes // max(n, 1), pair_codes % max(n, 1)
    unions = np.zeros(len(pair_codes), dtype=np.int64)
    by_cell = np.zeros((len(keys), len(pair_codes)), dtype=np.int64)
    for c, (codes, counts) in enumerate(per_cell):
        if len(codes):
            where = np.searchsorted(codes, pair_codes)
            found = (where < len(codes)) & (codes[np.minimum(where, len(codes) - 1)] == pair_codes)
            by_cell[c, found] = counts[where[found]]
        both = answered[c, a] & answered[c, b]
        unions += np.where(both, sizes[c, a] + sizes[c, b] - by_cell[c], 0)
    scores = np.divide(matched, unions, out=np.zeros(len(matched)), where=unions > 0)
    best = np.argsort(-scores, kind="stable")[:20]
    top = [(float(scores[i]), *sorted((names[a[i]], names[b[i]]))) for i in best]
    pairs = []
    for i in np.flatnonzero(scores >= settings.threshold):
        cell_scores = {}
        for c, key in enumerate(keys):
            if by_cell[c, i]:
                union = sizes[c, a[i]] + sizes[c, b[i]] - by_cell[c, i]
                cell_scores[key] = float(by_cell[c, i] / union) if union else 0.0
        cells = tuple(key for key, value in cell_scores.items() if value >= settings.threshold)
        first, second = sorted((names[a[i]], names[b[i]]))
        pairs.append(Pair(first, second, float(scores[i]), cells, cell_scores))
    pairs.sort(key=lambda pair: (-pair.score, pair.student_a, pair.student_b))
    return Comparison(pairs, kept, candidates, top)
