"""The lock is in step with pyproject.toml: every package it asks for is locked, at a version its
range admits, and the image's lock (app.txt) holds the same versions as the tools' (dev.txt).

Run by `make install` and `make check`; it reads files only (no network). On a mismatch it names
each package and says to run `make lock`, then exits 1.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def read_pins(path: Path) -> dict[str, Version]:
    """The `name==version` lines of a compiled requirements file, by canonical name."""
    pins: dict[str, Version] = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def problems(root: Path) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project.get("dependencies", [])]
    dev = [Requirement(r) for r in project.get("optional-dependencies", {}).get("dev", [])]
    app_pins = read_pins(root / "requirements" / "app.txt")
    dev_pins = read_pins(root / "requirements" / "dev.txt")

    found: list[str] = []
    for lockfile, pins, wanted in (
        ("requirements/app.txt", app_pins, runtime),
        ("requirements/dev.txt", dev_pins, runtime + dev),
    ):
        for requirement in wanted:
            name = canonicalize_name(requirement.name)
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            if name not in pins:
                found.append(f"{lockfile} does not lock {requirement} (pyproject.toml asks for it)")
            elif not requirement.specifier.contains(pins[name], prereleases=True):
                found.append(
                    f"{lockfile} locks {requirement.name} {pins[name]}, "
                    f"outside pyproject.toml's {requirement}"
                )
    for shared in sorted(app_pins.keys() & dev_pins.keys()):
        if app_pins[shared] != dev_pins[shared]:
            found.append(
                f"requirements/app.txt locks {shared} {app_pins[shared]} "
                f"but requirements/dev.txt locks {dev_pins[shared]}"
            )
    return found


def main() -> int:
    found = problems(Path(__file__).resolve().parent.parent)
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print("The lock is behind pyproject.toml: run `make lock`.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
