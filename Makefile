# Two entry points for a fresh machine with only Python: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install lint schemas office-templates dist bench clean catalogue

# The message catalogue (asrctl/i18n.py): the .po files are the source, their .mo are build output.
LOCALE := asrctl/locale
PO     := $(wildcard $(LOCALE)/*/LC_MESSAGES/asrctl.po)
MO     := $(PO:.po=.mo)

$(BIN)/asrctl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/asrctl $(MO)

# The editable install compiles them once (setup.py's build_py); a .po edited since is compiled here.
$(LOCALE)/%/LC_MESSAGES/asrctl.mo: $(LOCALE)/%/LC_MESSAGES/asrctl.po $(BIN)/asrctl
	$(BIN)/pybabel compile --domain asrctl --directory $(LOCALE) --locale $* --statistics

# After adding or changing a message in the code: extract the template, merge it into each .po,
# then translate the new entries (tests/test_i18n.py fails on an untranslated or fuzzy one).
catalogue: install
	$(BIN)/pybabel extract --mapping-file babel.cfg --no-default-keywords --keyword _ --keyword N_:1,2 \
		--no-location --project asrctl --width 110 --output-file $(LOCALE)/asrctl.pot asrctl
	$(BIN)/pybabel update --domain asrctl --input-file $(LOCALE)/asrctl.pot --output-dir $(LOCALE) \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --width 110
	$(MAKE) install

# The main job on the embedded sandbox (Nmbrs simulator + reference registry, in-process).
# The demo declares three employers that Nmbrs blocks on purpose, so plan exits 1 ("the PR
# must go red"); only that is accepted here — any other failure still fails the target.
demo: install
	$(BIN)/asrctl validate
	$(BIN)/asrctl plan || [ $$? -eq 1 ]

# The gates, cheapest first. pytest: warnings are errors, branch coverage (CLI subprocesses
# included) with the floor in pyproject.toml; lint-imports: the layers and no cycles.
test: install
	$(BIN)/python -m ruff check asrctl tests bench
	$(BIN)/asrctl schema --check
	$(BIN)/python -m pytest -n 2 -q --cov --cov-report=term
	$(BIN)/python -m mypy
	$(BIN)/lint-imports --no-cache

lint: install
	$(BIN)/python -m ruff check asrctl tests bench

schemas: install
	$(BIN)/asrctl schema

# `asrctl init` writes asrctl's own workflows into an office's repository: keep its copies equal.
office-templates:
	cp .github/workflows/plan.yml .github/workflows/apply.yml .github/workflows/drift.yml asrctl/run/office/workflows/

# A release: wheel and sdist in dist/ (built in isolation, as PyPI's users get them), checked by twine.
# The version is asrctl/__init__.py's __version__; tag the commit v<version>.
dist: install
	$(BIN)/python -m pip install --quiet -e '.[test,release]'
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

bench: install
	$(BIN)/python bench/validate_scale.py
	$(BIN)/python bench/plan_scale.py

clean:
	rm -rf $(VENV) .asrctl .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .coverage .coverage.* build dist
