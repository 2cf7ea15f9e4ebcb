"""The course on a JupyterHub: one course, one server, local Unix accounts.

Run as root, with the kit's venv (``make hub`` does both steps)::

    .venv/bin/python hub/course_hub.py setup        # accounts, runtime, course, exchange
    .venv/bin/python -m jupyterhub -f hub/jupyterhub_config.py
    .venv/bin/python hub/course_hub.py as-instructor -- python -m autograder.grade_class mnist
    .venv/bin/python hub/course_hub.py remove       # the accounts and folders setup made

What ``setup`` makes (all under ``ROOT``, ``/srv/dl-course`` unless ``DLC_HUB_ROOT`` or
``--root`` says otherwise; run it again at any time: it keeps the course folder and the
exchange as they are, and refreshes everything else):

- **Accounts**: the instructor, the TAs and the students (``--instructor``, ``--tas``,
  ``--students``; the demo ``dlc-instructor``, ``dlc-ta``, ``dlc-alice``, ``dlc-bob``), each
  with a home of mode 0700 and a random password (PAM checks it at the hub's login; they are
  written, for root only, to ``ROOT/hub/passwords.txt``). Instructor and TAs are in the group
  ``<prefix>graders``, students in ``<prefix>students``. Existing accounts are used as they
  are (their password is not changed) and never removed.
- **Runtime** ``ROOT/runtime`` (root's, world-readable): what every user's Jupyter server and
  kernel run on, ``venv/`` (the kit's venv: hard links to its files where on the same file
  system, so no extra disk; the interpreter it is based on when every user can reach it, else
  Debian's ``/usr/bin/python3.11``, which takes the same cp311 wheels) and ``kit/`` (the kit's
  ``autograder``, ``helpers`` and ``hub`` packages, on the venv's path). The clone itself may
  then be anywhere, a private home included: no mode of it or of its parents is changed.
- **Course folder** ``ROOT/course``: the masters and releases, and the course's
  ``nbgrader_config.py`` (the kit's, with the hub's lines at the end), owned by the
  instructor, group graders, mode 2770: instructors and TAs read and write it (their servers
  run with umask 007), no student can even list it. Gradebook, submitted, autograded and
  feedback folders are made in it by nbgrader.
- **Exchange** ``ROOT/exchange`` (``NBGRADER_EXCHANGE``), as nbgrader's docs set it: root's,
  1777 (everyone may create, only the owner may delete); in it the course folder, outbound and
  feedback (instructor's; 0755, 0711) and inbound (instructor's, group graders, 3733: students
  create their submissions there and cannot list it; sticky, so none can rename or delete
  another's; set-group-id, so each submission belongs to the graders' group).
- ``ROOT/data``: put the Keras ``.npz`` files there for students' full-data runs
  (``COURSE_DATA_DIR``); without them the helpers use the shipped reduced data.
- ``ROOT/hub`` (root only, 0700): the roster, the passwords, the hub's database, cookie
  secret and log.
"""

import argparse
import grp
import json
import os
import pwd
import secrets
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
COURSE_ID = "dl-course"  # the one place the hub's course id is set (matches nbgrader_config.py)
DEFAULT_ROOT = "/srv/dl-course"
DEMO_PREFIX = "dlc-"
DEMO_STUDENTS = ["alice", "bob"]
PYTHON_TAG = "python3.11"
FALLBACK_PYTHON = Path("/usr/bin/python3.11")
KIT_PACKAGES = ["autograder", "helpers", "hub"]
HUB_SECTION = '''

# --- On the course hub (hub/course_hub.py setup wrote these lines): the hub's course id; a
# collect that never takes a submission from the exchange whose folder its named student does
# not own (nbgrader's inbound folder is writable by every student); released feedback pages
# readable by their students whatever the instructor's umask (autograder/nbgrader_ext/exchange.py) ---
from autograder.nbgrader_ext.exchange import OwnerCheckedCollect, ReadableFeedbackRelease  # noqa: E402

c.CourseDirectory.course_id = {course_id!r}
c.ExchangeFactory.collect = OwnerCheckedCollect
c.ExchangeFactory.release_feedback = ReadableFeedbackRelease
'''


@dataclass(frozen=True)
class Layout:
    """Where everything of the course hub lives."""

    root: Path

    @classmethod
    def from_env(cls) -> "Layout":
        return cls(Path(os.environ.get("DLC_HUB_ROOT", DEFAULT_ROOT)))

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def venv(self) -> Path:
        return self.runtime / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def kit(self) -> Path:
        return self.runtime / "kit"

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def state(self) -> Path:
        return self.root / "hub"

    @property
    def roster_file(self) -> Path:
        return self.state / "roster.json"

    @property
    def passwords_file(self) -> Path:
        return self.state / "passwords.txt"

    def roster(self) -> dict:
        """{"instructor": name, "tas": [...], "students": [...], "graders_group": ...,
        "students_group": ..., "created_users": [...], "created_groups": [...]}."""
        return json.loads(self.roster_file.read_text())

    def role_config(self, role: str) -> Path:
        """The Jupyter config folder of a role ("grader" or "student"), in the runtime."""
        return self.kit / "hub" / "jupyter" / role

    def user_env(self, role: str) -> dict[str, str]:
        """The environment of a user's Jupyter server (and of the instructor's commands)."""
        return {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "NBGRADER_EXCHANGE": str(self.exchange),
            "DL_COURSE_ID": COURSE_ID,
            "DL_COURSE_DIR": str(self.course),
            "COURSE_DATA_DIR": str(self.data),
            "JUPYTER_CONFIG_PATH": str(self.role_config(role)),
            "MPLBACKEND": "Agg" if role == "grader" else "module://matplotlib_inline.backend_inline",
        }


# --- setup ---

def setup(layout: Layout, instructor: str, tas: list[str], students: list[str], prefix: str) -> dict:
    _require_root()
    graders_group, students_group = f"{prefix}graders", f"{prefix}students"
    layout.root.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.root, 0o755)
    layout.state.mkdir(exist_ok=True)
    os.chmod(layout.state, 0o700)
    old = layout.roster() if layout.roster_file.exists() else {}
    created_groups = set(old.get("created_groups", []))
    created_users = set(old.get("created_users", []))
    for group in (graders_group, students_group):
        if _group_exists(group):
            continue
        _run(["groupadd", group])
        created_groups.add(group)
    passwords = _read_passwords(layout)
    for user, group in [(instructor, graders_group), *((ta, graders_group) for ta in tas),
                        *((student, students_group) for student in students)]:
        if not _user_exists(user):
            _run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", "--groups", group, user])
            os.chmod(pwd.getpwnam(user).pw_dir, 0o700)
            created_users.add(user)
        else:
            _run(["usermod", "--append", "--groups", group, user])
        if user in created_users:
            passwords.setdefault(user, secrets.token_urlsafe(12))
            subprocess.run(["chpasswd"], input=f"{user}:{passwords[user]}\n", text=True, check=True)
    roster = {"instructor": instructor, "tas": tas, "students": students, "course_id": COURSE_ID,
              "graders_group": graders_group, "students_group": students_group,
              "created_users": sorted(created_users), "created_groups": sorted(created_groups)}
    _write_private(layout.roster_file, json.dumps(roster, indent=2) + "\n")
    _write_private(layout.passwords_file, "".join(f"{user} {password}\n" for user, password in passwords.items()))
    build_runtime(layout)
    make_course(layout, instructor, graders_group)
    make_exchange(layout, instructor, graders_group)
    layout.data.mkdir(exist_ok=True)
    os.chmod(layout.data, 0o755)
    return roster


def build_runtime(layout: Layout, kit_venv: Path = Path(sys.prefix)) -> None:
    """``ROOT/runtime``: the kit's venv and packages where every course user can run them."""
    if layout.runtime.exists():
        shutil.rmtree(layout.runtime)
    layout.runtime.mkdir()
    os.chmod(layout.runtime, 0o755)
    for package in KIT_PACKAGES:
        shutil.copytree(KIT / package, layout.kit / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for file in ("nbgrader_config.py", "pyproject.toml"):
        shutil.copy(KIT / file, layout.kit / file)
    venv = layout.venv
    _tree_copy(kit_venv, venv)
    interpreter = Path(os.path.realpath(kit_venv / "bin" / "python"))
    base = Path(sys.base_prefix)
    if not (_world_reachable(interpreter) and _world_reachable(base / "lib" / PYTHON_TAG / "os.py")):
        if not _world_reachable(FALLBACK_PYTHON):
            raise SystemExit(f"The kit's Python ({interpreter}) is not readable by other accounts and there "
                             f"is no {FALLBACK_PYTHON}: install Debian's python3.11 or make the venv with a "
                             "Python every user can run.")
        interpreter = FALLBACK_PYTHON
    for name in ("python", "python3", PYTHON_TAG):
        link = venv / "bin" / name
        if link.is_symlink() or link.exists():
            link.unlink()
    os.symlink(interpreter, venv / "bin" / PYTHON_TAG)
    os.symlink(PYTHON_TAG, venv / "bin" / "python3")
    os.symlink(PYTHON_TAG, venv / "bin" / "python")
    version = subprocess.run([interpreter, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    _replace(venv / "pyvenv.cfg", f"home = {interpreter.parent}\ninclude-system-site-packages = false\n"
                                  f"version = {version}\n")
    site = venv / "lib" / PYTHON_TAG / "site-packages"
    for path in site.glob("__editable__*dl_course_kit*"):
        path.unlink()
    _replace(site / "dl_course_kit.pth", f"{layout.kit}\n")
    # JupyterLab's defaults for every user: no "official Jupyter news?" toast.
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    _replace(settings / "overrides.json",
             json.dumps({"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}) + "\n")
    # Console scripts name the kit venv's interpreter on their first line.
    old = f"#!{kit_venv / 'bin'}/python".encode()
    for script in (venv / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        content = script.read_bytes()
        if content.startswith(old):
            first, _, rest = content.partition(b"\n")
            _replace(script, f"#!{layout.python}\n".encode() + rest, mode=0o755)


def make_course(layout: Layout, instructor: str, graders_group: str) -> None:
    """The course folder, made once (a later setup leaves the instructor's work alone)."""
    course = layout.course
    if not course.exists():
        course.mkdir()
        for tree in ("source", "release"):
            shutil.copytree(KIT / tree, course / tree, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        config = (KIT / "nbgrader_config.py").read_text() + HUB_SECTION.format(course_id=COURSE_ID)
        (course / "nbgrader_config.py").write_text(config)
        # An empty file is an empty SQLite database: made here so that it is the group's to
        # write (SQLite makes a new one 0644 whatever the umask, and the TAs grade in it too).
        (course / "gradebook.db").touch()
        uid, gid = pwd.getpwnam(instructor).pw_uid, grp.getgrnam(graders_group).gr_gid
        for path in [course, *course.rglob("*")]:
            os.chown(path, uid, gid, follow_symlinks=False)
            os.chmod(path, 0o2770 if path.is_dir() else 0o660)
    os.chmod(course, 0o2770)


def make_exchange(layout: Layout, instructor: str, graders_group: str) -> None:
    uid, gid = pwd.getpwnam(instructor).pw_uid, grp.getgrnam(graders_group).gr_gid
    layout.exchange.mkdir(exist_ok=True)
    os.chown(layout.exchange, 0, 0)
    os.chmod(layout.exchange, 0o1777)
    course = layout.exchange / COURSE_ID
    for path, mode in [(course, 0o755), (course / "outbound", 0o755), (course / "inbound", 0o3733),
                       (course / "feedback", 0o711)]:
        path.mkdir(exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)


# --- remove ---

def remove(layout: Layout) -> None:
    """Delete the accounts and groups setup created, and ``ROOT``."""
    _require_root()
    if layout.roster_file.exists():
        roster = layout.roster()
        for user in roster["created_users"]:
            if _user_exists(user):
                _stop_processes(user)
                subprocess.run(["userdel", "--remove", user], capture_output=True)
                if _user_exists(user):
                    _run(["userdel", "--force", "--remove", user])
        for group in roster["created_groups"]:
            if _group_exists(group):
                _run(["groupdel", group])
    shutil.rmtree(layout.root, ignore_errors=True)


def _stop_processes(user: str) -> None:
    """End what is left running as ``user`` (servers and kernels the hub started), by pid."""
    uid = pwd.getpwnam(user).pw_uid
    for pid in _pids_of(uid):
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass
    import time
    deadline = time.monotonic() + 10
    while _pids_of(uid) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in _pids_of(uid):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


# --- commands as the instructor ---

def as_instructor(layout: Layout, command: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """Run ``command`` as the course's instructor, in the course folder, with the environment of
    the instructor's Jupyter server (umask 007: the TAs in the graders' group can write what it
    makes)."""
    roster = layout.roster()
    user = pwd.getpwnam(roster["instructor"])
    env = {**layout.user_env("grader"), "HOME": user.pw_dir, "USER": user.pw_name,
           "LOGNAME": user.pw_name, "LANG": "C.UTF-8", "SHELL": "/bin/bash"}
    script = f"umask 007 && cd {shlex.quote(str(layout.course))} && exec \"$@\""
    return subprocess.run(["runuser", "-u", user.pw_name, "--", "env", "-i",
                           *(f"{key}={value}" for key, value in env.items()),
                           "sh", "-c", script, "sh", *command], check=check)


# --- helpers ---

def _require_root() -> None:
    if os.geteuid() != 0:
        raise SystemExit("The course hub's set-up creates Unix accounts: run it as root "
                         "(sudo .venv/bin/python hub/course_hub.py setup, or sudo make hub).")
    for tool in ("useradd", "groupadd", "chpasswd", "runuser"):
        if shutil.which(tool) is None:
            raise SystemExit(f"The course hub needs {tool} (Debian's passwd/util-linux packages).")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True)


def _read_passwords(layout: Layout) -> dict[str, str]:
    if not layout.passwords_file.exists():
        return {}
    return dict(line.split(" ", 1) for line in layout.passwords_file.read_text().splitlines() if " " in line)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.chmod(path, 0o600)


def _replace(path: Path, content: str | bytes, mode: int = 0o644) -> None:
    """Write a new file at ``path`` (unlinked first: it may be a hard link into the kit's venv)."""
    if path.is_symlink() or path.exists():
        path.unlink()
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    os.chmod(path, mode)


def _tree_copy(src: Path, dest: Path) -> None:
    """``cp -a``, with hard links where ``dest`` is on the same file system."""
    if subprocess.run(["cp", "-al", str(src), str(dest)], capture_output=True).returncode != 0:
        shutil.rmtree(dest, ignore_errors=True)
        _run(["cp", "-a", str(src), str(dest)])
    os.chmod(dest, 0o755)


def _world_reachable(path: Path) -> bool:
    """Whether any account can read ``path`` (every folder above it searchable by others)."""
    path = Path(os.path.realpath(path))
    if not path.exists() or not os.stat(path).st_mode & stat.S_IROTH:
        return False
    return all(os.stat(parent).st_mode & stat.S_IXOTH for parent in path.parents)


def print_logins(layout: Layout, url: str) -> None:
    roster = layout.roster()
    passwords = _read_passwords(layout)
    print(f"\nThe course hub: {url}  (log in with one of these accounts)")
    for role, users in [("instructor", [roster["instructor"]]), ("TA", roster["tas"]),
                        ("student", roster["students"])]:
        for user in users:
            password = passwords.get(user, "(its own password)")
            print(f"  {role:10} {user:20} {password}")
    print(f"Passwords: {layout.passwords_file} (root only). The course folder: {layout.course}; "
          f"the exchange: {layout.exchange}.")
    print("The instructor's class command, from a root shell:")
    print("  .venv/bin/python hub/course_hub.py as-instructor -- python -m autograder.grade_class <assignment>")
    print("or in the instructor's JupyterLab terminal: python -m autograder.grade_class <assignment>")
    print("Stop the hub with Ctrl-C; `make hub-remove` deletes the demo accounts and folders.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", help=f"where the course hub lives (default $DLC_HUB_ROOT or {DEFAULT_ROOT})")
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("setup", help="accounts, runtime, course folder and exchange (root)")
    made.add_argument("--prefix", default=DEMO_PREFIX, help="prefix of the demo account and group names")
    made.add_argument("--instructor", help="the instructor's account (default <prefix>instructor)")
    made.add_argument("--tas", nargs="*", help="the TAs' accounts (default <prefix>ta)")
    made.add_argument("--students", nargs="*", help="the students' accounts (default <prefix>alice <prefix>bob)")
    commands.add_parser("remove", help="delete the accounts and groups setup created, and the root folder (root)")
    info = commands.add_parser("info", help="print how to log in")
    info.add_argument("--url", default="http://127.0.0.1:8000")
    run = commands.add_parser("as-instructor", help="run a command as the instructor in the course folder")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    layout = Layout(Path(args.root)) if args.root else Layout.from_env()
    if args.command == "setup":
        prefix = args.prefix
        setup(layout, args.instructor or f"{prefix}instructor",
              args.tas if args.tas is not None else [f"{prefix}ta"],
              args.students if args.students is not None else [f"{prefix}{name}" for name in DEMO_STUDENTS],
              prefix)
    elif args.command == "remove":
        remove(layout)
    elif args.command == "info":
        print_logins(layout, args.url)
    else:
        command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return as_instructor(layout, command, check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
