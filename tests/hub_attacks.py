"""What a student tries against the others and the course, run from the student's own Jupyter
server on the hub (tests/test_hub.py copies this file into the student's home and runs it in a
JupyterLab terminal, as that user).

    python hub_attacks.py <round> <targets.json>

Every attack really tries (opens, lists, writes, renames); each line printed, and the JSON
written to ``~/attacks-<round>.json``, says ``blocked (<errno>)`` or what it got. Two are
expected to succeed on the file system, ``forge_*``: a student can always create a folder in
the inbound, and it is ``nbgrader collect`` that must then refuse it (checked by the test).
"""

import datetime
import json
import os
import secrets
import sys
from pathlib import Path


def attempt(results: dict, name: str, action) -> None:
    try:
        got = action()
        results[name] = f"OPEN: {got}"[:200]
    except OSError as error:
        results[name] = f"blocked ({errno_name(error)})"


def errno_name(error: OSError) -> str:
    import errno
    return errno.errorcode.get(error.errno, str(error.errno))


def read(path: str) -> str:
    with open(path, "rb") as file:
        return f"read {len(file.read())} bytes of {path}"


def write(path: str) -> str:
    with open(path, "w") as file:
        file.write("{}")
    return f"wrote {path}"


def listing(path: str) -> str:
    return f"{path} lists {sorted(os.listdir(path))[:5]}"


def rename(path: str) -> str:
    os.rename(path, path + "-moved")
    return f"renamed {path}"


def forge(inbound: str, student: str, assignment: str, files: dict[str, str], links: dict[str, str]) -> str:
    """A submission folder under ``student``'s name, timestamped an hour from now (so that it
    would be their latest)."""
    stamp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%d %H:%M:%S.%f UTC")
    folder = Path(inbound) / f"{student}+{assignment}+{stamp}+{secrets.token_urlsafe(6)}"
    folder.mkdir()
    os.chmod(folder, 0o777)
    (folder / "timestamp.txt").write_text(stamp)
    for name, text in files.items():
        (folder / name).write_text(text)
    for name, target in links.items():
        os.symlink(target, folder / name)
    return f"created {folder.name}"


def main() -> int:
    round_name, targets_file = sys.argv[1], sys.argv[2]
    targets = json.loads(Path(targets_file).read_text())
    results: dict[str, str] = {}
    for name, path in targets.get("read", {}).items():
        attempt(results, name, lambda path=path: read(path))
    for name, path in targets.get("list", {}).items():
        attempt(results, name, lambda path=path: listing(path))
    for name, path in targets.get("write", {}).items():
        attempt(results, name, lambda path=path: write(path))
    for name, path in targets.get("rename", {}).items():
        attempt(results, name, lambda path=path: rename(path))
    for name, spec in targets.get("forge", {}).items():
        attempt(results, name, lambda spec=spec: forge(**spec))
    out = Path.home() / f"attacks-{round_name}.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1))
    tmp.rename(out)
    width = max(map(len, results))
    for name, outcome in results.items():
        print(f"{name:{width}}  {outcome}")
    print(f"attacks {round_name} done: {sum(v.startswith('blocked') for v in results.values())} blocked, "
          f"{sum(v.startswith('OPEN') for v in results.values())} open")
    return 0


if __name__ == "__main__":
    sys.exit(main())
