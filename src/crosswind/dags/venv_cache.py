"""Virtual environments for PythonVirtualenvOperator / @task.virtualenv, built once per
set of requirements and kept under `$CROSSWIND_HOME/venvs/<hash>`.

The hash covers the interpreter (its version and path), `system_site_packages`, the
sorted requirements, pip options and index URLs, so two tasks asking for the same
environment share it, and changing any of these builds a new one. A venv is built in a
temporary folder next to its final place and renamed into place when pip succeeded, so a
half-built environment is never used; two tasks building the same one at once both
succeed and one of the two copies is kept. Building uses `python -m venv --without-pip`
and the host's pip (`pip --python <venv>`): ~1 s plus the downloads, instead of ~8 s
with a pip bootstrapped into every venv.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from crosswind.dags.exceptions import AirflowException

READY = "crosswind-venv-ready"


def venvs_root() -> Path:
    """`$CROSSWIND_HOME/venvs` (the task process inherits CROSSWIND_HOME from its worker)."""
    home = os.environ.get("CROSSWIND_HOME") or os.path.expanduser("~/crosswind")
    return Path(home) / "venvs"


def find_python(python_version: str | int | float | None) -> str:
    """The interpreter for python_version ("3.11", 3): `pythonX.Y` on PATH that runs;
    the task's own interpreter when no version is asked for."""
    if python_version is None or str(python_version) == "":
        return sys.executable
    name = f"python{python_version}"
    found = shutil.which(name)
    if found:
        probe = subprocess.run([found, "--version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return found
    raise AirflowException(f"Python interpreter {name} (python_version={python_version!r}) "
                           "was not found on this worker")


def _interpreter_id(python: str) -> str:
    out = subprocess.run([python, "-c", "import sys; print(sys.version)"], capture_output=True,
                         text=True, check=True)
    return f"{os.path.realpath(python)} {out.stdout.strip()}"


def venv_key(python: str, requirements: list[str], system_site_packages: bool,
             pip_options: list[str], index_urls: list[str] | None) -> str:
    doc = {"python": _interpreter_id(python), "requirements": sorted(requirements),
           "system_site_packages": system_site_packages, "pip": pip_options,
           "index_urls": index_urls}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def ensure_venv(python: str, requirements: list[str], *, system_site_packages: bool,
                pip_options: list[str], index_urls: list[str] | None) -> Path:
    """The ready venv's python executable, building the venv first if it is not cached.
    AirflowException (with pip's output) when a requirement cannot be installed."""
    root = venvs_root()
    final = root / venv_key(python, requirements, system_site_packages, pip_options,
                            index_urls)
    if (final / READY).exists():
        print(f"Using the cached virtualenv {final}", flush=True)  # noqa: T201 - task log
        return final / "bin" / "python"
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=final.name + ".building-", dir=root))
    try:
        _build(build, python, requirements, system_site_packages, pip_options, index_urls)
        (build / READY).write_text(json.dumps(sorted(requirements)))
        try:
            os.rename(build, final)
        except OSError:  # another task finished the same venv first: use that one
            if not (final / READY).exists():
                raise
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    return final / "bin" / "python"


def _build(target: Path, python: str, requirements: list[str], system_site_packages: bool,
           pip_options: list[str], index_urls: list[str] | None) -> None:
    print(f"Creating a virtualenv with {python} for {requirements}", flush=True)  # noqa: T201
    cmd = [python, "-m", "venv", "--without-pip", str(target)]
    if system_site_packages:
        cmd.insert(3, "--system-site-packages")
    _run(cmd, "creating the virtualenv failed")
    if not requirements:
        return
    pip = [sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"),
           "install", "--no-input", *pip_options]
    if index_urls:
        pip += ["--index-url", index_urls[0]]
        for url in index_urls[1:]:
            pip += ["--extra-index-url", url]
    _run([*pip, *requirements], f"installing the requirements {requirements} failed")


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    for line in done.stdout.splitlines():
        print(line, flush=True)  # noqa: T201 - pip's output belongs in the task log
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise AirflowException(f"{what} (exit code {done.returncode}):\n{tail}")
