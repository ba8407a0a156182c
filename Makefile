# dxnb — the front door. `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help reports check test lab lint format bench clean i18n mo

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml jupyter_nbconvert_config.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	mkdir -p $(VENV)/etc/jupyter && cp jupyter_nbconvert_config.json $(VENV)/etc/jupyter/
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

reports: $(VENV)/.installed  ## set up .venv and render every commune's report from data/ into reports/
	$(BIN)/dxnb reports

check: $(VENV)/.installed  ## validate the bundled dataset
	$(BIN)/dxnb check

# tests/ and the notebooks shared out over TEST_JOBS processes, a whole file to each (module fixtures are built once;
# a notebook's nbval cells depend on each other and run in one process, in order).
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (as some CI and container images do): otherwise each of
# the suite's Python processes (xdist workers, CLI runs, plain kernels, fork servers) compiles dxnb and the tests again.
test: export PYTHONDONTWRITEBYTECODE :=
test: $(VENV)/.installed-test  ## set up .venv with test extras and run the whole suite
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder tests notebooks

lab: $(VENV)/.installed  ## open JupyterLab on notebooks/
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

lint: $(VENV)/.installed-test  ## ruff: lint and formatting check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-test  ## batch speed against the naive loop (see benchmarks/README.md)
	$(BIN)/python benchmarks/bench_reports.py

# Wording: dxnb/locale/<lang>/LC_MESSAGES/dxnb.po (msgid = message key), compiled .mo committed and shipped.
# Keywords as in dxnb.i18n_tools.KEYWORDS; no locations and sorted output keep the catalogues merge-friendly.
LOCALE := dxnb/locale
POT    := $(LOCALE)/dxnb.pot
PO     := $(wildcard $(LOCALE)/*/LC_MESSAGES/dxnb.po)
MO     := $(PO:.po=.mo)
PYBABEL = $(BIN)/pybabel

i18n: $(VENV)/.installed  ## wording: extract dxnb.pot from the code, update the .po catalogues, compile the .mo
	PYTHONPATH=$(CURDIR) $(PYBABEL) extract -F babel.cfg --no-default-keywords -k t -k tn:1,1 -k N_ -k text -k rich -k rich_n:1,1 --no-location \
		--sort-output --project dxnb --version $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml) \
		--copyright-holder 'dxnb contributors' -o $(POT).new .
	@# keep the old template (and its date) when only the date changed, so that a rerun changes no file
	if diff -q -I '^"POT-Creation-Date:' $(POT) $(POT).new >/dev/null 2>&1; then rm $(POT).new; \
		else mv $(POT).new $(POT); fi
	$(PYBABEL) update -i $(POT) -d $(LOCALE) -D dxnb --no-fuzzy-matching --ignore-obsolete
	$(MAKE) mo

mo: $(MO)  ## compile the .mo catalogues whose .po changed

$(LOCALE)/%/LC_MESSAGES/dxnb.mo: $(LOCALE)/%/LC_MESSAGES/dxnb.po | $(VENV)/.installed
	$(PYBABEL) compile -i $< -o $@ --statistics

clean:  ## remove generated reports (keeps reports/README.md)
	find reports -mindepth 1 -not -name README.md -delete
