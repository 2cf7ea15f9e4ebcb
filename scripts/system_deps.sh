#!/bin/sh
# The Debian packages the kit needs, checked by make before anything is installed.
#   scripts/system_deps.sh [--sandbox] [--browser] [--postgres] [--venv PYTHON]
#   --sandbox      bubblewrap (bwrap), the sandbox grading kernels run in (make demo/test)
#   --browser      chromium, the browser the browser tests drive (make test)
#   --postgres     postgresql, the server programs (initdb, pg_ctl) with which the tests
#                  start a throwaway PostgreSQL gradebook of their own (make test); Debian
#                  keeps them off PATH, in /usr/lib/postgresql/<version>/bin
#   --venv PYTHON  what PYTHON needs to make a venv: its ensurepip module, which Debian and
#                  Ubuntu ship apart, in pythonX.Y-venv
# Quick and silent when everything is there. As root it installs what is missing with
# apt-get and says so; as anyone else it prints the exact sudo command and stops (it never
# tries sudo itself).
set -eu

missing=""
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
            echo "usage: $0 [--sandbox] [--browser] [--postgres] [--venv PYTHON]" >&2
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
