"""Which report section supports which record-keeping / oversight duty (EN and JA). Not legal advice."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MappingRow:
    framework: tuple[str, str]  # (en, ja)
    duty: tuple[str, str]
    sections: tuple[str, ...]  # section keys of i18n.TEXT ("s_audit", ...)


AI_ACT = ("EU AI Act (Regulation (EU) 2024/1689)", "EU AI 法（規則 (EU) 2024/1689）")
ISO = ("ISO/IEC 42001:2023 (AI management system)", "ISO/IEC 42001:2023（AI マネジメントシステム）")
AISI = (
    "Japan: AI Guidelines for Business (AI事業者ガイドライン), METI and MIC",
    "AI事業者ガイドライン（経済産業省・総務省）",
)

MAPPING: tuple[MappingRow, ...] = (
    MappingRow(
        AI_ACT,
        (
            "Art. 12 Record-keeping: automatic recording of events (logs) over the system's lifetime, "
            "so that risky situations can be identified and operation monitored.",
            "第 12 条 記録保持：リスクとなり得る状況の特定や稼働の監視ができるよう、"
            "システムの稼働期間を通じてイベント（ログ）を自動的に記録すること。",
        ),
        ("s_audit", "s_volumes", "s_rates", "s_models"),
    ),
    MappingRow(
        AI_ACT,
        (
            "Art. 14 Human oversight: people can monitor operation, interpret the output, and decide not "
            "to use, override or reverse it.",
            "第 14 条 人による監督：人が稼働を監視し、出力を正しく解釈し、出力を使わない・無効にする・"
            "覆す判断ができること。",
        ),
        ("s_cases", "s_workload", "s_overturns", "s_appeals"),
    ),
    MappingRow(
        ISO,
        (
            "Clause 8 Operation and Annex A.6.2.6 (AI system operation and monitoring).",
            "箇条 8 運用、附属書 A.6.2.6（AI システムの運用及び監視）。",
        ),
        ("s_rates", "s_cases", "s_models"),
    ),
    MappingRow(
        ISO,
        (
            "Clause 9.1 Monitoring, measurement, analysis and evaluation.",
            "箇条 9.1 監視、測定、分析及び評価。",
        ),
        ("s_overturns", "s_workload", "s_models"),
    ),
    MappingRow(
        ISO,
        (
            "Clause 7.5 Documented information and Annex A.6.2.8 (recording of event logs).",
            "箇条 7.5 文書化した情報、附属書 A.6.2.8（イベントログの記録）。",
        ),
        ("s_audit",),
    ),
    MappingRow(
        AISI,
        (
            "Human-centric and safety principles: human judgement in the loop where needed, safe defaults.",
            "人間中心・安全性：必要に応じた人間の判断の介在、安全側の既定動作。",
        ),
        ("s_cases", "s_overturns", "s_appeals"),
    ),
    MappingRow(
        AISI,
        (
            "Transparency and accountability: verifiability (keeping logs) and traceability of which "
            "model made which decision.",
            "透明性・アカウンタビリティ：検証可能性の確保（ログの記録・保存）と、"
            "どのモデルがどの判定をしたかのトレーサビリティ。",
        ),
        ("s_audit", "s_models"),
    ),
    MappingRow(
        AISI,
        (
            "Privacy protection: personal data in the report is masked.",
            "プライバシー保護：報告書中の個人情報はマスキングしています。",
        ),
        ("s_examples",),
    ),
    MappingRow(
        AISI,
        (
            "Fairness: volumes and rates by language help spot unequal treatment (not a fairness audit).",
            "公平性：言語別の件数・"
            "割合は扱いの偏りの発見に役立ちます（公平性の監査そのものではありません）。",
        ),
        ("s_volumes",),
    ),
)

NOTES: tuple[tuple[str, str], ...] = (
    (
        "This section shows which evidence the report provides for each duty. It is not legal advice and "
        "does not by itself establish compliance: whether and how a duty applies to this deployment "
        "(for example whether it is a high-risk AI system under the AI Act) is for your legal and "
        "compliance function to assess.",
        "本節は、各義務について本報告書がどの根拠資料を提供するかを示すものです。法的助言ではなく、"
        "本報告書のみで"
        "法令等への適合が証明されるものでもありません。"
        "各義務が本システムに適用されるか（例：AI 法上の高リスク AI "
        "システムに当たるか）およびその方法は、法務・コンプライアンス部門が判断してください。",
    ),
    (
        "The logs themselves stay in the database's hash-chained audit log; how long they are kept (the AI "
        "Act's Art. 19 and 26(6) name at least six months for high-risk systems) is set by your retention "
        "policy, not by this report.",
        "ログ自体はデータベースのハッシュチェーン化された監査ログに保存されます。保存期間（AI 法第 19 条・"
        "第 26 条第 6 項は"
        "高リスク AI システムについて少なくとも 6 か月と定めています）は本報告書ではなく、"
        "保存方針で定めます。",
    ),
)
