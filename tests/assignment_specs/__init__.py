"""Per-assignment answers for the pipeline tests.

Each module, named after its assignment, defines:

* ``WRONG``: answer id -> {variant name: source}. Each variant is a plausible mistake;
  the submission that is the full solution except this answer must lose the points of
  that part's test cells and no others. A variant given as ``(source, [test ids])``
  fails only the named test cells of its part.
* ``ALTERNATIVE``: answer id -> source of a correct answer written differently from the
  master; it must earn full points.
* ``NOISY``: answer id -> source of a correct answer that writes warnings or log lines to
  stderr when the tests call it; it must earn full points.
"""
