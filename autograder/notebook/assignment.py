"""An assignment's facts, read once from a course folder: notebooks, tests, points, parts."""

from dataclasses import dataclass, field
from pathlib import Path

from autograder.notebook.parts import autograded_parts, points_per_test, section_of_tests
from autograder.notebook.submissions import read

REPO = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Assignment:
    """name: the folder name under source/; notebooks: file names of its notebooks;
    masters / releases: file name -> notebook; points: test id -> points (notebook order);
    tests: file name -> its test ids; parts: answer id -> its test ids; sections: test id ->
    the heading of the section it is in ("Part 3: The first network (3 points)")."""

    name: str
    notebooks: tuple[str, ...]
    masters: dict = field(repr=False)
    releases: dict = field(repr=False)
    points: dict[str, float]
    tests: dict[str, tuple[str, ...]]
    parts: dict[str, list[str]]
    sections: dict[str, str]

    @property
    def max_points(self) -> float:
        """Autograded points of the whole assignment."""
        return sum(self.points.values())


def assignment_names(course: Path = REPO) -> list[str]:
    """Names of the assignments with a master in ``source/``."""
    return sorted(path.name for path in (course / "source").iterdir() if path.is_dir())


def load_assignment(name: str, course: Path = REPO) -> Assignment:
    """Read the masters (and releases, where generated) of ``name`` in ``course``."""
    names = tuple(sorted(path.name for path in (course / "source" / name).glob("*.ipynb")))
    if not names:
        raise FileNotFoundError(f"no master notebooks in {course / 'source' / name}")
    masters = {notebook: read(course / "source" / name / notebook) for notebook in names}
    releases = {notebook: read(course / "release" / name / notebook) for notebook in names
                if (course / "release" / name / notebook).is_file()}
    points, tests, parts, sections = {}, {}, {}, {}
    for notebook, master in masters.items():
        own = points_per_test(master)
        points.update(own)
        tests[notebook] = tuple(own)
        parts.update(autograded_parts(master))
        prefix = f"{notebook}: " if len(masters) > 1 else ""
        sections.update({test: prefix + heading for test, heading in section_of_tests(master).items()})
    return Assignment(name, names, masters, releases, points, tests, parts, sections)
