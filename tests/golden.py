"""Golden-file helper: compare generated text with a committed file.

Set CIRCUITSNN_UPDATE_GOLDEN=1 to rewrite the files after a deliberate change, then review the
diff with `git diff tests/golden`.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"


def assert_golden(text: str, relpath: str) -> None:
    """Compare ``text`` with ``tests/golden/<relpath>``. A missing file fails (it is never
    written silently: a test that writes its own expectation cannot fail); with
    CIRCUITSNN_UPDATE_GOLDEN=1 the file is (re)written."""
    path = GOLDEN_DIR / relpath
    if os.environ.get("CIRCUITSNN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if not path.exists():
        raise AssertionError(f"golden file {path} is missing; generate it with CIRCUITSNN_UPDATE_GOLDEN=1 and commit it")
    expected = path.read_text()
    assert text == expected, (
        f"generated text differs from {path}; if the change is intended, rerun with "
        "CIRCUITSNN_UPDATE_GOLDEN=1 and review `git diff tests/golden`."
    )
