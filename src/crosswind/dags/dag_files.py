"""Finding DAG files: recursive .py listing, .airflowignore, and Airflow's safe mode."""

from __future__ import annotations

import os
import re

IGNORE_FILE = ".airflowignore"


def might_contain_dag(path: str) -> bool:
    """Safe mode: the file mentions "dag" and "airflow" or "crosswind" (any case)."""
    try:
        with open(path, "rb") as f:
            content = f.read().lower()
    except OSError:
        return False
    return b"dag" in content and (b"airflow" in content or b"crosswind" in content)


def _read_patterns(folder: str) -> list[re.Pattern[str]]:
    path = os.path.join(folder, IGNORE_FILE)
    if not os.path.isfile(path):
        return []
    patterns = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                patterns.append(re.compile(line))
            except re.error:
                continue  # Airflow skips invalid patterns too
    return patterns


def _ignored(rel_path: str, patterns: list[tuple[str, re.Pattern[str]]], abs_path: str) -> bool:
    # A pattern applies to paths below the folder of its .airflowignore, matched against
    # the path relative to that folder (Airflow's regexp syntax uses re.search).
    for base, pattern in patterns:
        if abs_path.startswith(base + os.sep) and pattern.search(os.path.relpath(abs_path, base)):
            return True
    return False


def list_dag_files(folder: str, safe_mode: bool = True) -> list[str]:
    """Absolute paths of candidate DAG files under folder, sorted."""
    root = os.path.abspath(folder)
    found: list[str] = []
    active: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        inherited = active.get(os.path.dirname(dirpath), []) if dirpath != root else []
        patterns = inherited + [(dirpath, p) for p in _read_patterns(dirpath)]
        active[dirpath] = patterns
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not _ignored(d, patterns, os.path.join(dirpath, d)) and d != "__pycache__"
        )
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not name.endswith(".py") or _ignored(name, patterns, path):
                continue
            if safe_mode and not might_contain_dag(path):
                continue
            found.append(path)
    return sorted(found)
