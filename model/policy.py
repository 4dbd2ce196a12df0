"""Decision policy: calibrated safety probabilities -> ALLOW / REFUSE / ESCALATE, failing closed.

Kept apart from the network so thresholds can change without retraining. Rules, in order:
1. p(REFUSE) >= refuse threshold            -> REFUSE
2. the most likely class is ESCALATE        -> ESCALATE
3. most likely is ALLOW but p(ALLOW) < allow threshold -> ESCALATE (low-confidence allow)
4. most likely is ALLOW                     -> ALLOW
5. otherwise (REFUSE most likely, under its threshold) -> ESCALATE (low-confidence refuse: a request the
   head is unsure is harmful goes to a person rather than being refused)
Before any rule: probabilities that cannot be trusted (a label missing or extra, not a number, NaN or
infinite, outside [0, 1], or not summing to 1 within ``SUM_TOLERANCE``) give ESCALATE
(``MALFORMED_PROBS``), for the request and for the output check. Every comparison with NaN is false, so
without this check all-NaN probabilities would fall through the rules to ALLOW.
Any error on the model path is turned into ESCALATE by :func:`error_decision` — never a silent ALLOW.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from model.labels import Decision

SUM_TOLERANCE = 0.01  # a softmax sums to 1 up to rounding; fp16 heads stay well inside this
_JA_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class Category:
    id: str
    decision: Decision  # the usual outcome for requests of this category
    name: dict[str, str]  # {"en": ..., "ja": ...}
    description: dict[str, str]
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


@dataclass(frozen=True)
class PolicyConfig:
    version: str
    allow_threshold: float
    refuse_threshold: float
    rationales: dict[str, dict[str, str]]
    categories: tuple[Category, ...] = ()

    def with_thresholds(self, *, allow: float | None, refuse: float | None) -> PolicyConfig:
        return PolicyConfig(
            version=self.version,
            allow_threshold=self.allow_threshold if allow is None else allow,
            refuse_threshold=self.refuse_threshold if refuse is None else refuse,
            rationales=self.rationales,
            categories=self.categories,
        )

    def match_category(self, text: str) -> Category | None:
        """The first policy category whose patterns match ``text``, if any."""
        return next((c for c in self.categories if c.matches(text)), None)


@dataclass(frozen=True)
class PolicyDecision:
    decision: Decision
    confidence: float  # probability of the decided class (for fail-closed paths: of the top class)
    rationale: str
    reason_code: (
        str  # ALLOW | REFUSE | ESCALATE | LOW_CONFIDENCE_ALLOW | LOW_CONFIDENCE_REFUSE | MODEL_ERROR | ...
    )
    category: str | None = None  # matched policy category id (REFUSE / ESCALATE only)


def load_policy(text: str | None = None) -> PolicyConfig:
    """Parse the policy file (the packaged ``model/policy.yaml`` by default)."""
    raw: dict[str, Any] = yaml.safe_load(
        text if text is not None else resources.files("model").joinpath("policy.yaml").read_text("utf-8")
    )
    return PolicyConfig(
        version=str(raw["version"]),
        allow_threshold=float(raw["thresholds"]["allow"]),
        refuse_threshold=float(raw["thresholds"]["refuse"]),
        rationales={k: dict(v) for k, v in raw["rationales"].items()},
        categories=tuple(
            Category(
                id=cid,
                decision=Decision(c["decision"]),
                name=dict(c["name"]),
                description=dict(c["description"]),
                patterns=tuple(re.compile(p, re.IGNORECASE) for p in c["patterns"]),
            )
            for cid, c in (raw.get("categories") or {}).items()
        ),
    )


def detect_lang(text: str) -> str:
    """'ja' when the text contains kana or kanji, else 'en' (good enough to pick a rationale language)."""
    return "ja" if _JA_CHARS.search(text) else "en"


def probs_problem(probs: Mapping[Decision, object]) -> str | None:
    """Why ``probs`` cannot be trusted as the head's three probabilities, or None when they can."""
    labels = {str(k) for k in probs}
    expected = {str(d) for d in Decision}
    if labels != expected:
        return f"labels {sorted(labels)} are not {sorted(expected)}"
    values: list[float] = []
    for d in Decision:
        p = probs[d]
        if isinstance(p, bool) or not isinstance(p, int | float):
            return f"p({d.value}) is not a number"
        if not math.isfinite(p):
            return f"p({d.value}) is {p}"
        if not 0.0 <= p <= 1.0:
            return f"p({d.value}) = {p} is outside [0, 1]"
        values.append(float(p))
    total = math.fsum(values)
    if abs(total - 1.0) > SUM_TOLERANCE:
        return f"the probabilities sum to {total:.4f}, not 1"
    return None


def decide(
    probs: Mapping[Decision, float], policy: PolicyConfig, *, lang: str = "en", text: str = ""
) -> PolicyDecision:
    """The policy decision; for REFUSE / ESCALATE the matched category (from ``text``) names the reason."""
    problem = probs_problem(probs)
    result = malformed(policy, problem, lang) if problem else _decide(probs, policy, lang)
    if result.decision is Decision.ALLOW or not text:
        return result
    category = policy.match_category(text)
    if category is None:
        return result
    label = {"ja": "区分", "en": "Category"}.get(lang, "Category")
    name = category.name.get(lang) or category.name["en"]
    return PolicyDecision(
        result.decision,
        result.confidence,
        f"{result.rationale} {label}: {name}.",
        result.reason_code,
        category.id,
    )


def malformed(policy: PolicyConfig, problem: str, lang: str = "en") -> PolicyDecision:
    """The fail-closed decision on probabilities that cannot be trusted (:func:`probs_problem`)."""
    return _make(policy, Decision.ESCALATE, 0.0, "MALFORMED_PROBS", lang, problem=problem)


def _decide(probs: Mapping[Decision, float], policy: PolicyConfig, lang: str) -> PolicyDecision:
    p_allow, p_refuse, p_esc = (probs[Decision.ALLOW], probs[Decision.REFUSE], probs[Decision.ESCALATE])
    top = max(probs, key=lambda d: probs[d])
    if p_refuse >= policy.refuse_threshold:
        return _make(policy, Decision.REFUSE, p_refuse, "REFUSE", lang)
    if top is Decision.ESCALATE:
        return _make(policy, Decision.ESCALATE, p_esc, "ESCALATE", lang)
    if top is Decision.ALLOW and p_allow < policy.allow_threshold:
        return _make(
            policy,
            Decision.ESCALATE,
            p_allow,
            "LOW_CONFIDENCE_ALLOW",
            lang,
            p_allow=p_allow,
            threshold=policy.allow_threshold,
        )
    if top is Decision.ALLOW:
        return _make(policy, Decision.ALLOW, p_allow, "ALLOW", lang)
    return _make(
        policy,
        Decision.ESCALATE,
        p_refuse,
        "LOW_CONFIDENCE_REFUSE",
        lang,
        p_refuse=p_refuse,
        threshold=policy.refuse_threshold,
    )


def judge_output(
    probs: Mapping[Decision, float], policy: PolicyConfig, *, lang: str = "en"
) -> PolicyDecision | None:
    """The output check on an allowed answer: None when it passes, else the revised decision.

    Untrustworthy probabilities -> ESCALATE (``MALFORMED_PROBS``); p(REFUSE) >= refuse threshold -> REFUSE
    (``OUTPUT_BLOCKED``); p(ALLOW) < allow threshold -> ESCALATE (``OUTPUT_REVIEW``). The answer is
    withheld from the user in each case.
    """
    problem = probs_problem(probs)
    if problem:
        return malformed(policy, problem, lang)
    p_allow, p_refuse = probs[Decision.ALLOW], probs[Decision.REFUSE]
    if p_refuse >= policy.refuse_threshold:
        return _make(policy, Decision.REFUSE, p_refuse, "OUTPUT_BLOCKED", lang, p_refuse=p_refuse)
    if p_allow < policy.allow_threshold:
        return _make(
            policy,
            Decision.ESCALATE,
            1.0 - p_allow,
            "OUTPUT_REVIEW",
            lang,
            p_allow=p_allow,
            threshold=policy.allow_threshold,
        )
    return None


def judge_approved_output(
    probs: Mapping[Decision, float], policy: PolicyConfig, *, lang: str = "en"
) -> PolicyDecision | None:
    """The output check on the model's answer to a request a reviewer approved: None when it passes.

    A person has settled whether the request needed a human, so a doubtful answer (``OUTPUT_REVIEW``) is
    not sent back again; a harmful one (``OUTPUT_BLOCKED``) or unusable probabilities still withhold it.
    (Measured on the default model: the head escalates most answers to requests it escalated, benign or
    not, so the full rule would withhold nearly every approved answer; docs/REVIEW_DESK.md.)
    """
    verdict = judge_output(probs, policy, lang=lang)
    return None if verdict is not None and verdict.reason_code == "OUTPUT_REVIEW" else verdict


def error_decision(policy: PolicyConfig, error: str, *, lang: str = "en") -> PolicyDecision:
    """The fail-closed decision when the model path raised."""
    return _make(policy, Decision.ESCALATE, 0.0, "MODEL_ERROR", lang, error=error)


def unrecorded_decision(policy: PolicyConfig, request_id: str, *, lang: str = "en") -> PolicyDecision:
    """The fail-closed decision when the database cannot record anything: refused, never judged."""
    return _make(policy, Decision.REFUSE, 0.0, "DB_UNAVAILABLE", lang, request_id=request_id)


def _make(
    policy: PolicyConfig, decision: Decision, confidence: float, code: str, lang: str, **extra: Any
) -> PolicyDecision:
    template = policy.rationales[code].get(lang) or policy.rationales[code]["en"]
    return PolicyDecision(
        decision=decision,
        confidence=float(confidence),
        rationale=template.format(confidence=confidence, **extra),
        reason_code=code,
    )
