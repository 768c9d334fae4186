# The two commands: `make demo` and `make test`. Everything else is a step they share.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/fangkong
SIZE ?= medium

.PHONY: demo test test-sqlite test-postgres lint setup assets messages serve worker clean bench

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	$(MAKE) assets messages
	touch $(STAMP)

setup: $(STAMP)

# Front-end assets come from the npm registry at set-up and are served from our own static files.
assets:
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p fangkong/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/@picocss/pico/css/pico.min.css \
	   node_modules/echarts/dist/echarts.min.js fangkong/static/vendor/

messages:
	cd fangkong && ../$(BIN)/fangkong compilemessages --ignore=static --verbosity=0

demo: setup
	$(BIN)/fangkong migrate --verbosity=0
	FANGKONG_DEMO=1 $(BIN)/fangkong demo --size $(SIZE)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/fangkong makemigrations --check --dry-run --verbosity=0

test-sqlite: setup
	$(BIN)/pytest -n 2 --dist loadfile -q

test-postgres: setup
	pg_isready -q -h 127.0.0.1 || (echo "PostgreSQL is not running on 127.0.0.1:5432" && exit 1)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist loadfile -q -m "not browser"

test: lint test-sqlite test-postgres

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules fangkong/static/vendor staticfiles
