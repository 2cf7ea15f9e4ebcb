# Set-up and the everyday commands. Every target installs what it needs first.
#   make demo   release and autograde a demo class (the main job)
#   make test   the whole test suite, slow pipeline checks included
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# nbgrader calls scripts (alembic) by name: the venv's bin comes first.
export PATH := $(abspath $(BIN)):$(PATH)
export MPLBACKEND := Agg

.PHONY: venv demo test test-fast benchmark clean

# The venv is rebuilt only when the dependency pins change.
$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/python -m autograder.demo_class

benchmark: venv
	$(BIN)/python -m autograder.benchmark submission --full-data ../shared/data
	$(BIN)/python -m autograder.benchmark class mnist --sizes 5 10 20 --workers 1 2

test: venv
	$(BIN)/python -m pytest

test-fast: venv
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf submitted autograded feedback gradebook.db grades.csv reports
