"""Test switches.

``--ngspice required|if_available`` (default if_available): tests marked ``ngspice`` need the
real simulator. CI passes ``required`` so a missing ngspice fails loudly instead of skipping.
"""

from __future__ import annotations

import shutil

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ngspice",
        choices=("required", "if_available"),
        default="if_available",
        help="required: fail when ngspice is missing; if_available: skip ngspice tests then.",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--ngspice") == "required" and shutil.which("ngspice") is None:
        raise pytest.UsageError(
            "--ngspice required, but ngspice is not installed: apt-get install -y ngspice libngspice0"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("ngspice") is not None:
        return
    skip = pytest.mark.skip(reason="ngspice not installed (--ngspice if_available)")
    for item in items:
        if "ngspice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests run beside simulations on 2 cores: one torch thread avoids a 27x slowdown."""
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    yield
