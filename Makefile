# Set-up and the everyday commands. Every target installs what it needs first.
#   make demo   release and autograde a demo class (the main job)
#   make test   the whole test suite, slow pipeline checks included
#   make smoke  a short demo (the full solution and the blank release of one assignment,
#               SMOKE, two notebooks), then a check of its grades; CI runs it on the
#               oldest Python at hand
# PYTHON is the interpreter that makes the venv, VENV where it goes:
#   make demo PYTHON=/path/to/python3.11 VENV=.venv-3.11
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# nbgrader calls scripts (alembic) by name: the venv's bin comes first.
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg
# matplotlib's and IPython's per-user state goes to the user's cache folder (beside pip's),
# so that make writes nothing else outside the clone.
CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)
export MPLCONFIGDIR ?= $(CACHE)/matplotlib
export IPYTHONDIR ?= $(CACHE)/ipython
# Jupyter's per-user config folder too: the kit's commands then never read a personal
# ~/.jupyter/nbgrader_config.py (which could change how grading runs), and jupyter_core's
# one-time "migrated" marker is not written to ~/.jupyter.
export JUPYTER_CONFIG_DIR ?= $(CACHE)/jupyter
# The interpreter in use: the venv's once it exists, else the one that will make it.
USED_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))

.PHONY: venv check-python system-deps demo smoke test test-fast benchmark constraints clean hub hub-remove

# Set-up, in order: a Python in the tested range (requires-python in pyproject.toml),
# the Debian packages (scripts/system_deps.sh: installs them as root, else says how),
# then the venv. Each step stops with one sentence saying what to do.
check-python:
	@command -v $(USED_PYTHON) >/dev/null 2>&1 || { echo "No '$(USED_PYTHON)' found: install Python 3.11 and point make at it with \`make demo PYTHON=/path/to/python3.11\`." >&2; exit 1; }
	@$(USED_PYTHON) scripts/check_python.py

# Grading needs the sandbox; a venv still to be made needs its Python's venv module; the
# browser tests (make test) need chromium, the PostgreSQL gradebook tests (make test)
# Debian's PostgreSQL server programs.
SYSTEM_DEPS := --sandbox
system-deps: check-python
	@sh scripts/system_deps.sh $(SYSTEM_DEPS) $(if $(wildcard $(BIN)/python),,--venv $(PYTHON))

# The venv is rebuilt only when the dependency pins or the kit's Jupyter data change. That
# data (share/jupyter/) goes into the venv's share/jupyter, where Jupyter finds it: the
# course kernel every notebook names, "Python 3 (DL course)" (the venv's Python with
# TensorFlow's log lines off), and the formgrader's MathJax from the server, not a CDN.
JUPYTER_DATA := $(shell find share/jupyter -type f)
$(BIN)/.installed: pyproject.toml constraints.txt $(JUPYTER_DATA) | check-python
	@test -x $(BIN)/python || sh scripts/system_deps.sh --venv $(PYTHON)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	cp -R share/jupyter/. $(VENV)/share/jupyter/
	touch $@

venv: $(BIN)/.installed

demo: system-deps venv
	$(BIN)/python -m autograder.demo_class

SMOKE ?= cifar10
smoke: system-deps venv
	$(BIN)/python -m autograder.demo_class --smoke $(SMOKE)
	$(BIN)/python scripts/check_demo.py $(SMOKE)

benchmark: system-deps venv
	$(BIN)/python -m autograder.benchmark submission --full-data ../shared/data
	$(BIN)/python -m autograder.benchmark class mnist --sizes 5 10 20 --workers 1 2

test: SYSTEM_DEPS += --browser --postgres --hub
test: system-deps venv
	$(BIN)/python -m pytest

test-fast: system-deps venv
	$(BIN)/python -m pytest -m "not slow"

# The course on a local JupyterHub (hub/, README "Running the course on a JupyterHub"), as
# root: the accounts dlc-instructor, dlc-ta, dlc-alice and dlc-bob, the course and its exchange
# in /srv/dl-course, then the hub in the foreground on http://127.0.0.1:$(HUB_PORT) (Ctrl-C
# stops it and every user's server). `make hub-remove` deletes the accounts and /srv/dl-course.
HUB_PORT ?= 8000
hub: SYSTEM_DEPS += --hub
hub: system-deps venv
	$(BIN)/python hub/course_hub.py setup
	$(BIN)/python hub/course_hub.py info --url http://127.0.0.1:$(HUB_PORT)
	DLC_HUB_PORT=$(HUB_PORT) $(BIN)/python -m jupyterhub -f hub/jupyterhub_config.py

hub-remove: venv
	$(BIN)/python hub/course_hub.py remove

# After changing a pin in pyproject.toml: re-resolve constraints.txt for the lowest
# supported Python (pip resolves for that version whichever interpreter runs it).
constraints: venv
	$(BIN)/python scripts/resolve_constraints.py > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf submitted autograded/*/ feedback gradebook.db grades.csv reports exchange
