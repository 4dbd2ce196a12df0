"""Rendering a built report: HTML with Jinja2 (one self-contained file), PDF with WeasyPrint.

The HTML carries its CSS and charts inline (SVG as data URIs), so it can be mailed or archived as one
file. The PDF adds an @font-face for IPAexGothic, which WeasyPrint subsets and embeds, so kanji render
on any reader.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.aggregate import NO_CATEGORY
from reports.build import Example, Report, build_report, turn_band_label
from reports.fonts import CSS_FAMILY_STACK, font_face_css
from reports.i18n import TEXT, fmt_date, fmt_num, fmt_pct, fmt_time, translator
from reports.regulatory import MAPPING, NOTES

__all__ = ["SECTIONS", "Example", "Report", "build_report", "to_html", "to_pdf"]

TEMPLATES = Path(__file__).parent / "templates"
SECTIONS = ("s_volumes", "s_rates", "s_conversations", "s_cases", "s_workload", "s_overturns", "s_appeals",
            "s_models", "s_audit", "s_examples", "s_mapping")  # fmt: skip


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=fmt_pct, num=fmt_num, time=fmt_time, date=fmt_date, svg_uri=_svg_uri)
    return env


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _context(report: Report) -> dict[str, Any]:
    t = translator(report.lang)
    index = 0 if report.lang == "en" else 1

    def label(key: object) -> str:
        """A translated value (decision, source, outcome, language …), else the stored value as-is."""
        text = str(key)
        if text == NO_CATEGORY:
            return t("no_category")
        return TEXT[text][index] if text in TEXT else text

    def share_of(decision: str) -> float | None:
        return next((s.share for s in report.volumes.by_decision if s.key == decision), None)

    return {
        "r": report,
        "t": t,
        "label": label,
        "raw": str,
        "share_of": share_of,
        "band": lambda band: turn_band_label(band, t),
        "sections": SECTIONS,
        "font_stack": CSS_FAMILY_STACK,
        "mapping": [
            {"framework": row.framework[index], "duty": row.duty[index], "sections": row.sections}
            for row in MAPPING
        ],
        "notes": [note[index] for note in NOTES],
        "css": (TEMPLATES / "report.css").read_text(encoding="utf-8"),
    }


def to_html(report: Report) -> str:
    """The report as one self-contained HTML document."""
    return _environment().get_template("report.html.j2").render(**_context(report))


def to_pdf(report: Report) -> bytes:
    """The report as PDF (A4), with the Japanese font embedded."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = CSS(string=font_face_css(), font_config=fonts)
    document = HTML(string=to_html(report), base_url=str(TEMPLATES))
    return bytes(document.write_pdf(stylesheets=[css], font_config=fonts))
