# Two commands do all set-up:  `make run`  and  `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

.PHONY: install run test bench lint
install: $(BIN)/.installed

run: install
	$(BIN)/python -m bot run

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2  # two workers: most tests wait on sockets and subprocesses

bench: install
	$(BIN)/python -m bench
