# The two commands a learner needs: `make lab` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast bench outputs links lock venv clean

venv: $(STAMP)

# Create the environment once, from the exact versions in the lock, plus cnnkit itself.
$(STAMP): requirements-lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The pinned versions need Python 3.11 or newer; found " + sys.version.split()[0] + ". Run e.g.: make lab PYTHON=python3.12")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-lock.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## Open the course in JupyterLab, starting at the index notebook
## (extra options for jupyter lab in LAB_ARGS, e.g. LAB_ARGS=--no-browser).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(LAB_ARGS) notebooks/00_index.ipynb

## The whole suite: unit, doctests, PyTorch oracle (when torch is installed), notebooks
## with strict nbval, and the browser tests (when Chromium is installed).
test: $(STAMP)
	$(PY) -m pytest tests cnnkit notebooks --doctest-modules \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/notebooks/sanitize.cfg

## Unit tests only (quick).
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit -q

## Speed benchmarks (figures, not pass/fail tests).
bench: $(STAMP)
	$(PY) benchmarks/run.py

## Re-execute every notebook and store its outputs.
outputs: $(STAMP)
	$(PY) tools/nav_links.py
	$(PY) tools/run_notebooks.py

## Regenerate the previous / index / next links of the notebooks.
links: $(STAMP)
	$(PY) tools/nav_links.py

## Re-pin the lock file from the current environment.
lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^cnnkit' > requirements-lock.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
