"""Grading kernels confined by bubblewrap (Debian's ``bubblewrap`` package).

``SandboxedKernelManager`` is the kernel manager of the kit's ``GuardedExecute`` (and so
of every ``nbgrader autograde`` run from this course folder, and of ``grade_class``).
The kernel it starts:

* sees a read-only system (``/usr``, a few files of ``/etc``), a read-only Python
  environment and ``helpers`` package, a private ``/tmp``, and one writable folder: the
  notebook's own. Nothing else of the machine exists for it: not ``source/``, not the
  other students, not any gradebook, not the grader's home. Its ``helpers`` is the
  grader's (the judge's): the course folder's, first on its path, whatever the install;
* runs in its own user, PID, IPC, UTS, cgroup and network namespaces: no network, no
  view of other processes, and everything it starts dies with it (``--die-with-parent``);
* gets only an allow-listed environment (no ``NBGRADER_DB_URL``, no tokens);
* talks to nbclient over ZeroMQ on Unix sockets (``transport = "ipc"``) in a private
  folder, since it has no network to listen on;
* runs under OS-enforced limits: ``prlimit`` (address space, processes, file size, open
  files) inside, and, where the grader may create them (root), a memory and a pids
  cgroup around it, since the kernel does not count processes for uid 0.

Where bubblewrap cannot run, starting a kernel raises ``SandboxUnavailable`` with the
fix. ``SandboxedKernelManager.confine = False`` (``grade_class --unconfined``) runs
kernels unconfined and logs a warning every time a kernel starts.
"""

import contextlib
import importlib.util
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from functools import cache
from pathlib import Path

import psutil
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode

from autograder.settings import KERNEL_MAX_FILE_MB, KERNEL_MAX_PROCESSES, KERNEL_MEMORY_MB, KERNEL_THREADS

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "ssl",
             "alternatives", "mime.types", "nsswitch.conf", "matplotlibrc")
SANDBOX_UID = 65534  # "nobody" inside the sandbox's user namespace
CGROUP_ROOT = Path("/sys/fs/cgroup")

INSTALL_HINT = ("install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu) and make sure "
                "unprivileged user namespaces are allowed (`sysctl kernel.unprivileged_userns_clone=1`; "
                "on Ubuntu 24.04 also `sysctl kernel.apparmor_restrict_unprivileged_userns=0`), "
                "or grade unconfined at your own risk with `grade_class --unconfined` / "
                "`--SandboxedKernelManager.confine=False`")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this host."""


@cache
def host_problem() -> str | None:
    """None when bubblewrap can confine a process here, else a sentence saying what to do."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    probe = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", *_system_binds(), "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:200]}): {INSTALL_HINT}"
    return None


def helpers_folder() -> Path | None:
    """The ``helpers`` package that the grader imports, and its judge (autograder/judge/) with it: the
    course folder's where nbgrader runs there (nbgrader puts the course folder first on
    sys.path), else the installed one (an editable install's is in the clone it was made in)."""
    spec = importlib.util.find_spec("helpers")
    return Path(spec.origin).resolve().parent if spec and spec.origin else None


def kernel_python_path() -> str | None:
    """The kernel's PYTHONPATH: the folder that holds ``helpers_folder()``, so that the
    student's kernel imports the grader's ``helpers``, not the one its install points to
    (another clone, which the sandbox does not show); None where that folder is this
    Python's site-packages, first on the kernel's path anyway."""
    helpers = helpers_folder()
    if helpers is None or helpers.parent in {Path(p).resolve() for p in site.getsitepackages()}:
        return None
    return str(helpers.parent)


def readonly_paths() -> list[Path]:
    """Folders outside the system dirs that a kernel must read: Pythons, venv, the grader's
    ``helpers`` (an editable install's and a course folder's are outside the venv)."""
    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.exec_prefix), helpers_folder()} - {None}
    paths = {p.resolve() for p in paths}
    # Keep only the outermost of nested paths, and none under the system dirs.
    kept = [p for p in paths if not any(p != q and q in p.parents for q in paths)]
    return sorted(p for p in kept if not any(str(p).startswith(d + "/") for d in SYSTEM_DIRS))


def bwrap_command(command: list[str], *, workdir: Path, runtime_dir: Path,
                  env: dict[str, str], limits: dict[str, int]) -> list[str]:
    """``command`` wrapped in bubblewrap and prlimit.

    workdir: the one writable folder (the notebook's), also the working directory.
    runtime_dir: writable folder holding the connection file and the ZeroMQ sockets.
    env: the whole environment the command gets.
    limits: prlimit options (``{"as": bytes, "nproc": n, "fsize": bytes, "nofile": n}``).
    """
    # --die-with-parent: bwrap, and all in the sandbox, die when the process that started it
    # does. jupyter_client starts kernels in a session of their own, so this is what ends a
    # kernel when a grader is killed (per-student time limit, Ctrl-C).
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "grader",
            *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in readonly_paths():
        args += ["--ro-bind", str(path), str(path)]
    for path in (runtime_dir, workdir):
        args += ["--bind", str(path), str(path)]
    args += ["--remount-ro", "/", "--chdir", str(workdir), "--clearenv"]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    prlimit = ["prlimit", *(f"--{name}={value}" for name, value in sorted(limits.items())), "--"]
    return [*args, *prlimit, *command]


@cache
def _system_binds() -> tuple[str, ...]:
    args = []
    for directory in SYSTEM_DIRS:
        if os.path.islink(directory):
            args += ["--symlink", os.readlink(directory), directory]
        elif os.path.isdir(directory):
            args += ["--ro-bind", directory, directory]
    for name in ETC_FILES:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return tuple(args)


class KernelCgroups:
    """The cgroups of one kernel, where this user may create them: memory and pids, and
    under cgroup v1 cpuacct (v2 counts processor time in every group)."""

    def __init__(self, memory_bytes: int, processes: int):
        self.dirs: list[Path] = []
        self._cpu_counter: Path | None = None
        name = f"kit-kernel-{uuid.uuid4().hex[:12]}"
        unified = CGROUP_ROOT / "cgroup.subtree_control"
        settings = ({"": {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": processes}}
                    if unified.exists() else
                    {"memory": {"memory.limit_in_bytes": memory_bytes},
                     "pids": {"pids.max": processes}, "cpuacct": {}})
        try:
            for controller, values in settings.items():
                folder = CGROUP_ROOT / controller / name if controller else CGROUP_ROOT / name
                folder.mkdir()
                self.dirs.append(folder)
                for key, value in values.items():
                    if (folder / key).exists():
                        (folder / key).write_text(str(value))
        except OSError:
            self.remove()
        # the file that counts the kernel's processor time, found once (polled at every cell)
        self._cpu_counter = next((folder / name for folder in self.dirs for name in ("cpu.stat", "cpuacct.usage")
                                  if (folder / name).exists()), None)

    def memory_exceeded(self) -> bool:
        """True once the kernel was killed for going over the memory limit."""
        for folder in self.dirs:
            for name in ("memory.oom_control", "memory.events"):  # cgroup v1, v2
                path = folder / name
                if path.exists():
                    for line in path.read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill" and int(value or 0) > 0:
                            return True
        return False

    def cpu_seconds(self) -> float | None:
        """Processor time used by every process the groups have held, dead ones included (one
        file read, where a walk of the process table would read a file per process); None where
        no group counts it."""
        if self._cpu_counter is None:
            return None
        text = self._cpu_counter.read_text()
        if self._cpu_counter.name == "cpuacct.usage":  # v1: nanoseconds
            return int(text) / 1e9
        usage = next(line for line in text.splitlines() if line.startswith("usage_usec "))  # v2
        return int(usage.split()[1]) / 1e6

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` started inside these cgroups (a shell moves itself in, then execs)."""
        if not self.dirs:
            return command
        moves = "; ".join(f"echo $$ > {folder / 'cgroup.procs'}" for folder in self.dirs)
        return ["/bin/sh", "-c", f'{moves}; exec "$@"', "sh", *command]

    def remove(self) -> None:
        """Kill whatever is left in the cgroups and remove them."""
        for folder in self.dirs:
            for _ in range(50):
                procs = (folder / "cgroup.procs")
                pids = procs.read_text().split() if procs.exists() else []
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    folder.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
        self.dirs, self._cpu_counter = [], None


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run confined by bubblewrap (see the module docstring)."""

    confine = Bool(True, help="Run kernels in the sandbox. False runs them unconfined, "
                              "with a warning each time.").tag(config=True)
    memory_mb = Integer(KERNEL_MEMORY_MB, help="Memory of one kernel, all its processes together where "
                                   "cgroups are available (else per process), in MB.").tag(config=True)
    max_processes = Integer(KERNEL_MAX_PROCESSES, help="Processes and threads of one kernel.").tag(config=True)
    max_file_mb = Integer(KERNEL_MAX_FILE_MB, help="Largest file a kernel may write, in MB.").tag(config=True)
    threads = Integer(KERNEL_THREADS, help="Threads of one kernel's TensorFlow and BLAS. Fixed, so that "
                              "results and processor time do not depend on the machine's "
                              "cores.").tag(config=True)
    env_keep = List(Unicode(), [
        "NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND",
        "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "PYTHONHASHSEED",
        "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
        "COURSE_CELL_TIMEOUT", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
    ], help="Environment variables passed into the sandbox; nothing else is.").tag(config=True)

    _runtime = None
    _cgroups = None
    _release = None
    _cpu_seconds = 0.0

    async def _async_pre_start_kernel(self, **kw):
        if self.confine:
            problem = host_problem()
            if problem:
                raise SandboxUnavailable(problem)
            self.release()
            self._runtime = Path(tempfile.mkdtemp(prefix="kit-kernel-"))
            self._cgroups = (KernelCgroups(self.memory_mb * 2**20, self.max_processes)
                             if os.geteuid() == 0 else None)
            # Runs when the kernel is cleaned up, when this manager is collected, or at exit:
            # a kernel that died is never shut down, but its folder and cgroups still go.
            self._release = weakref.finalize(self, _remove, self._runtime, self._cgroups)
            self.transport = "ipc"
            self.ip = str(self._runtime / "kernel")
            self.connection_file = str(self._runtime / "connection.json")
        else:
            self.log.warning("GRADING UNCONFINED: student code runs as %s with full access to this "
                             "machine (SandboxedKernelManager.confine is False)", _user())
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        threads = str(self.threads)
        # TensorFlow's log lines off in any kernel (the course kernel's spec sets it already)
        kw["env"] = {"TF_CPP_MIN_LOG_LEVEL": "2", **(kw.get("env") or os.environ), "TF_NUM_INTRAOP_THREADS": threads,
                     "TF_NUM_INTEROP_THREADS": threads, "OMP_NUM_THREADS": threads,
                     "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        python_path = kernel_python_path()
        if python_path:  # before the grader's own PYTHONPATH, if any
            kw["env"]["PYTHONPATH"] = os.pathsep.join(filter(None, [python_path, kw["env"].get("PYTHONPATH")]))
        if self.confine:
            env = kw["env"]
            inner = {key: env[key] for key in self.env_keep if key in env}
            inner.update(HOME="/tmp", USER="student", MPLCONFIGDIR="/tmp",
                         PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin")
            if python_path:  # bound read-only (readonly_paths): its helpers alone
                inner["PYTHONPATH"] = python_path
            workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
            os.chmod(self._runtime, 0o777)
            memory = self.memory_mb * 2**20
            in_cgroup = bool(self._cgroups and self._cgroups.dirs)
            limits = {"as": 4 * memory if in_cgroup else memory, "fsize": self.max_file_mb * 2**20,
                      "nofile": 1024, "nproc": self.max_processes}
            kernel_cmd = bwrap_command(kernel_cmd, workdir=workdir, runtime_dir=self._runtime,
                                       env=inner, limits=limits)
            if in_cgroup:
                kernel_cmd = self._cgroups.wrap(kernel_cmd)
            # A signal to the kernel's process group would kill bwrap (and with it the
            # kernel) instead of interrupting a cell: interrupt over the control channel.
            self.kernel_spec.interrupt_mode = "message"
            # The student's prints reach the notebook through ZeroMQ; what the process
            # writes to its own stdout/stderr must not reach the grader's terminal or log.
            kw.update(env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.release()

    def cpu_seconds(self) -> float:
        """Processor time used so far by the kernel and every process it started, in seconds
        (0 before it starts; what it used until then once it is gone)."""
        counted = self._cgroups.cpu_seconds() if self._cgroups else None
        if counted is not None:
            self._cpu_seconds = max(self._cpu_seconds, counted)
            return self._cpu_seconds
        process = getattr(self.provisioner, "process", None)
        if process is None:
            return self._cpu_seconds
        try:
            root = psutil.Process(process.pid)
            total = 0.0
            for each in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = each.cpu_times()
                    total += times.user + times.system + times.children_user + times.children_system
        except psutil.Error:
            return self._cpu_seconds
        self._cpu_seconds = max(self._cpu_seconds, total)
        return self._cpu_seconds

    def memory_exceeded(self) -> bool:
        """True when the kernel was killed for going over ``memory_mb`` (where a cgroup measures it)."""
        return bool(self._cgroups and self._cgroups.memory_exceeded())

    def release(self) -> None:
        """Kill what is left of the kernel and remove its cgroups and socket folder."""
        if self._release is not None:
            self._release()
        self._runtime = self._cgroups = self._release = None


def _remove(runtime: Path, cgroups: "KernelCgroups | None") -> None:
    if cgroups:
        cgroups.remove()
    shutil.rmtree(runtime, ignore_errors=True)


def _user() -> str:
    try:
        import pwd
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())
