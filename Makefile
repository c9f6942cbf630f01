# vocpipe: every target bootstraps its own .venv; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= vocpipe.duckdb

.PHONY: demo test test-fast bench train vectors corpus-check system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev,dask]'
	touch $@

# Debian's Chromium + Japanese fonts for the report screenshot and browser test.
system-deps:
	@bash .ci/system-deps.sh

demo: $(VENV)/.installed system-deps
	$(BIN)/vocpipe run --input data/sample/survey_responses.csv --db $(DB) --no-report
	$(BIN)/vocpipe run --input data/sample/survey_responses_new_cp932.csv --db $(DB) --no-report
	$(BIN)/vocpipe run --input data/sample/bad_rows.csv --db $(DB)
	$(BIN)/python -m vocpipe.report.screenshot reports/report.html reports/report.png
	@echo "レポート: reports/report.html / reports/report.xlsx / reports/report.png"

test: $(VENV)/.installed system-deps
	$(BIN)/python -m pytest -q -ra

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -q -m "not slow"

train: $(VENV)/.installed
	$(BIN)/vocpipe train sentiment
	$(BIN)/vocpipe train topics

# Rebuild models/word_vectors.* from the ja-ginza wheel on PyPI (maintainers only; the result
# is committed, so nothing is downloaded at run time).  Then `make train` retrains on it.
vectors: $(VENV)/.installed
	mkdir -p build
	$(BIN)/python -m pip download -q --no-deps -d build ja-ginza==5.3.0
	$(BIN)/python -m vocpipe.classify.wordvectors build/ja_ginza-5.3.0-py3-none-any.whl --out models

corpus-check: $(VENV)/.installed
	$(BIN)/python -m vocpipe.corpus check

bench: $(VENV)/.installed
	bash bench/run_all.sh

clean:
	rm -rf $(VENV) reports $(DB) .pytest_cache
