#!/bin/sh
# The Debian packages the kit needs, checked by make before anything is installed.
#   scripts/system_deps.sh [--sandbox] [--browser] [--postgres] [--hub] [--venv PYTHON]
#   --sandbox      bubblewrap (bwrap), the sandbox grading kernels run in (make demo/test)
#   --browser      chromium, the browser the browser tests drive (make test)
#   --postgres     postgresql, the server programs (initdb, pg_ctl) with which the tests
#                  start a throwaway PostgreSQL gradebook of their own (make test); Debian
#                  keeps them off PATH, in /usr/lib/postgresql/<version>/bin
#   --hub          what the course hub (make hub, tests/test_hub.py) needs beside the kit's
#                  venv: useradd/chpasswd (passwd), runuser (util-linux), PAM's library
#                  (libpam0g, which JupyterHub's PAM login loads), and Debian's
#                  /usr/bin/python3.11, which the users' servers run on where the venv's own
#                  Python is in a private folder (a pyenv under /root). The proxy is the
#                  Python configurable-http-proxy from PyPI: no Node.js.
#   --venv PYTHON  what PYTHON needs to make a venv: its ensurepip module, which Debian and
#                  Ubuntu ship apart, in pythonX.Y-venv
# Quick and silent when everything is there. As root it installs what is missing with
# apt-get and says so; as anyone else it prints the exact sudo command and stops (it never
# tries sudo itself).
set -eu

missing=""
have_sbin() {
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}
while [ $# -gt 0 ]; do
    case "$1" in
        --sandbox)
            command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
            shift ;;
        --browser)
            command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
            shift ;;
        --postgres)
            # The tests never use the cluster the package may start as a service.
            { command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 \
                || ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
                || missing="$missing postgresql"
            shift ;;
        --hub)
            # (root's tools: in /usr/sbin, which an ordinary account's PATH may not hold)
            for tool in useradd chpasswd; do
                have_sbin "$tool" || { missing="$missing passwd"; break; }
            done
            have_sbin runuser || missing="$missing util-linux"
            { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q 'libpam\.so\.0' || missing="$missing libpam0g"
            [ -x /usr/bin/python3.11 ] || missing="$missing python3.11"
            shift ;;
        --venv)
            python=$2
            shift 2
            if ! "$python" -c "import ensurepip" >/dev/null 2>&1; then
                real=$(readlink -f "$(command -v "$python")")
                if command -v dpkg >/dev/null 2>&1 && dpkg -S "$real" >/dev/null 2>&1; then
                    missing="$missing $("$python" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
                else
                    echo "$python ($real) cannot make a virtual environment because it has no ensurepip module: rebuild it with ensurepip or point make at another interpreter with \`make demo PYTHON=/path/to/python3.11\`." >&2
                    exit 1
                fi
            fi ;;
        *)
            echo "usage: $0 [--sandbox] [--browser] [--postgres] [--hub] [--venv PYTHON]" >&2
            exit 2 ;;
    esac
done

[ -z "$missing" ] && exit 0
missing=${missing# }
if ! command -v apt-get >/dev/null 2>&1; then
    echo "The kit needs $missing (Debian/Ubuntu package names), which this script installs only with apt-get: install the equivalent with your system's package manager, then run make again." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "The kit needs Debian packages that only root can install: run \`sudo apt-get install $missing\`, then run make again." >&2
    exit 1
fi
echo "Installing the Debian packages the kit needs: $missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q --no-install-recommends $missing \
    || { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; }
