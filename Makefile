# The two commands a newcomer needs:  make demo  (run the app on demo data)  and  make test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format lock system-deps bench

# The demo keeps its database in the repository (var/chitieu.db) unless CHITIEU_DATABASE_URL
# says otherwise; a bare `chitieu` command uses the user's data directory.
demo: $(STAMP)
	CHITIEU_DATABASE_URL="$${CHITIEU_DATABASE_URL:-sqlite:///var/chitieu.db}" $(BIN)/chitieu demo

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { scripts/install-system-deps python && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

system-deps:
	@scripts/install-system-deps test

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Re-pin every dependency after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable --exclude chitieu > requirements.lock

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
