# The two commands a learner needs: `make lab` and `make test`.
# Every target runs tools/course.py, which Windows users call directly (see README), so the
# commands are written once.
PYTHON  ?= python3
VENV    ?= .venv
# INSTALL=--no-install uses $(VENV) as it is (never creates or updates it).
INSTALL ?=
COURSE  := $(PYTHON) tools/course.py --venv $(VENV) $(INSTALL)

.PHONY: lab test test-fast site bench outputs links lock torch venv clean

## Create .venv once from the exact versions in the lock, plus cnnkit itself
## (again only when the lock or pyproject.toml changes).
venv:
	$(COURSE) venv

## Open the course in JupyterLab, starting at the index notebook
## (extra options for jupyter lab in LAB_ARGS, e.g. LAB_ARGS=--no-browser).
## As root (a container, a VM) it adds --allow-root and says so.
lab:
	$(COURSE) lab $(LAB_ARGS)

## The whole suite: unit, doctests, PyTorch oracle (when torch is installed), notebooks
## with strict nbval, and the browser tests (when Chromium is installed).
test:
	$(COURSE) test

## Unit tests only (quick).
test-fast:
	$(COURSE) test-fast

## The course as a static website in build/site (offline; open build/site/index.html).
site:
	$(COURSE) site

## Speed benchmarks (figures, not pass/fail tests).
bench:
	$(COURSE) bench

## Re-execute every notebook and store its outputs.
outputs:
	$(COURSE) outputs

## Regenerate the previous / index / next links of the notebooks.
links:
	$(COURSE) links

## Install the optional PyTorch (the pinned CPU build, torch==2.13.0) into $(VENV), for
## notebook 11 (from cnnkit to PyTorch) and the comparison tests.
torch:
	$(COURSE) torch

## Re-pin the lock file from the current environment.
lock:
	$(COURSE) lock

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
