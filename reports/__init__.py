"""Compliance reports: one period's decisions, review desk and audit chain, as HTML or PDF, EN or JA.

``build_report(session=..., start=..., end=..., lang=..., now=...)`` reads the database (nothing is
written), ``to_html`` / ``to_pdf`` render it, and ``record_report_export`` audits an export.
"""

from reports.build import Report, build_report
from reports.export import record_report_export
from reports.masking import default_mask
from reports.render import to_html, to_pdf

__all__ = ["Report", "build_report", "default_mask", "record_report_export", "to_html", "to_pdf"]
