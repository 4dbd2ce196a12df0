from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from model.default_model import GGUF_SHA256, DefaultModelError, assemble_gguf, part_files


def test_the_six_parts_are_installed_in_order() -> None:
    parts = part_files()
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in parts) > 300_000_000


def test_a_wrong_checksum_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    dest = tmp_path / "model.gguf"
    with pytest.raises(DefaultModelError, match="refusing to load it"):
        assemble_gguf(dest, expected_sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_assembled_file_has_the_published_checksum(tmp_path: Path) -> None:
    dest = assemble_gguf(tmp_path / "model.gguf")
    digest = hashlib.sha256(dest.read_bytes()).hexdigest()
    assert digest == GGUF_SHA256
    assert dest.read_bytes()[:4] == b"GGUF"
