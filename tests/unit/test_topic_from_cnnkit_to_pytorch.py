"""Notebook 11 (from cnnkit to PyTorch): the bridge against PyTorch (float64 to 1e-10, float32
to 1e-5), the data-parallel demo, `import cnnkit` and the notebook without PyTorch, the
figure, the layer explorer over every control position, the exercises, and `make torch`."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import cnnkit
from cnnkit import torch_bridge
from cnnkit.exercises import from_cnnkit_to_pytorch as ex
from cnnkit.viz import from_cnnkit_to_pytorch as viz
from cnnkit.widgets import from_cnnkit_to_pytorch as wt

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "11_from_cnnkit_to_pytorch.ipynb"
F64, F32 = 1e-10, 1e-5
# Blocks `import torch` in a fresh interpreter: what a learner without PyTorch has.
BLOCK_TORCH = "import sys; sys.modules['torch'] = None\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def batch():
    X, y = cnnkit.load_digits()
    pick = np.random.default_rng(3).permutation(len(X))[:24]
    return X[pick], y[pick]


# ------------------------------------------------------------------------------ without torch


def test_import_cnnkit_works_without_torch():
    code = BLOCK_TORCH + (
        "import cnnkit, cnnkit.viz, cnnkit.widgets, cnnkit.exercises\n"
        "from cnnkit import torch_bridge, torch_distributed\n"
        "assert not torch_bridge.have_torch()\n"
        "try:\n"
        "    torch_bridge.to_torch(cnnkit.digits_cnn())\n"
        "except ImportError as e:\n"
        "    assert 'make torch' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('to_torch worked without torch')\n"
        "assert 'make torch' in cnnkit.widgets.draw_layer_twins(cnnkit.widgets.LAYER_NAMES[0],"
        " 'output')\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_notebook_runs_without_torch_and_says_how_to_get_it(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-block-torch.py").write_text(BLOCK_TORCH)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython"), "MPLBACKEND": "Agg"}
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=env)  # the kernel starts with IPYTHONDIR: its startup blocks torch
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", (cell.source[:80], out.get("evalue"))
            assert out.get("name") != "stderr" or "Traceback" not in out.text
            texts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")))
        if cell.source.startswith("if HAVE_TORCH:") and "else:" not in cell.source:
            assert not cell.outputs, cell.source[:80]  # skipped quietly
    joined = "\n".join(texts)
    assert "PyTorch is not installed" in joined and "make torch" in joined
    assert "replace None with your answer" in joined  # the exercises still run


def test_every_torch_cell_of_the_notebook_is_guarded():
    nb = json.loads(NOTEBOOK.read_text())
    found = 0
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        uses_torch = re.search(r"\b(torch|nn|F)\.|\bnet\b|to_torch|ddp_demo", src)
        if cell["cell_type"] == "code" and uses_torch and "HAVE_TORCH = have_torch()" not in src:
            assert src.startswith("if HAVE_TORCH:"), src[:80]
            found += 1
    assert found >= 10


# ------------------------------------------------------------------------------ the bridge


def test_to_torch_builds_the_twin_layers_and_copies_every_weight(torch):
    model = cnnkit.digits_cnn(5)
    net = torch_bridge.to_torch(model)
    names = [type(m).__name__ for m in net]
    assert names == [
        "Conv2d",
        "ReLU",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
        "Linear",
    ]
    assert net[9].weight.shape == (10, 256) and net[0].weight.shape == (16, 1, 3, 3)
    for layer, module in zip(model.layers, net):
        for name, value in layer.params.items():
            theirs = getattr(module, name).detach().numpy()
            assert theirs.dtype == np.float64 and np.array_equal(theirs, value)
            assert not np.shares_memory(theirs, value)  # a copy, not a view
    assert torch_bridge.max_weight_difference(model, net) == 0.0


def test_to_torch_keeps_stride_padding_and_dilation(torch, batch):
    model = cnnkit.Sequential(
        cnnkit.Conv2D(1, 3, 3, stride=2, padding=2, dilation=2, rng=1),
        cnnkit.ReLU(),
        cnnkit.MaxPool2D(2, stride=1),
        cnnkit.Flatten(),
        cnnkit.Dense(3 * 3 * 3, 4, rng=2),
    )  # 8 -conv-> 4 -pool-> 3
    net = torch_bridge.to_torch(model)
    out = net(torch.from_numpy(batch[0])).detach().numpy()
    assert cnnkit.relative_error(model.forward(batch[0]), out) < F64


def test_to_torch_keeps_groups(torch, batch):
    model = cnnkit.Sequential(
        cnnkit.Conv2D(1, 4, 3, padding=1, rng=1),
        cnnkit.ReLU(),
        cnnkit.Conv2D(4, 4, 3, groups=4, rng=2),  # depthwise: one kernel per channel
        cnnkit.Flatten(),
        cnnkit.Dense(4 * 6 * 6, 3, rng=3),
    )
    net = torch_bridge.to_torch(model)
    assert net[2].groups == 4 and net[2].weight.shape == (4, 1, 3, 3)
    out = net(torch.from_numpy(batch[0])).detach().numpy()
    assert cnnkit.relative_error(model.forward(batch[0]), out) < F64


def test_compare_models_float64_and_float32(torch, batch):
    model = cnnkit.digits_cnn(1)
    same = torch_bridge.compare_models(model, torch_bridge.to_torch(model), *batch)
    assert same["max"] < F64 and len(same["grads"]) == 8
    # the loss is independent of the library: compare with a softmax written out here
    logits = model.forward(batch[0])
    shifted = logits - logits.max(axis=1, keepdims=True)
    nll = -(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
    assert abs(same["loss_torch"] - nll[np.arange(len(batch[1])), batch[1]].mean()) < 1e-12
    model32 = cnnkit.digits_cnn(1)
    net32 = torch_bridge.to_torch(model32, dtype=np.float32)
    assert next(net32.parameters()).dtype == torch.float32
    x32 = batch[0].astype(np.float32)
    out = net32(torch.from_numpy(x32)).detach().numpy()
    assert cnnkit.relative_error(model32.forward(batch[0]), out) < F32


def test_compare_models_sees_a_wrong_weight(torch, batch):
    model = cnnkit.digits_cnn(2)
    net = torch_bridge.to_torch(model)
    with torch.no_grad():
        net[5].weight[0, 0, 1, 1] += 0.1
    same = torch_bridge.compare_models(model, net, *batch)
    assert same["output"] > 1e-4 and same["max"] > 1e-4


def test_from_torch_copies_back(torch, batch):
    model, other = cnnkit.digits_cnn(0), cnnkit.digits_cnn(9)
    net = torch_bridge.to_torch(other)
    assert torch_bridge.from_torch(net, model) is model
    assert cnnkit.relative_error(model.forward(batch[0]), other.forward(batch[0])) == 0.0


def test_side_by_side_training_keeps_equal_weights_and_learns(torch):
    X, y = cnnkit.load_digits()
    model = cnnkit.digits_cnn(0)
    net = torch_bridge.to_torch(model)
    before = model.layers[0].params["weight"].copy()
    run = torch_bridge.train_side_by_side(
        model, net, X, y, steps=6, batch_size=16, lr=0.05, momentum=0.9, seed=1
    )
    assert run["difference"].shape == (6,) and run["difference"].max() < F64
    assert np.abs(run["loss_cnnkit"] - run["loss_torch"]).max() < F64
    assert not np.allclose(before, model.layers[0].params["weight"])  # it did train


def test_side_by_side_sees_a_different_optimizer(torch):
    X, y = cnnkit.load_digits()
    model = cnnkit.digits_cnn(0)
    net = torch_bridge.to_torch(model)
    cnnkit.SGD(model.params(), lr=0.05).step()  # one extra cnnkit step moves cnnkit alone
    model.backward(cnnkit.softmax_cross_entropy(model.forward(X[:8]), y[:8])[1])
    cnnkit.SGD(model.params(), lr=0.05).step()
    run = torch_bridge.train_side_by_side(model, net, X, y, steps=2, batch_size=8, lr=0.05)
    assert run["difference"].min() > 1e-6


def test_autograd_conv_gradients_match_conv2d_backward(torch):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    out = cnnkit.conv2d(x, w, b, stride=2, padding=1)
    dout = rng.normal(size=out.shape)
    theirs = torch_bridge.torch_conv_gradients(dout, x, w, b, stride=2, padding=1)
    ours = cnnkit.conv2d_backward(dout, x, w, stride=2, padding=1)
    for a, c in zip(ours, theirs):
        assert a.shape == c.shape and cnnkit.relative_error(a, c) < F64


def test_bridge_errors_name_the_problem(torch):
    with pytest.raises(TypeError, match="Sequential"):
        torch_bridge.to_torch([cnnkit.ReLU()])

    class Odd(cnnkit.Layer):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no PyTorch twin"):
        torch_bridge.to_torch(cnnkit.Sequential(Odd()))
    net = torch_bridge.to_torch(cnnkit.digits_cnn(0, channels=(4, 8, 8)))
    with pytest.raises(ValueError, match="shape"):
        torch_bridge.from_torch(net, cnnkit.digits_cnn(0))
    with pytest.raises(ValueError, match="layers"):
        torch_bridge.from_torch(net[:3], cnnkit.digits_cnn(0))
    with pytest.raises(ValueError, match="dtype=.*float64"):
        torch_bridge.to_torch(cnnkit.digits_cnn(0), dtype=np.int64)


def test_name_map_names_real_pytorch_classes(torch):
    layer_twins = [
        theirs
        for _, theirs, _ in torch_bridge.NAME_MAP
        if theirs.startswith("nn.") and " " not in theirs
    ]
    assert {
        "nn.Conv2d",
        "nn.ReLU",
        "nn.MaxPool2d",
        "nn.Flatten",
        "nn.Linear",
        "nn.Sequential",
    } <= set(layer_twins)
    for name in layer_twins:
        assert hasattr(torch.nn, name[3:]), name
    assert hasattr(torch.autograd, "gradcheck") and hasattr(torch.optim, "SGD")


def test_ddp_demo_two_processes_agree_with_one(torch):
    result = torch_bridge_ddp(world_size=2, steps=2, batch_size=16)
    assert result["ranks_apart"] == 0.0
    assert result["grad_vs_full_batch"] < F64 and result["vs_single_process"] < F64


def torch_bridge_ddp(**kwargs):
    from cnnkit.torch_distributed import ddp_demo

    return ddp_demo(**kwargs)


def test_ddp_demo_rejects_an_uneven_split():
    from cnnkit.torch_distributed import ddp_demo

    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="split evenly"):
        ddp_demo(world_size=3, batch_size=16)


# ------------------------------------------------------------------------------ figure, explorer


def test_plot_step_differences_is_titled_labelled_and_logarithmic():
    _, ax = plt.subplots()
    viz.plot_step_differences(ax, [0.0, 1e-16, 3e-15], 1e-12)
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.lines[0].get_xdata()) == 3 and np.all(ax.lines[0].get_ydata() > 0)


def test_explorer_every_control_position(torch):
    for layer in wt.LAYER_NAMES:
        for quantity in wt.QUANTITIES:
            index = wt.LAYER_NAMES.index(layer)
            has_weight = "weight" in cnnkit.digits_cnn().layers[index].params
            if quantity == "weight gradient" and not has_weight:
                with pytest.raises(ValueError, match="no weights"):
                    wt.draw_layer_twins(layer, quantity)
                continue
            fig = wt.draw_layer_twins(layer, quantity)
            assert isinstance(fig, plt.Figure) and "max relative error" in fig._suptitle.get_text()
            assert cnnkit.relative_error(*wt.layer_twins(index, quantity)) < F64
            plt.close(fig)


def test_explorer_widget_moves_without_error(torch):
    explorer = wt.twin_explorer()
    explorer.set(layer=wt.LAYER_NAMES[4], quantity="weight gradient")
    assert "no weights" in explorer.last_message
    explorer.set(layer=wt.LAYER_NAMES[9])
    assert explorer.last_message == "" and isinstance(explorer.last_result, plt.Figure)


def test_explorer_without_torch_says_how(monkeypatch):
    monkeypatch.setattr(wt, "have_torch", lambda: False)
    assert "make torch" in wt.draw_layer_twins(wt.LAYER_NAMES[0], "output")


def test_layer_twins_rejects_bad_choices():
    with pytest.raises(ValueError, match="quantity"):
        wt.layer_twins(0, "bias")
    with pytest.raises(ValueError, match="layer"):
        wt.layer_twins(10, "output")


# ------------------------------------------------------------------------------ exercises

RIGHT = {
    ex.check_pytorch_name: ["nn.Linear", "torch.nn.Linear", "Linear", " nn.Linear() "],
    ex.check_linear_weight_shape: [(10, 256), [10, 256], np.array([10, 256])],
    ex.check_ddp_divisor: [2, 2.0, np.int64(2), [2]],
}
WRONG = {  # answers as a learner would write them, and a word the diagnosis must contain
    ex.check_pytorch_name: [
        ("nn.Dense", "no Dense"),
        ("Dense", "no Dense"),
        ("F.linear", "function"),
        ("nn.Conv2d", "Conv2D"),
        ("nn.ReLU", "ReLU"),
        ("fully connected", "table"),
        (3, "text"),
        (["nn.Linear"], "text"),
        (None, "replace None"),
    ],
    ex.check_linear_weight_shape: [
        ((256, 10), "transposed"),
        ((10,), "bias"),
        ([2560], "number of weights"),
        (2560, "tuple"),
        ("(10, 256)", "without quotes"),
        ((1, 10, 256), "not it"),
        ({10, 256}, "order"),
    ],
    ex.check_ddp_divisor: [
        (1, "already a mean"),
        (64, "too small"),
        (32, "too small"),
        (3, "not it"),
        ("2", "without quotes"),
        (2.5, "whole"),
        ([1, 2], "2 numbers"),
    ],
}


def test_exercises_accept_the_right_answers():
    for check, answers in RIGHT.items():
        for answer in answers:
            fb = check(answer)
            assert fb.correct, (check.name, answer, fb.message)


def test_exercises_diagnose_wrong_answers():
    for check, cases in WRONG.items():
        for answer, word in cases:
            fb = check(answer)
            assert not fb.correct, (check.name, answer)
            assert word.lower() in fb.message.lower(), (check.name, answer, fb.message)


def test_exercises_accept_the_class_itself(torch):
    assert ex.check_pytorch_name(torch.nn.Linear).correct
    assert not ex.check_pytorch_name(torch.nn.Conv2d).correct
    assert not ex.check_pytorch_name(torch.nn.functional.linear).correct
    assert ex.check_linear_weight_shape(tuple(torch.nn.Linear(256, 10).weight.shape)).correct


def test_exercise_solutions_pass_their_checks():
    for check in RIGHT:
        scope: dict = {}
        exec(check.solution, scope)  # noqa: S102 - the course's own solution text
        assert check(scope["answer"]).correct, check.name


def test_exercise_answers_of_any_type_never_raise():
    odd = [
        None,
        ...,
        True,
        0,
        -1,
        1e300,
        float("nan"),
        "",
        "x",
        [],
        {},
        set(),
        np.zeros((2, 2)),
        len,
        object(),
    ]
    for check in RIGHT:
        for answer in odd:
            fb = check(answer)
            assert not fb.correct and fb.message


# ------------------------------------------------------------------------------ make torch


def _course():
    spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    return course


def test_make_torch_installs_the_pinned_cpu_build():
    course = _course()
    linux = course.torch_command(Path("py"), platform="linux")
    assert linux[:4] == ["py", "-m", "pip", "install"] and "torch==2.13.0" in linux
    assert linux[linux.index("--extra-index-url") + 1] == "https://download.pytorch.org/whl/cpu"
    for other in ("darwin", "win32"):
        cmd = course.torch_command(Path("py"), platform=other)
        assert "torch==2.13.0" in cmd and "--extra-index-url" not in cmd
    assert not any(arg == "torch" for arg in linux)  # never unpinned
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntorch:\n\t$(COURSE) torch\n" in makefile
    assert torch_bridge.TORCH_INSTALL == "make torch"
    assert "make torch" in (ROOT / "README.md").read_text()
