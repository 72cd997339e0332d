"""Every install takes the locked versions (requirements/): the suite runs on exactly them, the
image's lock alone runs the app, and a lock that falls behind pyproject.toml is named at once."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
# The environment as the run began: the browser fixtures later point XDG_CACHE_HOME at a scratch
# folder, which would hide the cache `make install` filled from uv.
ENV_AT_START = dict(os.environ)
LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def locked(name: str) -> dict[str, str]:
    """The lock's `name==version` lines that apply to this interpreter."""
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = LINE.match(line)
        if match and (match[3] is None or Marker(match[3]).evaluate()):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "requirements" / "check.py")],
        capture_output=True,
        text=True,
        check=False,
    )


def copy_of_the_project(tmp_path: Path) -> Path:
    (tmp_path / "requirements").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for name in ("app.txt", "dev.txt", "check.py"):
        shutil.copy(ROOT / "requirements" / name, tmp_path / "requirements")
    return tmp_path


def test_the_suite_runs_on_exactly_the_locked_versions() -> None:
    pins = locked("dev.txt")
    assert {"django", "celery", "psycopg", "pytest", "mypy"} <= pins.keys()
    installed = {name: metadata.version(name) for name in pins}
    off = {name: (installed[name], pins[name]) for name in pins if installed[name] != pins[name]}
    assert off == {}, "installed (left) is not what the lock says (right): run `make install`"


def test_the_lock_is_in_step_with_pyproject() -> None:
    result = run_check(ROOT)
    assert result.returncode == 0, result.stderr


def test_a_package_pyproject_asks_for_but_the_lock_lacks_is_named(tmp_path: Path) -> None:
    root = copy_of_the_project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"filetype>=1.2,<2",', '"filetype>=1.2,<2",\n    "hona-example-package>=1.14,<2",'
        )
    )
    result = run_check(root)
    assert result.returncode == 1
    assert "requirements/app.txt does not lock hona-example-package<2,>=1.14" in result.stderr
    assert "run `make lock`" in result.stderr


def test_a_range_that_leaves_out_the_locked_version_is_named(tmp_path: Path) -> None:
    root = copy_of_the_project(tmp_path)
    pyproject = root / "pyproject.toml"
    django = locked("app.txt")["django"]
    pyproject.write_text(pyproject.read_text().replace('"Django>=5.2,<5.3"', '"Django>=6"'))
    result = run_check(root)
    assert result.returncode == 1
    assert f"requirements/dev.txt locks Django {django}, outside pyproject.toml's Django>=6" in (
        result.stderr
    )


def test_the_images_lock_alone_runs_the_app_without_the_tools(tmp_path: Path) -> None:
    # What the Dockerfile does, from the cache `make install` filled: no registry needed.
    venv = tmp_path / "image"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {**ENV_AT_START, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    app_lock = str(ROOT / "requirements" / "app.txt")
    sync = [str(UV), "pip", "sync", "--quiet", "--offline", "--require-hashes"]
    subprocess.run([*sync, "--python", str(python), app_lock], check=True, env=env)
    check = subprocess.run(
        [str(python), "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout
    imports = subprocess.run(
        [str(python), "-c", "import gunicorn, celery, psycopg; import pytest"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "No module named 'pytest'" in imports.stderr
