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


AMD_AVX512 = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
    "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n\n"
    "processor\t: 1\nvendor_id\t: AuthenticAMD\n"
)


def test_an_amd_cpu_with_avx512_gets_openblas_avx512_kernels():
    env, notice = course.blas_environment({"PATH": "/bin"}, AMD_AVX512)
    assert env == {"PATH": "/bin", "OPENBLAS_CORETYPE": "SkylakeX"}
    assert notice and "OPENBLAS_CORETYPE=SkylakeX" in notice


def test_openblas_kernels_are_left_alone_where_openblas_knows_best():
    no_bw = AMD_AVX512.replace(" avx512bw", "")  # one AVX-512 part missing
    intel = AMD_AVX512.replace("AuthenticAMD", "GenuineIntel")
    avx2_only = AMD_AVX512.replace("avx512", "nope")
    for cpuinfo in (no_bw, intel, avx2_only, "", "garbage without colons"):
        env, notice = course.blas_environment({"PATH": "/bin"}, cpuinfo)
        assert env == {"PATH": "/bin"} and notice is None, cpuinfo


def test_a_coretype_the_learner_set_wins():
    env, notice = course.blas_environment({"OPENBLAS_CORETYPE": "Haswell"}, AMD_AVX512)
    assert env == {"OPENBLAS_CORETYPE": "Haswell"} and notice is None


def test_the_course_programs_run_with_the_chosen_kernels(monkeypatch):
    calls = []
    monkeypatch.setattr(course, "ensure_venv", lambda venv, install=True: Path("py"))
    monkeypatch.setattr(course, "read_cpuinfo", lambda: AMD_AVX512)
    monkeypatch.setattr(course, "run", lambda cmd, env=None: calls.append((cmd, env)))
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    course.main(["test-fast", "--no-install"])
    ((cmd, env),) = calls
    assert cmd[:3] == ["py", "-m", "pytest"] and env["OPENBLAS_CORETYPE"] == "SkylakeX"
