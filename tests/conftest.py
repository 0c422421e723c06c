"""Fixtures shared by every test suite."""

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Skip lab tests with a clear reason where lab hosts cannot be made."""
    reason = None
    if os.geteuid() != 0:
        reason = "lab hosts need root (network namespaces, mounts, cgroups)"
    elif not shutil.which("sshd", path="/usr/sbin:/usr/bin"):
        reason = "openssh-server is not installed; run `make deps`"
    if reason is None:
        return
    for item in items:
        if "lab" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
