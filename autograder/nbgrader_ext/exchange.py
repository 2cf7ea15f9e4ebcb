"""nbgrader's exchange on a shared server (a JupyterHub with local accounts, ``hub/``).

nbgrader's inbound folder is writable by every student (mode 0733: they can create entries,
not list them), and ``nbgrader collect`` attributes a submission by the *name* of its
folder, ``<student>+<assignment>+<timestamp>+<random>``. Any student can therefore create
``bob+mnist+<a later time>+x`` and have it collected as Bob's latest submission, or put a
symbolic link to the instructor's master notebook into a folder of their own and have
collect, running as the instructor, copy the master into their submission (whose feedback
then shows the solutions). nbgrader's own ``CollectApp.check_owner`` only logs a warning.

- ``OwnerCheckedCollect`` (``c.ExchangeFactory.collect``, instructor side) is the course's
  ``CourseCollect`` that counts only submissions owned by the student they name: the folder
  and everything in it owned by the Unix account of that name, no symbolic links. Every
  other one is left in the exchange, never collected, and logged as a forgery with its
  owner. The student's own genuine submissions are chosen among as before (latest, or
  latest on time), and files are copied without following links, each checked again as it
  is opened, so that a folder changed between the check and the copy is refused too.
- ``ReadableFeedbackRelease`` (``c.ExchangeFactory.release_feedback``, instructor side) makes
  the released feedback pages readable by the students they are for, whatever the
  instructor's umask.
- ``PrivateSubmit`` (``c.ExchangeFactory.submit``, students' side) leaves a submission
  readable by its owner and the instructors' group only (0770 instead of nbgrader's 0777;
  the inbound folder's set-group-id bit gives the folder that group), so that a student who
  learns another's folder name still cannot read or change it.
"""

import errno
import glob
import os
import pwd
import shutil
import stat

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns
from traitlets import Bool

from autograder.nbgrader_ext.late_policy import CourseCollect


class OwnerCheckedCollect(CourseCollect):
    """``nbgrader collect`` that never collects a submission its named student does not own."""

    require_owner = Bool(True, help=(
        "Collect only submissions whose folder and files are owned by the Unix account named "
        "by the folder (and hold no symbolic links). Off: nbgrader's behaviour, for an exchange "
        "where every user has the same uid (a shared volume on Kubernetes)."
    )).tag(config=True)

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        record["forged"] = self.forgery(path, record["username"]) if self.require_owner else None
        if record["forged"]:
            self.log.warning("Not collecting %s: %s (a submission under another student's name, "
                             "or one that is not the student's own files)", path, record["forged"])
        return record

    def _sort_by_timestamp(self, records):
        # nbgrader and CourseCollect pick a student's submission as the first of this list:
        # genuine ones only, as long as there are any (forged ones are then dropped in init_src).
        genuine = [record for record in records if not record.get("forged")]
        return super()._sort_by_timestamp(genuine or records)

    def init_src(self):
        super().init_src()
        self.src_records = [record for record in self.src_records if not record.get("forged")]

    @staticmethod
    def forgery(path: str, student: str) -> str | None:
        """Why ``path`` is not ``student``'s own submission, or None if it is."""
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            return f"no account named {student!r}"
        try:
            top = os.lstat(path)
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        if not stat.S_ISDIR(top.st_mode):
            return "not a folder"
        entries = [(path, top)]
        for folder, dirs, files in os.walk(path, onerror=lambda error: entries.append((error.filename, None))):
            entries += [(os.path.join(folder, name), None) for name in dirs + files]
        for entry, info in entries:
            name = "the folder" if entry == path else os.path.relpath(entry, path)
            try:
                info = info or os.lstat(entry)
            except OSError as error:
                return f"{name} cannot be read ({error.strerror})"
            if stat.S_ISLNK(info.st_mode):
                return f"{name} is a symbolic link"
            if info.st_uid != uid:
                return f"{name} is owned by {_user(info.st_uid)}, not {student}"
        return None

    def do_copy(self, src, dest, log=None):
        if not self.require_owner:
            return super().do_copy(src, dest, log)
        student = os.path.basename(src).rsplit("+", 3)[0]
        uid = pwd.getpwnam(student).pw_uid

        def copy_owned(source, target, *, follow_symlinks=True):
            # O_NOFOLLOW: a file swapped for a link since the check is refused, not followed.
            fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as reader:
                info = os.fstat(reader.fileno())
                if info.st_uid != uid or not stat.S_ISREG(info.st_mode):
                    raise PermissionError(errno.EPERM, f"not {student}'s own file", source)
                with open(target, "wb") as writer:
                    shutil.copyfileobj(reader, writer)
            return target

        size = self.get_size(src)
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                               f"{1000 * self.coursedir.max_dir_size}")
        try:
            shutil.copytree(src, dest, symlinks=True, copy_function=copy_owned,
                            ignore=ignore_patterns(exclude=self.coursedir.ignore,
                                                   include=self.coursedir.include,
                                                   max_file_size=self.coursedir.max_file_size,
                                                   log=self.log))
            links = [os.path.join(folder, name) for folder, dirs, files in os.walk(dest)
                     for name in dirs + files if os.path.islink(os.path.join(folder, name))]
            if links:
                raise PermissionError(errno.EPERM, "symbolic links in the submission", links[0])
        except (OSError, shutil.Error) as error:
            shutil.rmtree(dest, ignore_errors=True)
            self.log.warning("Not collecting %s: it changed while it was copied (%s)", src, error)


class ReadableFeedbackRelease(ExchangeReleaseFeedback):
    """``nbgrader release_feedback`` whose pages the students can read (0644) whatever mode the
    page had in the course folder: nbgrader copies the mode, and an instructor's umask (007 on
    the hub, so that the TAs can write the course) would leave them unreadable. A page is named
    by a hash of its submission's secret, in a folder nobody else can list (0711)."""

    def copy_files(self):
        super().copy_files()
        for page in glob.glob(os.path.join(self.dest_path, "*.html")):
            if os.stat(page).st_uid == os.geteuid():
                os.chmod(page, 0o644)


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose submission only its owner and the instructors' group can open."""

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        os.chmod(dest, 0o770)


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
