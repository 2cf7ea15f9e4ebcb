"""An LMS download collected into the course's ``submitted/`` folder, with each student's
submission time from the download, and every file that could not be collected refused with
a reason (the class report lists them)."""

import datetime
import json
import re
import shutil
import zipfile
from pathlib import Path

from autograder.nbgrader_ext.late_policy import FROM_LMS, TIMESTAMP_FORMAT, course_policy, zip_entry_time
from autograder.settings import LMS_FILE_NAME
from autograder.worker.grade import student_id_problem
from autograder.worker.nbgrader_cli import run_nbgrader


def collect_from_lms(course: Path, assignment: str, download: Path) -> dict[str, str]:
    """Unpack an LMS download (a zip or a folder of per-student files) into submitted/.

    Returns the files refused, by file name, with the reason: a student id that is not a
    safe folder name (``..``, a path separator, glob characters, a leading ``-``) is never
    written anywhere, nor is a zip entry whose path leads out of the folder (see
    ``_entries_out_of_the_folder``).
    """
    archive = course / "downloaded" / assignment / "archive"
    shutil.rmtree(course / "downloaded" / assignment, ignore_errors=True)
    archive.mkdir(parents=True)
    if download.is_dir():
        shutil.copytree(download, archive, dirs_exist_ok=True, symlinks=True)
    else:
        shutil.copy(download, archive)
    run_nbgrader(course, "zip_collect", assignment, "--force")
    refused = _entries_out_of_the_folder(course / "downloaded" / assignment)
    _write_lms_times(course, assignment, download)
    for path in sorted((course / "downloaded" / assignment / "extracted").rglob("*")):
        if path.is_file() and not re.match(LMS_FILE_NAME, str(path)):
            student = path.name.split("_")[0]
            refused[f"file {path.name!r}"] = (
                (student_id_problem(student) or "the file name does not name a student")
                + "; not collected (LMS file names: <student>_<anything>_<notebook>.ipynb)")
    return refused


def _entries_out_of_the_folder(downloaded: Path) -> dict[str, str]:
    """The entries of the zips in ``downloaded`` (the download, and the zips it held, which
    zip_collect extracted too) whose path is absolute or goes up through "..", by name, with
    the reason: nbgrader's extractor skips them without a word, so nothing of them is written."""
    refused = {}
    for archive in sorted(path for path in downloaded.rglob("*.zip") if zipfile.is_zipfile(path)):
        with zipfile.ZipFile(archive) as entries:
            for name in entries.namelist():
                if name.startswith("/") or ".." in name.split("/"):
                    refused[f"file {name!r}"] = (f"an entry of {archive.name} whose path is absolute or climbs "
                                                 "out of the folder with '..'; not extracted, not collected")
    return refused


def _write_lms_times(course: Path, assignment: str, download: Path) -> None:
    """Each collected student's submission time from the LMS download: the newest time of
    their entries (a zip entry's time, in ``CourseLatePolicy.lms_timezone``; a file's
    modification time in a folder), written as their ``timestamp.txt`` and recorded in
    ``downloaded/<assignment>/times.json`` (student -> timestamp and where it came from)."""
    policy, entries = course_policy(course), {}
    if download.is_dir():
        for path in download.rglob("*"):
            if path.is_file():
                entries[path.relative_to(download).as_posix()] = datetime.datetime.fromtimestamp(
                    path.stat().st_mtime, datetime.timezone.utc).strftime(TIMESTAMP_FORMAT)
    elif zipfile.is_zipfile(download):
        with zipfile.ZipFile(download) as archive:
            entries = {info.filename: zip_entry_time(info.date_time, policy.lms_timezone)
                       for info in archive.infolist() if not info.is_dir()}
    times = {}
    for name, stamp in sorted(entries.items(), key=lambda item: item[1]):  # the newest entry last
        found = re.match(LMS_FILE_NAME, "/" + name)
        folder = course / "submitted" / (found["student_id"] if found else "") / assignment
        if found and folder.is_dir():
            late = " (marked late by the LMS)" if "_LATE_" in name else ""
            times[found["student_id"]] = {"timestamp": stamp, "source": f"{FROM_LMS}: {Path(name).name}{late}"}
    for student, entry in times.items():
        (course / "submitted" / student / assignment / "timestamp.txt").write_text(entry["timestamp"] + "\n")
    (course / "downloaded" / assignment / "times.json").write_text(json.dumps(times, indent=1, sort_keys=True))


def load_lms_times(course: Path, assignment: str) -> dict[str, dict[str, str]]:
    """student -> {timestamp text: where it came from} of the last LMS download collected."""
    path = course / "downloaded" / assignment / "times.json"
    times = json.loads(path.read_text()) if path.is_file() else {}
    return {student: {time["timestamp"]: time["source"]} for student, time in times.items()}
