"""The golden helper never writes its own expectation: a missing file fails."""

from __future__ import annotations

import pytest

import golden


def test_missing_golden_file_fails_instead_of_being_written(tmp_path, monkeypatch):
    monkeypatch.setattr(golden, "GOLDEN_DIR", tmp_path)
    monkeypatch.delenv("CIRCUITSNN_UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match="missing"):
        golden.assert_golden("text\n", "new/thing.lib")
    assert not (tmp_path / "new" / "thing.lib").exists()
    monkeypatch.setenv("CIRCUITSNN_UPDATE_GOLDEN", "1")
    golden.assert_golden("text\n", "new/thing.lib")
    monkeypatch.delenv("CIRCUITSNN_UPDATE_GOLDEN")
    golden.assert_golden("text\n", "new/thing.lib")
    with pytest.raises(AssertionError, match="differs"):
        golden.assert_golden("other\n", "new/thing.lib")
