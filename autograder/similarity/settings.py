"""The settings of the similarity report: ``SimilarityReport``, read from the course's
nbgrader_config.py.
"""

from pathlib import Path

from traitlets import Float, Integer, TraitError, validate
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class SimilarityReport(Configurable):
    """The settings of the similarity report, read from the course's nbgrader_config.py
    (``c.SimilarityReport.threshold = 0.8``)."""

    threshold = Float(0.8, help=(
        "A pair of students is flagged when the Jaccard index of their answers' fingerprints "
        "(over the cells both answered, beyond the release, common code left out) is at or "
        "above this; a cell is listed in the pair's `cells` when its own index is")).tag(config=True)
    kgram = Integer(5, help="Tokens per fingerprint (a k-gram of one statement's normalised tokens)").tag(config=True)
    min_statement_tokens = Integer(4, help=(
        "A statement shorter than kgram tokens is one fingerprint if it has at least this many "
        "(`return x` has none)")).tag(config=True)
    common_fraction = Float(0.05, help=(
        "A fingerprint in more than this fraction of the students who answered the cell is "
        "common code (the forced shape of the answer) and is ignored")).tag(config=True)
    common_floor = Integer(10, help=(
        "...but only when more than this many students have it (MOSS's -m): in a small class "
        "nothing is common")).tag(config=True)
    min_matched = Integer(12, help=(
        "A pair is flagged only when it shares at least this many fingerprints: a short, "
        "forced answer alone is no evidence")).tag(config=True)

    @validate("threshold", "common_fraction")
    def _fraction(self, proposal):
        if not 0 <= proposal["value"] <= 1:
            raise TraitError(f"{proposal['trait'].name} must be in [0, 1], not {proposal['value']}")
        return proposal["value"]

    @validate("kgram", "min_statement_tokens", "min_matched")
    def _positive(self, proposal):
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1, not {proposal['value']}")
        return proposal["value"]


def course_settings(course: Path, **overrides) -> SimilarityReport:
    """The settings in the course's nbgrader_config.py (the defaults where it sets none),
    then ``overrides`` (trait name -> value) on top."""
    config = Config()
    if (course / CONFIG_FILE).is_file():
        config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()
    settings = SimilarityReport(config=config)
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, value)
    return settings
