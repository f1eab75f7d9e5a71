"""The exercise questions of notebooks 00-03 are written from the constants their checks use.

A question states numbers (a 48-pixel row, a 5-pixel kernel, stride 3); the check computes
its answer from constants. Both come from the same constants, so changing one of them
changes the question the notebook shows: these tests change every number of every question
constant, one at a time, and read the question again.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

import cnnkit.exercises as exercises
from cnnkit.exercises import (
    EXERCISES,
    index,
    kernels_feature_maps_nodes,
    layers,
    modern_building_blocks,
    show_question,
    stride_padding_output_size,
)

ROOT = Path(__file__).resolve().parents[2]
MODULES = {
    "00": index,
    "01": layers,
    "02": kernels_feature_maps_nodes,
    "03": stride_padding_output_size,
    "09": modern_building_blocks,
}
NOTEBOOKS = {
    "00": "00_index",
    "01": "01_layers",
    "02": "02_kernels_feature_maps_nodes",
    "03": "03_stride_padding_output_size",
    "09": "09_modern_building_blocks",
}
#: Constants that no question quotes: the notebook prints them in a cell of their own.
PRINTED = {"EXERCISE_PATCH", "EXERCISE_KERNEL"}
#: Numbers a question states on purpose without the answer depending on them (02.2 asks
#: for a weight shape, which does not depend on the image size), so its solution stays.
DISTRACTORS = {"RGB_QUESTION": ("image_side",)}
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _names(prefix: str) -> list[str]:
    return sorted(name for name in EXERCISES if name.startswith(prefix + "."))


def _numbers_in_constants(module) -> set[float]:
    found: set[float] = set()

    def walk(value) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            found.add(float(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (tuple, list)):
            for v in value:
                walk(v)
        elif hasattr(value, "tolist"):
            walk(value.tolist())

    for name in dir(module):
        if name.isupper() and not name.startswith("_"):
            walk(getattr(module, name))
    return found


@pytest.mark.parametrize("prefix", sorted(MODULES))
def test_every_exercise_has_a_question(prefix):
    names = _names(prefix)
    assert names, f"no exercises registered for notebook {prefix}"
    for name in names:
        assert len(EXERCISES[name].question) > 20, name
        assert str(show_question(name)).startswith(name)
        assert show_question(name)._repr_markdown_().startswith(f"**{name}**")


@pytest.mark.parametrize("prefix", sorted(MODULES))
def test_every_number_in_a_question_is_one_of_its_constants(prefix):
    allowed = _numbers_in_constants(MODULES[prefix]) | {0.0, 1.0}  # "stride 1", "from 0"
    for name in _names(prefix):
        numbers = {float(n) for n in NUMBER.findall(EXERCISES[name].question)}
        typed = sorted(numbers - allowed)
        assert not typed, f"{name} states {typed}, which no constant holds"


def _constant_numbers(source: str) -> list[tuple[str, ast.Constant]]:
    """(constant's name, number node) for every number in an UPPERCASE constant's value."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            public = isinstance(target, ast.Name) and not target.id.startswith("_")
            if public and target.id.isupper() and target.id not in PRINTED:
                for sub in ast.walk(node.value):
                    if isinstance(sub, ast.Constant) and type(sub.value) in (int, float):
                        found.append((target.id, sub))
    return found


def _key_of(source: str, node: ast.Constant) -> str | None:
    """The dict key ``node`` is the value of, if any."""
    for sub in ast.walk(ast.parse(source)):
        if isinstance(sub, ast.Dict):
            for key, value in zip(sub.keys, sub.values):
                if (value.lineno, value.col_offset) == (node.lineno, node.col_offset):
                    return key.value if isinstance(key, ast.Constant) else None
    return None


def _replace(source: str, node: ast.Constant, text: str) -> str:
    lines = source.splitlines(keepends=True)
    line = lines[node.lineno - 1]
    lines[node.lineno - 1] = line[: node.col_offset] + text + line[node.end_col_offset :]
    return "".join(lines)


def _exercises_with(module, source: str) -> dict | None:
    """The exercises a copy of ``module`` writes from ``source`` (None if it cannot load)."""
    saved = dict(EXERCISES)
    spec = importlib.util.spec_from_loader(f"{exercises.__name__}._probe", loader=None)
    copy = importlib.util.module_from_spec(spec)
    copy.__package__ = exercises.__name__
    try:
        exec(compile(source, module.__file__, "exec"), copy.__dict__)
        return {name: EXERCISES[name] for name in EXERCISES if name in saved}
    except ValueError:  # a changed number the check itself rejects (a kernel too large)
        return None
    finally:
        EXERCISES.clear()
        EXERCISES.update(saved)


@pytest.mark.parametrize("prefix", ["01", "02", "03", "09"])
def test_changing_a_constant_changes_the_question(prefix):
    module = MODULES[prefix]
    source = Path(module.__file__).read_text()
    before = {name: EXERCISES[name] for name in _names(prefix)}
    numbers = _constant_numbers(source)
    assert numbers, f"no question constants found in {module.__name__}"
    for constant, node in numbers:
        for new in (node.value + 100, node.value + 1):
            after = _exercises_with(module, _replace(source, node, repr(new)))
            if after is not None:
                break
        assert after is not None, f"{constant}: no changed value loads"
        changed = [name for name in before if after[name].question != before[name].question]
        assert changed, f"changing {node.value} in {constant} leaves every question as it was"
        shown = {repr(new), f"{new:g}"}
        assert any(s in after[name].question for name in changed for s in shown), (
            f"{constant}: the question does not state the new value {new}"
        )
        if _key_of(source, node) in DISTRACTORS.get(constant, ()):
            continue
        if all(constant in after[name].solution for name in changed):
            continue  # the solution computes from the constant by name, so it cannot go stale
        assert all(after[name].solution != before[name].solution for name in changed), (
            f"{constant}: a question changed with {node.value} -> {new}, its solution did not"
        )


@pytest.mark.parametrize("prefix", sorted(NOTEBOOKS))
def test_the_notebook_shows_each_question_from_its_constants(prefix):
    path = ROOT / "notebooks" / f"{NOTEBOOKS[prefix]}.ipynb"
    cells = json.loads(path.read_text())["cells"]
    shown = {}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            assert not re.match(rf"\*\*{prefix}\.\d", source.lstrip()), (
                f"{path.name}: a question typed by hand: {source[:60]!r}"
            )
        # the cell ends with show_question("NN.k") (an import line may come before it)
        match = re.search(r'(?:^|\n)show_question\("(\d\d\.\d)"\)\Z', source.strip())
        if cell["cell_type"] == "code" and match:
            stored = [o["data"] for o in cell["outputs"] if "text/markdown" in o.get("data", {})]
            assert stored, f"{path.name}: {match.group(1)} has no stored question; re-run it"
            shown[match.group(1)] = "".join(stored[0]["text/markdown"])
    assert sorted(shown) == _names(prefix), f"{path.name} shows {sorted(shown)}"
    for name, text in shown.items():
        assert text == show_question(name)._repr_markdown_(), (
            f"{path.name}: the stored question {name} is out of date; re-run the notebook"
        )
