"""The Japanese-capable font of the reports: IPAexGothic, shipped by the ``matplotlib-fontja`` wheel.

The wheel is a plain pip dependency (no apt, no root). Its package runs ``japanize()`` when imported,
which changes matplotlib's global rc settings, so the font file is found through the installed
distribution's file list and the package itself is never imported. IPAexGothic is under the IPA Font
License v1.0 (an OSI-approved licence that allows embedding and redistribution).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

FONT_FAMILY = "IPAexGothic"
FONT_DIST = "matplotlib-fontja"
FONT_FILE = "matplotlib_fontja/fonts/ipaexg.ttf"
# Used by HTML readers when the embedded font is not available to them (the HTML links no font file).
CSS_FAMILY_STACK = (
    f"'{FONT_FAMILY}', 'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, "
    "'DejaVu Sans', sans-serif"
)


class FontMissingError(RuntimeError):
    """The Japanese font is not installed; PDF reports would show empty boxes for kanji."""


def japanese_font_path() -> Path:
    """Path of IPAexGothic (``ipaexg.ttf``); a ``FontMissingError`` naming the fix when absent."""
    try:
        dist = metadata.distribution(FONT_DIST)
    except metadata.PackageNotFoundError as exc:
        raise FontMissingError(
            f"the Japanese report font is missing: pip install {FONT_DIST} (or `make setup`)"
        ) from exc
    path = Path(str(dist.locate_file(FONT_FILE)))
    if not path.is_file():
        raise FontMissingError(f"{FONT_DIST} is installed but {FONT_FILE} is not in it ({path})")
    return path


def font_face_css() -> str:
    """An @font-face rule that makes WeasyPrint embed IPAexGothic (regular; bold is synthesised)."""
    return f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url('{japanese_font_path().as_uri()}'); }}"
