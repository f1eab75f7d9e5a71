"""tools/course.py: the one place the course's commands live (make and Windows both call it)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)


def test_lab_as_root_adds_allow_root_and_says_so():
    cmd, notice = course.lab_command(Path("py"), ["--no-browser"], root=True)
    assert "--allow-root" in cmd and cmd[-1] == "notebooks/00_index.ipynb"
    assert notice and "--allow-root" in notice


def test_lab_as_a_user_adds_nothing():
    cmd, notice = course.lab_command(Path("py"), ["--no-browser"], root=False)
    assert "--allow-root" not in cmd and notice is None
    assert cmd[:4] == ["py", "-m", "jupyter", "lab"]


def test_lab_as_root_does_not_repeat_a_given_allow_root():
    cmd, notice = course.lab_command(Path("py"), ["--allow-root"], root=True)
    assert cmd.count("--allow-root") == 1 and notice is None


def test_environment_python_on_each_platform():
    assert course.venv_python(Path("v"), windows=True) == Path("v/Scripts/python.exe")
    assert course.venv_python(Path("v"), windows=False) == Path("v/bin/python")


def test_a_missing_or_stale_environment_is_installed(tmp_path):
    venv = tmp_path / "venv"
    assert course.needs_install(venv)
    python = course.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.touch()
    stamp = venv / ".installed"
    stamp.touch()
    newest = max((ROOT / n).stat().st_mtime for n in ("requirements-lock.txt", "pyproject.toml"))
    os.utime(stamp, (newest + 10, newest + 10))
    assert not course.needs_install(venv)
    os.utime(stamp, (newest - 10, newest - 10))
    assert course.needs_install(venv)


def test_the_readme_windows_commands_are_the_scripts_commands():
    readme = (ROOT / "README.md").read_text()
    for command in ("lab", "test"):
        assert f"tools\\course.py {command}" in readme, f"README lacks the Windows '{command}'"
