"""PII masking: every recogniser on true and false examples (Japanese included), the validators, overlap
resolution, placeholders, idempotence, degradation without the NER model, and a timing print."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pii.masker import MaskingConfig, NerDown, PiiMasker, resolve_overlaps
from pii.ner import chunks
from pii.patterns import PATTERN_RECOGNISERS
from pii.recognisers import (
    PhoneRecogniser,
    PiiSpan,
    PiiType,
    Recogniser,
    is_valid_card_number,
    is_valid_my_number,
    luhn_valid,
    my_number_check_digit,
)
from pii.secrets import SECRET_RECOGNISERS

RECOGNISERS: dict[str, Recogniser] = {r.name: r for r in (*PATTERN_RECOGNISERS, *SECRET_RECOGNISERS)}
RECOGNISERS["phone"] = PhoneRecogniser()
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n"
    "-----END RSA PRIVATE KEY-----"
)

# (recogniser, text, the one span it must find)
POSITIVE = [
    ("email", "連絡先は yamada@example.co.jp です", "yamada@example.co.jp"),
    ("email", "Mail bob.smith+hr@mail.example.com today", "bob.smith+hr@mail.example.com"),
    ("email", "メール：hanako＠example.jpまで", "hanako＠example.jp"),
    ("phone", "電話: 090-1234-5678", "090-1234-5678"),
    ("phone", "代表 03-1234-5678 まで", "03-1234-5678"),
    ("phone", "+81 90 1234 5678", "+81 90 1234 5678"),
    ("phone", "US office +1 (415) 555-0134", "+1 (415) 555-0134"),
    ("phone", "電話番号は０９０－１２３４－５６７８です", "０９０－１２３４－５６７８"),
    ("phone", "フリーダイヤル 0120-123-456", "0120-123-456"),
    ("my_number", "マイナンバー: 1234 5678 9018", "1234 5678 9018"),
    ("my_number", "個人番号は987654321093です", "987654321093"),
    ("my_number", "番号 1234-5678-9018 を確認", "1234-5678-9018"),
    ("credit_card", "card 4111 1111 1111 1111 exp 12/28", "4111 1111 1111 1111"),
    ("credit_card", "カード番号 5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("credit_card", "Amex 378282246310005", "378282246310005"),
    ("postal_code_mark", "〒100-0001 東京都", "〒100-0001"),
    ("postal_code_mark", "〒１００－０００１", "〒１００－０００１"),
    ("postal_code_mark", "〒1000001 東京都", "〒1000001"),
    ("postal_code_label", "郵便番号: 530-0001", "530-0001"),
    ("postal_code_label", "Postal code 150-0002, Tokyo", "150-0002"),
    ("postal_code_before_address", "100-0001 東京都千代田区", "100-0001"),
    ("address_ja", "住所：東京都千代田区千代田1-1", "東京都千代田区千代田1-1"),
    ("address_ja", "大阪府大阪市北区梅田3丁目1番1号に送付", "大阪府大阪市北区梅田3丁目1番1号"),
    ("address_ja", "北海道札幌市中央区北1条西2丁目です", "北海道札幌市中央区北1条西2丁目"),
    (
        "address_ja",
        "神奈川県横浜市西区みなとみらい2-3-1に住んでいます",
        "神奈川県横浜市西区みなとみらい2-3-1",
    ),
    ("address_ja_no_prefecture", "新宿区西新宿2-8-1の本社", "新宿区西新宿2-8-1"),
    ("address_ja_no_prefecture", "品川区東品川1番地の3へ", "品川区東品川1番地の3"),
    ("address_en", "Ship to 1600 Pennsylvania Avenue NW, Washington", "1600 Pennsylvania Avenue NW"),
    ("address_en", "lives at 221 Baker Street, Apt 2B", "221 Baker Street, Apt 2B"),
    ("person_labelled", "氏名：佐藤 花子", "佐藤 花子"),
    ("person_labelled", "申請者: 山田太郎様", "山田太郎"),
    ("person_labelled", "Name: Alice Johnson", "Alice Johnson"),
    ("person_labelled", "Profile\n1. Name: Sarah Johnson\n2. Age: 38", "Sarah Johnson"),
    ("person_labelled", "お名前：ヤマダ タロウ", "ヤマダ タロウ"),
    ("person_honorific_en", "Please ask Dr. Emily Carter", "Emily Carter"),
    ("person_honorific_en", "Mr Tanaka called", "Tanaka"),
    ("secret_aws_access_key", "key AKIAIOSFODNN7EXAMPLE in the log", "AKIAIOSFODNN7EXAMPLE"),
    (
        "secret_github_token",
        "GH: ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ),
    (
        "secret_slack_token",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
    ),
    (
        "secret_slack_webhook",
        "post to https://hooks.slack.com/services/T000/B000/XXXXabcd",
        "https://hooks.slack.com/services/T000/B000/XXXXabcd",
    ),
    ("secret_openai_key", "OPENAI key sk-proj-Ab3dEf6hIj9kLmN0pQr2StU", "sk-proj-Ab3dEf6hIj9kLmN0pQr2StU"),
    (
        "secret_google_api_key",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ),
    ("secret_stripe_key", "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    (
        "secret_huggingface_token",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    ),
    ("secret_jwt", f"Authorization token {JWT} expired", JWT),
    ("secret_private_key", f"here:\n{PEM}\nbye", PEM),
    (
        "secret_private_key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=",
    ),
    ("secret_password_assignment", "db_password=hunter22 host=db", "hunter22"),
    ("secret_password_assignment", "パスワード：abc12345", "abc12345"),
    ("secret_password_assignment", 'PASSWORD: "123456"', "123456"),
    ("secret_password_assignment", "mysql --password=s3cr3t-pw -h db", "s3cr3t-pw"),
    ("secret_key_assignment", 'OPENAI_API_KEY="abc123def456ghi"', "abc123def456ghi"),
    (
        "secret_key_assignment",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("secret_bearer_token", "Authorization: Bearer abcDEF123456ghiJKL789", "abcDEF123456ghiJKL789"),
]

# (recogniser, text it must find nothing in)
NEGATIVE = [
    ("email", "@yamada さん、foo@bar と user@localhost はメールではない"),
    ("email", "version 2026@11.25 and a..b@example.com"),
    ("phone", "日付 2026-11-25 10:30"),
    ("phone", "注文番号 1234567890、ID 12345678、version 1.2.3"),
    ("phone", "IPv4 192.168.100.200"),
    ("phone", "call 415-555-0134"),  # a US number without +1 is not read as Japanese
    ("my_number", "マイナンバー: 1234 5678 9012"),  # wrong check digit
    ("my_number", "4111 1111 1111 1111"),  # a card's first 12 digits are not a My Number
    ("my_number", "1234 5678-9018"),  # mixed separators
    ("credit_card", "card 4111 1111 1111 1112"),  # fails Luhn
    ("credit_card", "0000 0000 0000 0000 and 1111111111111117"),  # Luhn-valid but no card network
    ("credit_card", "注文番号 2026112512345"),  # 13 digits failing Luhn
    ("postal_code_mark", "部品番号 123-4567"),
    ("postal_code_label", "部品番号 123-4567、郵便番号は未定"),
    ("postal_code_before_address", "内線 123-4567 です"),
    ("address_ja", "東京都千代田区で会議があります"),
    ("address_ja", "東京都の本社で 3-1 で勝った"),
    ("address_ja_no_prefecture", "3丁目の夕日、第2章1-2節"),
    ("address_ja_no_prefecture", "港区で3-1の試合"),
    ("address_en", "We shipped 3 Main points and 42 Road Maps"),
    ("address_en", "an M.2 Internal Solid State Hard Drive"),
    ("person_labelled", "username: admin、名前: [PERSON]"),
    ("person_labelled", "the name of the file"),
    ("person_labelled", "OS Name: Microsoft Windows\nSERVICE_NAME: Print Spooler"),
    ("person_honorific_en", "MS Word and the dr. appointment"),
    ("secret_aws_access_key", "AKIA12 is too short, XAKIAIOSFODNN7EXAMPLE is glued"),
    ("secret_github_token", "ghp_short and github.com/ghp_"),
    ("secret_slack_token", "xoxb- and xoxz-123-456"),
    ("secret_slack_webhook", "https://hooks.slack.com/ and https://example.com/services/T/B/X"),
    ("secret_openai_key", "pip install sk-learn; sk-this-is-not-a-key-just-a-slug"),
    ("secret_google_api_key", "AIza is a prefix; AIzaShort"),
    ("secret_stripe_key", "pk_live_4eC39HqLyjWDarjtT1zdp7dc is publishable"),
    ("secret_huggingface_token", "hf_hub_download and hf_transfer"),
    ("secret_jwt", "eyJub3QiOiJhIGhlYWRlciJ9.eyJzdWIiOiIxMjM0In0.abc"),  # header has no alg/typ
    ("secret_private_key", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----"),
    ("secret_password_assignment", "password: ******** / password=${DB_PASSWORD} / pwd=None"),
    ("secret_password_assignment", 'Reset your password at the portal; password = os.getenv("X")'),
    ("secret_key_assignment", "token=1024 max_tokens=512 api_key=<your-key> secret: settings.secret_key"),
    ("secret_key_assignment", "API(access_token=access_token, environment='live')"),
    ("secret_bearer_token", "Bearer short and the bearer of bad news"),
]


def found(recogniser: Recogniser, text: str) -> list[str]:
    return [text[s.start : s.end] for s in recogniser.find(text)]


@pytest.mark.parametrize(("name", "text", "expected"), POSITIVE)
def test_recogniser_finds_true_example(name: str, text: str, expected: str) -> None:
    assert found(RECOGNISERS[name], text) == [expected]


@pytest.mark.parametrize(("name", "text"), NEGATIVE)
def test_recogniser_ignores_false_example(name: str, text: str) -> None:
    assert found(RECOGNISERS[name], text) == []


def test_every_recogniser_has_true_and_false_examples() -> None:
    masker = PiiMasker(MaskingConfig(use_ner=False))
    names = set(masker.capabilities.recognisers)
    assert names == set(RECOGNISERS)
    assert names <= {n for n, *_ in POSITIVE} and names <= {n for n, *_ in NEGATIVE}


def test_my_number_check_digit_by_the_published_weights() -> None:
    # worked by hand: 12345678901 -> weighted sum 212, 212 mod 11 = 3, check 11 - 3 = 8
    assert my_number_check_digit("12345678901") == 8
    assert my_number_check_digit("98765432109") == 3  # sum 228, mod 11 = 8
    assert my_number_check_digit("00000000006") == 0  # sum 12, mod 11 = 1 -> 0
    assert my_number_check_digit("00000000000") == 0  # mod 11 = 0 -> 0
    assert my_number_check_digit("００００００００００１") == 9  # full-width digits; sum 2 -> 11 - 2
    assert is_valid_my_number("1234 5678 9018") and is_valid_my_number("987654321093")
    assert not is_valid_my_number("123456789012") and not is_valid_my_number("12345678901")
    with pytest.raises(ValueError, match="11 digits"):
        my_number_check_digit("1234")


def test_luhn_and_card_validation() -> None:
    for number in ("4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "3530111333300000"):
        assert luhn_valid(number) and is_valid_card_number(number), number
    assert luhn_valid("79927398713") and not luhn_valid("79927398710") and not luhn_valid("7")
    assert not is_valid_card_number("4111111111111112")
    assert not is_valid_card_number("1111111111111117")  # Luhn-valid, leading 1 is no card network
    # a Luhn-valid compact timestamp is outside every issuer range
    assert luhn_valid("20261125103006") and not is_valid_card_number("20261125103006")
    assert not is_valid_card_number("4111 1111 111")  # too short


def test_overlaps_resolve_longest_then_highest_score_deterministically() -> None:
    spans = [
        PiiSpan(PiiType.PHONE, 0, 10, 0.9, "a"),
        PiiSpan(PiiType.ADDRESS, 0, 20, 0.6, "b"),  # longest wins over the higher-scored phone
        PiiSpan(PiiType.EMAIL, 25, 30, 0.5, "c"),
        PiiSpan(PiiType.PERSON, 25, 30, 0.8, "d"),  # same length: higher score wins
        PiiSpan(PiiType.EMAIL, 40, 45, 0.7, "e"),
        PiiSpan(PiiType.SECRET, 40, 45, 0.7, "f"),  # full tie: the more sensitive type wins
    ]
    expected = [spans[1], spans[3], spans[5]]
    for perm in itertools.permutations(spans):
        assert resolve_overlaps(list(perm)) == expected


@pytest.fixture(scope="module")
def masker() -> PiiMasker:
    built = PiiMasker()
    built.load()
    return built


SAMPLES = [text for _, text, _ in POSITIVE] + [
    "山田太郎様の住所は〒530-0001 大阪府大阪市北区梅田3丁目1番1号、電話 06-1234-5678 です。",
    "Contact Mr. John Smith at john.smith@example.com or +44 20 7946 0958; card 4111-1111-1111-1111.",
]


def test_mask_uses_typed_placeholders_and_counts(masker: PiiMasker) -> None:
    result = masker.mask(SAMPLES[-2])
    assert result.text == "[PERSON]様の住所は[POSTAL_CODE] [ADDRESS]、電話 [PHONE] です。"
    assert result.counts == {PiiType.PERSON: 1, PiiType.POSTAL_CODE: 1, PiiType.ADDRESS: 1, PiiType.PHONE: 1}
    assert [s.start for s in result.spans] == sorted(s.start for s in result.spans)
    english = masker.mask(SAMPLES[-1]).text
    assert english == "Contact Mr. [PERSON] at [EMAIL] or [PHONE]; card [CREDIT_CARD]."
    assert masker.mask("2026-11-25 の会議は version 1.2.3 で").masked is False


@pytest.mark.parametrize("style", ["type", "numbered", "redacted"])
def test_masking_is_idempotent_and_never_leaks(style: str) -> None:
    masker = PiiMasker(MaskingConfig(placeholder=style))  # type: ignore[arg-type]
    for (_, text, secret), once in zip(POSITIVE, masker.mask_many([t for _, t, _ in POSITIVE]), strict=True):
        assert secret not in once.text, (text, once.text)
        again = masker.mask(once.text)
        assert again.text == once.text and again.spans == (), (text, once.text, again.spans)


def test_numbered_placeholders_tell_values_apart() -> None:
    masker = PiiMasker(MaskingConfig(placeholder="numbered", use_ner=False))
    text = "a@example.com, b@example.com, a@example.com"
    assert masker.mask(text).text == "[EMAIL_1], [EMAIL_2], [EMAIL_1]"
    redacted = PiiMasker(MaskingConfig(placeholder="redacted", use_ner=False)).mask(text)
    assert redacted.text == "[REDACTED], [REDACTED], [REDACTED]" and redacted.counts == {PiiType.EMAIL: 3}


def test_ner_finds_japanese_names_and_addresses(masker: PiiMasker) -> None:
    cases = {
        "担当の佐藤花子に連絡してください。": "担当の[PERSON]に連絡してください。",
        "ご担当の田中様へ": "ご担当の[PERSON]様へ",
        "中村さんと小林さんが参加": "[PERSON]さんと[PERSON]さんが参加",
        "マイケル・ジョーダンさんに連絡": "[PERSON]さんに連絡",
        "札幌市中央区北1条西2丁目へ": "[ADDRESS]へ",
    }
    for text, expected in cases.items():
        assert masker.mask(text).text == expected, text
    assert any(s.recogniser == "ner:ja_ginza" for s in masker.find("担当の佐藤花子に連絡"))


def test_ner_leaves_non_names_alone(masker: PiiMasker) -> None:
    for text in (
        "トヨタ自動車の決算を東京駅で確認",
        "お客様各位、皆さんこんにちは",
        "明日は晴れ。3丁目の会議室",
    ):
        assert masker.mask(text).text == text


def test_long_text_is_chunked_for_the_tokenizer(masker: PiiMasker) -> None:
    text = "議事録 " + "x" * 60_000 + "\n担当は佐藤花子です。"  # over Sudachi's 49,149-byte limit
    assert masker.mask(text).text.endswith("\n担当は[PERSON]です。")
    pieces = list(chunks("あ。" * 10 + "い" * 25, limit=8))
    assert all(len(p) <= 8 for _, p in pieces) and "".join(p for _, p in pieces) == "あ。" * 10 + "い" * 25
    assert pieces[:3] == [(0, "あ。あ。あ。あ。"), (8, "あ。あ。あ。あ。"), (16, "あ。あ。")]  # cut after 。
    assert [o for o, _ in pieces] == list(itertools.accumulate([0] + [len(p) for _, p in pieces[:-1]]))
    assert list(chunks("")) == [(0, "")]


def test_entities_filter_and_config_validation() -> None:
    only_email = PiiMasker(MaskingConfig(entities=frozenset({"EMAIL"}), use_ner=False))  # type: ignore[arg-type]
    assert only_email.mask("a@example.com 090-1234-5678").text == "[EMAIL] 090-1234-5678"
    assert set(only_email.capabilities.recognisers) == {"email"}
    assert (
        PiiMasker(MaskingConfig(entities=frozenset({PiiType.PERSON}), use_ner=False))
        .mask("マイナンバー 123456789018")
        .masked
        is False
    )
    for bad in ({"placeholder": "stars"}, {"min_score": 1.5}, {"phone_regions": ("XX",)}):
        with pytest.raises(ValueError):
            MaskingConfig(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MaskingConfig(entities=frozenset({"IBAN"}))  # type: ignore[arg-type]


@pytest.mark.timeout(60)
def test_pattern_scan_stays_linear_on_adversarial_input() -> None:
    """Nested quantifiers once made ``"1-" * 50_000`` take minutes in the assignment recognisers."""
    masker = PiiMasker(MaskingConfig(use_ner=False))
    for unit in ("1-", "a-", "a_", "a.", "a@", "1 ", "市1-", "Name: ", "password=", "eyJa.", "ー1"):
        text = unit * (100_000 // len(unit))
        start = time.perf_counter()
        masker.mask(text)
        print(f"{unit!r} x {len(text) // len(unit)}: {time.perf_counter() - start:.2f} s")


def test_phone_regions_add_national_formats() -> None:
    assert PiiMasker(MaskingConfig(use_ner=False)).mask("call 415-555-0134").masked is False
    us = PiiMasker(MaskingConfig(use_ner=False, phone_regions=("JP", "US")))
    assert us.mask("call 415-555-0134 or 03-1234-5678").text == "call [PHONE] or [PHONE]"


def test_min_score_drops_weak_spans() -> None:
    text = "番号 123456789018"  # valid check digit, no context words: score 0.6
    assert PiiMasker(MaskingConfig(use_ner=False)).mask(text).text == "番号 [MY_NUMBER]"
    assert PiiMasker(MaskingConfig(use_ner=False, min_score=0.7)).mask(text).text == text
    assert PiiMasker(MaskingConfig(use_ner=False, min_score=0.7)).mask("マイナンバー 123456789018").masked


def test_missing_ner_model_degrades_to_patterns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pii.masker"):
        masker = PiiMasker(MaskingConfig(ner_model="no_such_ner_model_pkg", ner_down=NerDown.DEGRADE))
        result = masker.mask("氏名：佐藤 花子、yamada@example.co.jp")
        masker.mask("担当の佐藤花子")
    assert result.text == "氏名：[PERSON]、[EMAIL]"
    caps = masker.capabilities
    assert caps.ner_model is None and "person_labelled" in caps.recognisers
    assert not any(name.startswith("ner:") for name in caps.recognisers)
    assert len(caps.degraded) == 1 and "not installed" in caps.degraded[0]
    assert len([r for r in caplog.records if "degraded" in r.getMessage()]) == 1


def test_broken_ner_model_degrades_on_first_use(caplog: pytest.LogCaptureFixture) -> None:
    # importable, but not a spaCy pipeline
    masker = PiiMasker(MaskingConfig(ner_model="json", ner_down=NerDown.DEGRADE))
    assert masker.capabilities.ner_model == "json"
    with caplog.at_level(logging.WARNING, logger="pii.masker"):
        assert masker.mask("電話 090-1234-5678 担当の佐藤花子").text == "電話 [PHONE] 担当の佐藤花子"
        masker.mask("もう一度 佐藤花子")
    assert masker.capabilities.ner_model is None and "failed to load" in masker.capabilities.degraded[0]
    assert len([r for r in caplog.records if "degraded" in r.getMessage()]) == 1


def test_importing_and_building_load_no_model() -> None:
    code = (
        "import sys; from pii.masker import PiiMasker; m = PiiMasker(); "
        "m.mask('Mail bob@example.com'); print('spacy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_shared_masker_is_thread_safe(masker: PiiMasker) -> None:
    texts = short_texts(40)
    expected = [masker.mask(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(masker.mask, texts)) == expected


def test_texts_without_japanese_skip_the_model() -> None:
    masker = PiiMasker()
    assert masker.mask("Mail bob@example.com").text == "Mail [EMAIL]"
    assert masker._ner is not None and not masker._ner.loaded  # English alone never loads GiNZA


def short_texts(n: int) -> list[str]:
    return [
        f"問い合わせ{i}: 担当の佐藤さん、電話 090-1234-{i % 10000:04d}、メール sato{i}@example.co.jp"
        if i % 2
        else f"Ticket {i}: reset the VPN for bob{i}@example.com, call +1 415 555 {i % 10000:04d}"
        for i in range(n)
    ]


def test_performance_sanity(masker: PiiMasker) -> None:
    texts = short_texts(1000)
    patterns = PiiMasker(MaskingConfig(use_ner=False))
    start = time.perf_counter()
    results = patterns.mask_many(texts)
    pattern_s = time.perf_counter() - start
    start = time.perf_counter()
    with_ner = masker.mask_many(texts[:100])
    ner_s = time.perf_counter() - start
    print(
        f"\nPII masking: 1000 short texts, patterns only {pattern_s:.2f} s; 100 with GiNZA NER {ner_s:.2f} s"
    )
    assert all(r.counts.get(PiiType.EMAIL) == 1 and r.counts.get(PiiType.PHONE) == 1 for r in results)
    assert all("@" not in r.text for r in with_ner)


@pytest.mark.slow
def test_performance_1000_texts_with_ner(masker: PiiMasker) -> None:
    texts = short_texts(1000)
    start = time.perf_counter()
    results = masker.mask_many(texts)
    print(
        f"\nPII masking: 1000 short texts (500 Japanese) with GiNZA NER: {time.perf_counter() - start:.2f} s"
    )
    assert sum(r.counts.get(PiiType.PERSON, 0) for r in results) > 0
