"""The regex recognisers for e-mail, My Number, card numbers, postal codes, addresses and labelled names.

Each is a :class:`~pii.recognisers.PatternRecogniser` whose regex finds candidates and whose
validator (check digit, Luhn, ...) rejects look-alikes. Decisions worth knowing (docs/PII.md has more):

- My Number: 12 digits, optionally ``4-4-4`` with one kind of separator, and a correct check digit.
  About 1 in 11 random 12-digit numbers also passes; those are masked too (privacy errs on masking).
- Card: 13-19 digits (spaces/hyphens allowed), leading digit 2-6, Luhn-valid.
- Postal code: only with context -- after 〒, after 郵便番号/postal code/zip, or right before a
  prefecture name. A bare ``123-4567`` is left alone (part numbers and ids look the same).
- Japanese address: [prefecture] + municipality (市区町村郡, up to three levels) + town + block numbers
  (1-1, 3丁目1番1号, 1条西2丁目). Without a prefecture the names must be kanji/katakana. A prefecture or
  city with no block number ("東京都千代田区で会議") is not masked: it does not single anyone out.
"""

from __future__ import annotations

import re

from pii.recognisers import PatternRecogniser, PiiType, is_valid_card_number, is_valid_my_number

PREFECTURES = (
    "北海道|東京都|京都府|大阪府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川"
    "|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡"
    "|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県"
)
KANJI = "\u4e00-\u9fff\u3005\u3006\u30f6"  # CJK ideographs, 々, 〆, ヶ
KATAKANA = "\u30a1-\u30fa\u30fc"
HIRAGANA = "\u3041-\u3096"
DIGIT = "0-9０-９"
DASHES = "\\-‐‑–―−－ー"  # hyphen-minus, hyphens, dashes, minus, full-width hyphen, katakana long vowel
_NUM = f"(?:[{DIGIT}]{{1,5}}|[一二三四五六七八九十]{{1,3}})"
_UNIT = "(?:丁目|番地|番|号|条|線)"
_SEP = f"(?:[{DASHES}]|の)"
# a block: 1-1, 2-8-1, 3丁目1番1号, 1番地の3, 1条西2丁目 -- a number then a unit or separator, and more
_BLOCK = f"{_NUM}(?:{_UNIT}|{_SEP}{_NUM})(?:{_UNIT}?{_SEP}?[東西南北]?{_NUM})*{_UNIT}?(?![{DIGIT}])"
_SP = "[ \u3000]?"
# what may follow a place name the NER model found to make it an address: a town name and a block
ADDRESS_TAIL = re.compile(f"{_SP}[{KANJI}{KATAKANA}{HIRAGANA}]{{0,12}}?{_SP}{_BLOCK}")


def _address_pattern(name_chars: str, *, with_prefecture: bool) -> re.Pattern[str]:
    municipality = f"(?:[{name_chars}]{{1,8}}?[市区町村郡]{_SP}){{1,3}}"
    town = f"[{name_chars}]{{0,12}}?"
    prefix = f"(?:{PREFECTURES}){_SP}" if with_prefecture else f"(?<![{name_chars}])"
    return re.compile(f"{prefix}{municipality}{town}{_SP}{_BLOCK}")


def _card_number(value: str) -> bool:
    return is_valid_card_number(value)


def _email_ok(value: str) -> bool:
    local = re.split("[@＠]", value, maxsplit=1)[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


EMAIL = PatternRecogniser(
    name="email",
    entity_type=PiiType.EMAIL,
    pattern=re.compile(
        r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+[@＠]"
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
    ),
    score=0.95,
    validate=_email_ok,
)

MY_NUMBER = PatternRecogniser(
    name="my_number",
    entity_type=PiiType.MY_NUMBER,
    # 4-4-4 with one separator kind (or none); not part of a longer digit run such as a card number
    pattern=re.compile(
        f"(?<![{DIGIT}])(?<![{DIGIT}][ {DASHES}])"
        f"[{DIGIT}]{{4}}([ \u3000{DASHES}]?)[{DIGIT}]{{4}}\\1[{DIGIT}]{{4}}(?![ \u3000{DASHES}]?[{DIGIT}])"
    ),
    score=0.6,
    validate=is_valid_my_number,
    context=("マイナンバー", "個人番号", "my number", "mynumber", "individual number"),
    context_score=0.95,
)

CREDIT_CARD = PatternRecogniser(
    name="credit_card",
    entity_type=PiiType.CREDIT_CARD,
    pattern=re.compile(
        f"(?<![{DIGIT}])(?<![{DIGIT}][ -])[{DIGIT}](?:[ -]?[{DIGIT}]){{12,18}}(?![ -]?[{DIGIT}])"
    ),
    score=0.8,
    validate=_card_number,
    context=("card", "カード", "クレジット", "visa", "mastercard", "amex", "jcb"),
    context_score=0.95,
)

_POSTAL = f"[{DIGIT}]{{3}}[{DASHES}]?[{DIGIT}]{{4}}(?![{DIGIT}])"
POSTAL_CODE_MARK = PatternRecogniser(
    name="postal_code_mark",
    entity_type=PiiType.POSTAL_CODE,
    pattern=re.compile(f"〒[ \u3000]?{_POSTAL}"),
    score=0.95,
)
POSTAL_CODE_LABEL = PatternRecogniser(
    name="postal_code_label",
    entity_type=PiiType.POSTAL_CODE,
    pattern=re.compile(
        f"(?i:郵便番号|postal code|post code|postcode|zip code|zip)[ \t\u3000]*[:：]?[ \t\u3000]*"
        f"(?P<span>[{DIGIT}]{{3}}[{DASHES}][{DIGIT}]{{4}})(?![{DIGIT}])"
    ),
    score=0.85,
    span_group="span",
)
POSTAL_CODE_BEFORE_ADDRESS = PatternRecogniser(
    name="postal_code_before_address",
    entity_type=PiiType.POSTAL_CODE,
    pattern=re.compile(
        f"(?<![{DIGIT}{DASHES}])[{DIGIT}]{{3}}[{DASHES}][{DIGIT}]{{4}}(?=[ \t\u3000]*(?:{PREFECTURES}))"
    ),
    score=0.8,
)

ADDRESS_JA = PatternRecogniser(
    name="address_ja",
    entity_type=PiiType.ADDRESS,
    pattern=_address_pattern(KANJI + KATAKANA + HIRAGANA, with_prefecture=True),
    score=0.9,
)
ADDRESS_JA_NO_PREFECTURE = PatternRecogniser(
    name="address_ja_no_prefecture",
    entity_type=PiiType.ADDRESS,
    pattern=_address_pattern(KANJI + KATAKANA, with_prefecture=False),
    score=0.75,
)
ADDRESS_EN = PatternRecogniser(
    name="address_en",
    entity_type=PiiType.ADDRESS,
    pattern=re.compile(
        r"(?<![\w.-])\d{1,6}[ \t]+(?:[A-Z][A-Za-z'.-]*[ \t]+){1,4}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Ct|Way|Pl|Terrace"
        r"|Parkway|Pkwy|Highway|Hwy)\b\.?(?:[ \t]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
        r"(?:,?[ \t]+(?:Apt|Suite|Ste|Unit|#)\.?[ \t]*#?[A-Za-z0-9-]+)?"
    ),
    score=0.7,
)

_JA_NAME = f"[{KANJI}]{{1,4}}?(?:[ \u3000][{KANJI}]{{1,4}}?)?(?=様|さん|氏|殿|君|[^{KANJI}]|$)"
_KATAKANA_NAME = f"[{KATAKANA}]{{2,10}}(?:[ \u3000・][{KATAKANA}]{{2,10}})?"
_EN_NAME = "[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){1,2}"
PERSON_LABELLED = PatternRecogniser(
    name="person_labelled",
    entity_type=PiiType.PERSON,
    pattern=re.compile(
        "(?:氏名|お名前|名前|担当者|申請者|依頼者|宛名"
        # English labels only where a form field starts: line start, after a list marker or separator
        "|(?:^|(?<=[\n,;(|]))[ \t*\\-0-9.]*(?:[Ff]ull [Nn]ame|[Nn]ame|NAME|Contact [Pp]erson)\\**)"
        "[ \t\u3000]*[:：][ \t\u3000]*"
        f"(?P<span>{_EN_NAME}|{_KATAKANA_NAME}|{_JA_NAME})"
    ),
    score=0.8,
    span_group="span",
)
PERSON_HONORIFIC_EN = PatternRecogniser(
    name="person_honorific_en",
    entity_type=PiiType.PERSON,
    pattern=re.compile(
        r"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof)\.?[ \t]+(?P<span>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2})"
    ),
    score=0.7,
    span_group="span",
)

PATTERN_RECOGNISERS: tuple[PatternRecogniser, ...] = (
    EMAIL,
    MY_NUMBER,
    CREDIT_CARD,
    POSTAL_CODE_MARK,
    POSTAL_CODE_LABEL,
    POSTAL_CODE_BEFORE_ADDRESS,
    ADDRESS_JA,
    ADDRESS_JA_NO_PREFECTURE,
    ADDRESS_EN,
    PERSON_LABELLED,
    PERSON_HONORIFIC_EN,
)
