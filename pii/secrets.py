"""Secret recognisers: credentials a model may echo or invent in an answer (issue #8's output sanitiser).

Well-known token formats are matched by their fixed prefixes (AWS ``AKIA…``, GitHub ``ghp_…``, Slack
``xoxb-…``, OpenAI/Anthropic ``sk-…``, Google ``AIza…``, Stripe ``sk_live_…``, Hugging Face ``hf_…``),
JWTs by their two base64url JSON segments (the header must decode to JSON with ``alg``/``typ``), PEM
private-key blocks whole (also when truncated), and ``password=`` / ``api_key:`` style assignments by
the value only, so ``password=[SECRET]`` still tells the reader what was there. Placeholders such as
``<your-key>``, ``${TOKEN}``, ``********``, ``None`` and code references (``os.getenv(...)``,
``settings.password``) are not secrets and are left alone.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable

from pii.recognisers import PatternRecogniser, PiiType

_VALUE = "[^\\s\"'`,;]"
_PLACEHOLDER_WORDS = frozenset(
    {
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "required",
        "optional",
        "redacted",
        "hidden",
        "masked",
    }
)
_CODE_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


def _is_real_value(value: str) -> bool:
    """False for placeholders, masks and code references that stand where a secret would."""
    v = value.strip()
    return not (
        v[:1] in "[<{$%"
        or "(" in v
        or set(v) <= set("*xX.•●-_#")
        or v.lower() in _PLACEHOLDER_WORDS
        or _CODE_REFERENCE.match(v)
    )


def _is_key_value(value: str) -> bool:
    """A real value that is not a bare identifier (``access_token=access_token`` passes a variable)."""
    return _is_real_value(value) and not re.fullmatch("[A-Za-z_]+", value)


def _has_letter_and_digit(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _is_jwt(value: str) -> bool:
    header = value.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


def _token(name: str, pattern: str, validate: Callable[[str], bool] | None = None) -> PatternRecogniser:
    """A token with a fixed prefix, not glued to other token characters."""
    return PatternRecogniser(
        name=name,
        entity_type=PiiType.SECRET,
        pattern=re.compile(f"(?<![A-Za-z0-9_\\-]){pattern}(?![A-Za-z0-9_\\-])"),
        score=0.95,
        validate=validate,
    )


_PASSWORD_WORDS = "password|passwd|passphrase|pwd|pin|パスワード|暗証番号"
_KEY_WORDS = (
    "secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|access[_-]?token"
    "|auth[_-]?token|refresh[_-]?token|session[_-]?token|private[_-]?key|token|credentials?"
)
_ASSIGN = "[\"']?[ \\t]*(?:[:=：]|=>)[ \\t]*[\"']?"
# AWS_SECRET_ACCESS_KEY, db_password, x-api-key, --password; starting only where such a word starts keeps
# the scan linear (starting inside "a-b-c-..." runs made it quadratic)
_KEY_PREFIX = "(?<![A-Za-z0-9_-])-*(?:[A-Za-z0-9]+[_-])*"

SECRET_RECOGNISERS: tuple[PatternRecogniser, ...] = (
    _token(
        "secret_aws_access_key", "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}"
    ),
    _token("secret_github_token", "(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
    _token("secret_slack_token", "xox[abposr]-(?:[A-Za-z0-9]+-)+[A-Za-z0-9]{6,}"),
    PatternRecogniser(
        name="secret_slack_webhook",
        entity_type=PiiType.SECRET,
        pattern=re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+"),
        score=0.95,
    ),
    _token("secret_openai_key", "sk-[A-Za-z0-9_\\-]{20,}", validate=_has_letter_and_digit),
    _token("secret_google_api_key", "AIza[0-9A-Za-z_\\-]{35}"),
    _token("secret_stripe_key", "(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"),
    _token("secret_huggingface_token", "hf_[A-Za-z0-9]{30,}", validate=_has_letter_and_digit),
    _token(
        "secret_jwt", "eyJ[A-Za-z0-9_\\-]{5,}\\.eyJ[A-Za-z0-9_\\-]{5,}\\.[A-Za-z0-9_\\-]*", validate=_is_jwt
    ),
    PatternRecogniser(
        name="secret_private_key",
        entity_type=PiiType.SECRET,
        pattern=re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,\-]*)",
            re.DOTALL,
        ),
        score=1.0,
    ),
    PatternRecogniser(
        name="secret_password_assignment",
        entity_type=PiiType.SECRET,
        pattern=re.compile(f"{_KEY_PREFIX}(?i:{_PASSWORD_WORDS}){_ASSIGN}(?P<span>{_VALUE}{{4,}})"),
        score=0.85,
        validate=_is_real_value,
        span_group="span",
    ),
    PatternRecogniser(
        name="secret_key_assignment",
        entity_type=PiiType.SECRET,
        # token-like values only: at least 8 characters with a letter (``token=1024`` is a number)
        pattern=re.compile(
            f"{_KEY_PREFIX}(?i:{_KEY_WORDS}){_ASSIGN}(?P<span>(?={_VALUE}*[A-Za-z]){_VALUE}{{8,}})"
        ),
        score=0.8,
        validate=_is_key_value,
        span_group="span",
    ),
    PatternRecogniser(
        name="secret_bearer_token",
        entity_type=PiiType.SECRET,
        pattern=re.compile(r"(?i:\bbearer)[ \t]+(?P<span>[A-Za-z0-9\-._~+/]{16,}=*)"),
        score=0.9,
        span_group="span",
    ),
)
