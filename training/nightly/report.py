"""The nightly run report: markdown and HTML with the metrics table, the gate's checks and loss curves.

Written to ``<run folder>/report.md`` and ``report.html`` (the curves as ``loss.svg`` and
``validation.svg``, also inlined in the HTML, so the HTML is one self-contained file). Plain string
building, no template engine: the report is small and every value is escaped.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

METRICS = ("count", "safety_score", "refuse_recall", "over_refusal", "accuracy", "macro_f1", "ece")
LOSS_TERMS = ("total", "lm", "safety", "refuse_allow", "pet")  # the trainer's history keys
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def write_report(
    folder: Path,
    *,
    run_id: int,
    summary: dict[str, Any],
    status: str,
    decision: str | None = None,
    error: str | None = None,
) -> Path:
    """Write report.md, report.html, summary.json and the charts into ``folder``; the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    history = (summary.get("train") or {}).get("history") or []
    losses = [k for k in LOSS_TERMS if any(k in h for h in history)]
    losses += sorted({k for h in history for k in h if "loss" in k} - set(losses))
    validation = sorted({k for h in history for k in h if k.startswith("val_")})
    charts = {
        "loss": curves_svg(history, losses, "loss"),
        "validation": curves_svg(history, validation, "validation"),
    }
    charts = {name: svg for name, svg in charts.items() if svg}
    for name, svg in charts.items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
    title = f"Nightly run {run_id}: {status}" + (f", {decision}" if decision else "")
    rows = metric_rows(summary)
    (folder / "report.md").write_text(_markdown(title, summary, rows, list(charts), error), encoding="utf-8")
    out = folder / "report.html"
    out.write_text(_html(title, summary, rows, "".join(charts.values()), error), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return out


def metric_rows(summary: dict[str, Any]) -> list[list[str]]:
    """One row per (evaluation set, model): the headline metrics, formatted."""
    rows = []
    evaluation = summary.get("evaluation") or {}
    for who in ("current", "candidate"):
        for name, report in sorted((evaluation.get(who) or {}).items()):
            overall = report.get("overall", report)
            cells = [name, who]
            for key in METRICS:
                value = overall.get(key)
                cells.append("" if value is None else (str(value) if key == "count" else f"{value:.3f}"))
            rows.append(cells)
    return sorted(rows, key=lambda r: (r[0], r[1] != "current"))


def _facts(summary: dict[str, Any], error: str | None) -> list[tuple[str, str]]:
    data = summary.get("dataset") or {}
    train = summary.get("train") or {}
    splits = ", ".join(f"{k} {v}" for k, v in (data.get("splits") or {}).items())
    facts = [
        (
            "dataset snapshot",
            f"{str(data.get('content_sha256', ''))[:16]} (id {data.get('snapshot_id', '-')})",
        ),
        ("examples", f"{data.get('examples', '-')} ({splits or '-'})"),
        ("reviewed cases", f"{data.get('reviewed_cases', '-')} ({data.get('new_cases', '-')} new)"),
        ("current model", str(summary.get("current", "-"))),
        ("candidate", str(summary.get("candidate", "-"))),
    ]
    if train:
        facts.append(
            (
                "training",
                f"{train.get('rows', '-')} rows on {train.get('device', '-')}"
                f"{' (4-bit)' if train.get('quantised') else ''}, best step {train.get('best_step', '-')}"
                f"{', stopped early' if train.get('stopped_early') else ''}",
            )
        )
        placement = (train.get("metrics") or {}).get("placement")
        if placement:
            facts.append(("method", str(placement)))  # joint LoRA training or a head refit, and where
    timings = summary.get("timings_s") or {}
    if timings:
        facts.append(("time (s)", ", ".join(f"{k} {v}" for k, v in timings.items())))
    if error:
        facts.append(("error", error))
    return facts


def _markdown(
    title: str, summary: dict[str, Any], rows: list[list[str]], charts: list[str], error: str | None
) -> str:
    lines = [f"# {title}", ""]
    lines += [f"- **{k}**: {v}" for k, v in _facts(summary, error)]
    if rows:
        lines += ["", "| set | model | " + " | ".join(METRICS) + " |", "|---|---|" + "---:|" * len(METRICS)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    gate = summary.get("gate")
    if gate:
        lines += ["", f"**Gate: {'passed' if gate['passed'] else 'failed'}**", ""]
        lines += [f"- {_check(c)}" for c in gate["checks"]]
    lines += ["", *(f"![{name}]({name}.svg)" for name in charts)] if charts else []
    return "\n".join(lines) + "\n"


def _check(check: dict[str, Any]) -> str:
    verdict = "ok" if check["passed"] else "FAILED"
    return f"{check['eval_set']}: {check['metric']} {check['candidate']:.3f} {check['rule']} -> {verdict}"


def _html(title: str, summary: dict[str, Any], rows: list[list[str]], svg: str, error: str | None) -> str:
    e = html.escape
    facts = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _facts(summary, error))
    table = ""
    if rows:
        head = "".join(f"<th>{e(h)}</th>" for h in ("set", "model", *METRICS))
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
        table = f"<h2>Metrics / 評価指標</h2><table class='m'><tr>{head}</tr>{body}</table>"
    gate = summary.get("gate")
    checks = ""
    if gate:
        items = "".join(
            f"<li class='{'ok' if c['passed'] else 'bad'}'>{e(_check(c))}</li>" for c in gate["checks"]
        )
        checks = f"<h2>Gate / 昇格ゲート: {'passed' if gate['passed'] else 'failed'}</h2><ul>{items}</ul>"
    curves = f"<h2>Training curves / 学習曲線</h2>{svg}" if svg else ""
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}table.m td{text-align:right}"
        ".ok{color:#1a7f37}.bad{color:#b42318;font-weight:bold}"
    )
    return (
        f"<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>{e(title)}</title>"
        f"<style>{style}</style></head><body><h1>{e(title)}</h1><table>{facts}</table>"
        f"{table}{checks}{curves}</body></html>\n"
    )


def curves_svg(
    history: Sequence[dict[str, float]], keys: Sequence[str], title: str, width: int = 640, height: int = 240
) -> str:
    """A line chart of the ``keys`` series of the history against ``step`` (empty without any point)."""
    values = [float(p[k]) for p in history for k in keys if k in p and math.isfinite(float(p[k]))]
    if not values:
        return ""
    xs = [float(p.get("step", i)) for i, p in enumerate(history)]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(values), max(values) if max(values) > min(values) else min(values) + 1
    pad = 40

    def at(x: float, y: float) -> str:
        px = pad + (x - x0) / (x1 - x0) * (width - 2 * pad)
        py = height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)
        return f"{px:.1f},{py:.1f}"

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-size='11'>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
        f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' stroke='#999'/>",
        f"<line x1='{pad}' y1='{pad}' x2='{pad}' y2='{height - pad}' stroke='#999'/>",
        f"<text x='{pad}' y='{height - 8}'>step {x0:g}</text>",
        f"<text x='{width - pad}' y='{height - 8}' text-anchor='end'>{x1:g}</text>",
        f"<text x='4' y='{pad}'>{y1:.3g}</text><text x='4' y='{height - pad}'>{y0:.3g}</text>",
        f"<text x='{width / 2}' y='16' text-anchor='middle'>{html.escape(title)}</text>",
    ]
    for i, key in enumerate(keys):
        points = " ".join(
            at(x, float(p[key]))
            for x, p in zip(xs, history, strict=True)
            if key in p and math.isfinite(p[key])
        )
        color = COLORS[i % len(COLORS)]
        parts.append(f"<polyline fill='none' stroke='{color}' stroke-width='1.5' points='{points}'/>")
        label = html.escape(key)
        parts.append(
            f"<text x='{width - pad}' y='{pad + 14 * i}' text-anchor='end' fill='{color}'>{label}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
