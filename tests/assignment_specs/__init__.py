"""Per-assignment answers for the pipeline tests.

Each module, named after its assignment, defines all six (a missing one fails the tests):

* ``WRONG``: answer id -> {variant name: source}. Each variant is a plausible mistake;
  the submission that is the full solution except this answer must lose points in
  that part's test cells and no others. A variant given as ``(source, [test ids])``
  loses points only in the named test cells of its part.
* ``ALTERNATIVE``: answer id -> source of a correct answer written differently from the
  master; it must earn full points.
* ``NOISY``: answer id -> source of a correct answer that writes warnings or log lines to
  stderr when the tests call it; it must earn full points.
* ``STUDENT_STYLE``: answer id -> source of a correct answer in real students' habits
  (``tf.keras`` imports, ``Sequential()`` with ``.add``, ``input_shape=``, shadowed
  builtins, helper functions of their own); it must earn full points.
* ``STUBS``: answer id -> a stub of the right shape (zeros, the identity, a constant,
  an untrained model of the right layers), one for every part; it must score 0 on every
  test cell of its part.
* ``CALIBRATED``: answer id -> {variant name: (source, {test id: score a fair TA gives})}:
  half-right answers, each scored within 15 % of the cell's points of the TA's score
  (tests/test_mutants.py); the part's tests not named keep full points.

Stubs are graded in one submission; the variants of ``WRONG`` and ``CALIBRATED`` several
to a notebook, one per part (tests/course_fixtures.py). Score one answer of one part in
seconds with ``python -m tests.part_scoring <assignment> <answer id> answer.py``.
"""
