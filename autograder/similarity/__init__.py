"""Answers that look copied: the class's similarity report (issue #27, item 2).

    python -m autograder.similarity mnist [--course DIR] [--threshold 0.8]
    python -m autograder.similarity --benchmark [--sizes 100 300 1000]

Writes ``reports/<assignment>/similarity.csv`` (``student_a,student_b,score,cells``: one row
per pair of students at or above the threshold, highest first; ``cells`` the grade ids of
the answer cells that match, separated by spaces) and ``similarity.html`` (each flagged pair
side by side, matching statements highlighted), from the submitted notebooks
``submitted/<student>/<assignment>/*.ipynb`` and the release ``release/<assignment>/``, with
the settings of ``SimilarityReport`` in the course's nbgrader_config.py. Nothing else is read
(not the gradebook) or written: a flag is a lead for a TA to read, it never changes a grade.

How, MOSS-style fingerprinting on a normalised form of each answer:

1. **Answer cells** are the release's code cells with nbgrader ``solution: true``, found in
   each student's notebook by grade id. Each is parsed (IPython magic and shell lines
   blanked; a cell that does not parse is read token by token instead) and cut into
   statements: every simple statement, and the header of every ``def``/``for``/``if``/...
   (its body's statements are statements of their own). Docstrings and comments are
   dropped; so are whitespace and formatting, by reprinting each statement from its
   syntax tree (``ast.unparse``).
2. **Normalised**: every name the student binds (variables, parameters, their own
   functions and classes) becomes ``V``, every string ``S`` and every number ``N``; import
   aliases become the module they name (``np.mean`` and ``numpy.mean`` read
   ``numpy.mean``, ``tf.keras`` reads ``keras``); attribute names, keyword-argument names
   and builtins are kept (they are the API, which a copier cannot rename); a call's
   keyword arguments are sorted.
3. **Fingerprints**: the hashes of the k-grams of each statement's tokens (``kgram``
   tokens; a shorter statement of at least ``min_statement_tokens`` is one fingerprint).
   They never span two statements, so reordering statements or functions changes none.
   Answers are small, so every k-gram is kept (no winnowing).
4. **Beyond the release**: a fingerprint of any code cell of the release (the stubs, the
   given code, the locked cells) never counts. A blank or stub-only answer has no
   fingerprint left, so it matches nothing.
5. **Common code** (MOSS's ``-m``): a fingerprint that more than ``common_fraction`` of the
   students who answered the cell have (and more than ``common_floor`` students) is the
   forced shape of the answer, not evidence, and is ignored.
6. **An inverted index**, fingerprint -> students, per cell: each pair of students that
   shares fingerprints is counted from the index, so the cost follows the shared
   fingerprints, not the half a million pairs of a class of 1,000.
7. **Score** of a pair: the Jaccard index of their fingerprints over the cells both answered,
   sum of |A ∩ B| over sum of |A ∪ B|, in [0, 1]. A pair is flagged at or above
   ``threshold`` when they share at least ``min_matched`` fingerprints; ``cells`` lists the
   cells whose own index reaches the threshold.

No fingerprinting library fits this design: copydetect (PyPI) fingerprints whole files
with character k-grams spanning statements (reordering breaks them), maps every attribute
and keyword name to the same ``V`` (every Keras answer then looks alike), keeps numbers,
and compares every pair of files in a Python loop; Dolos (npm) needs Node.js. The
normalisation uses Python's own ``ast`` and ``tokenize``.
"""

from autograder.similarity.report import similarity_report
from autograder.similarity.settings import SimilarityReport
from autograder.similarity.synthetic import benchmark

__all__ = ["SimilarityReport", "benchmark", "similarity_report"]
