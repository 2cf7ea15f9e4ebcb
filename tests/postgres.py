"""A throwaway PostgreSQL server that the tests start and remove themselves.

``initdb`` into a private folder, then ``pg_ctl start`` listening on a unix socket in that
folder (the superuser, trusted: only this process can reach the folder) and on 127.0.0.1
at a free port (logins with a password, as graders reach a course's server). PostgreSQL
refuses to run as root: run by root, the server runs as the unprivileged ``postgres``
account (Debian's package makes it), else ``nobody``, owning the folder. Debian keeps the
server programs off PATH, in /usr/lib/postgresql/<version>/bin; `make test` installs them
(scripts/system_deps.sh --postgres). A cluster the package may run as a service is never
used.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from tests.servers import free_port

MISSING = ("no PostgreSQL server programs (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin: "
           "`make test` installs Debian's postgresql (scripts/system_deps.sh --postgres)")


def server_programs() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH's, else Debian's newest version; None if neither."""
    on_path = shutil.which("pg_ctl")
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                    key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0)
    candidates = ([Path(on_path).parent] if on_path else []) + debian[::-1]
    return next((folder for folder in candidates
                 if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()), None)


@dataclass(frozen=True)
class Postgres:
    """A running server: the folder of its socket (and data, log) and its TCP port on 127.0.0.1."""

    folder: Path
    port: int

    def new_database(self, name: str, user: str = "grader", password: str = "secret") -> str:
        """A new database owned by a new login ``user``; its SQLAlchemy URL (TCP, password)."""
        with psycopg.connect(host=str(self.folder), port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(user), sql.Literal(password)))
            admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(user)))
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{name}"


@contextmanager
def postgres_server(programs: Path):
    """Start a server with ``programs`` (see server_programs); stop it and delete its files after."""
    folder = Path(tempfile.mkdtemp(prefix="kit-postgres-"))
    as_account = []
    if os.geteuid() == 0:
        account = next(name for name in ("postgres", "nobody") if _account_exists(name))
        entry = pwd.getpwnam(account)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        as_account = ["runuser", "-u", account, "--"]
    data, port = folder / "data", free_port()

    def run(*command):
        done = subprocess.run([*as_account, *map(str, command)], cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            log = folder / "server.log"
            raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}"
                               f"{log.read_text() if log.is_file() else ''}")

    try:
        run(programs / "initdb", "-D", data, "-U", "postgres", "--auth-local=trust",
            "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync")
        # Durability off: a test server lives for minutes and is thrown away.
        run(programs / "pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", folder / "server.log",
            "-o", f"-k {folder} -h 127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off"
                  " -c full_page_writes=off")
        try:
            yield Postgres(folder, port)
        finally:
            run(programs / "pg_ctl", "stop", "-w", "-m", "fast", "-D", data)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
