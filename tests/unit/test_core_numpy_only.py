"""The numpy core (math, layers, training, data) imports and trains with numpy alone.

The course's interface (figures, explorers, exercises, labs) sits on top and needs
matplotlib and ipywidgets; the core must not, so it can be read and used on its own.
"""

from __future__ import annotations

import subprocess
import sys

BLOCKED = ["matplotlib", "ipywidgets", "IPython", "PIL", "torch"]

SCRIPT = f"""
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None          # any import of these now fails
import cnnkit
X, y = cnnkit.load_digits()
model = cnnkit.digits_cnn(0)
history = cnnkit.fit(model, X[:64], y[:64], epochs=1, batch_size=32,
                     optimizer=cnnkit.SGD(model.params(), lr=0.05), progress="off")
print(model.forward(X[:2]).shape, len(history.train_loss))
"""


def test_the_core_needs_only_numpy():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "(2, 10) 1"


def test_the_blocking_is_real():
    """The check above can fail: importing the interface with the same blocks breaks."""
    script = SCRIPT.split("import cnnkit")[0] + "import cnnkit.viz\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode != 0
