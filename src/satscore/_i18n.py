"""Fixed texts of satscore's charts and report in English and Chinese.

Every label satscore itself writes (axis titles, legends, report headings,
verdicts, footnotes) comes from :data:`STRINGS`; item wording, answer labels
and dimension titles come from the instrument. Add a language by adding a key
to every entry (a test checks that all entries have all languages).
"""

from __future__ import annotations

from typing import Any

from ._checks import check_option

__all__ = ["LANGUAGES", "STRINGS", "check_language", "t"]

LANGUAGES: tuple[str, ...] = ("en", "zh")

STRINGS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ charts
    "percent_of_answers": {"en": "Percent of valid answers", "zh": "有效回答占比（%）"},
    "neutral": {"en": "Neutral", "zh": "中立"},
    "n_short": {"en": "n", "zh": "样本量"},
    "reverse_note": {
        "en": "† reverse-keyed item: agreeing is unfavourable",
        "zh": "† 反向计分题：同意表示不利评价",
    },
    "other_items": {"en": "Other items", "zh": "其他题目"},
    "estimate": {"en": "Estimate", "zh": "估计值"},
    "target": {"en": "Target", "zh": "目标"},
    "ci_band": {"en": "{level:.0%} confidence interval", "zh": "{level:.0%} 置信区间"},
    "significant_change": {
        "en": "Significant change vs previous period",
        "zh": "较上期有显著变化",
    },
    "flagged": {
        "en": "Flagged / suppressed (small or imprecise base)",
        "zh": "已标记/抑制（样本小或不精确）",
    },
    "period": {"en": "Period", "zh": "期间"},
    "detractors": {"en": "Detractors (0–6)", "zh": "贬损者（0–6）"},
    "passives": {"en": "Passives (7–8)", "zh": "被动者（7–8）"},
    "promoters": {"en": "Promoters (9–10)", "zh": "推荐者（9–10）"},
    "ltr_axis": {"en": "Likelihood to recommend (0–10)", "zh": "推荐意愿（0–10）"},
    "net_score_label": {
        "en": "Net score {value:+.1f} (CI {low:+.1f} to {high:+.1f}), n = {n}",
        "zh": "净推荐值 {value:+.1f}（置信区间 {low:+.1f} 至 {high:+.1f}），样本量 = {n}",
    },
    "eigenvalue": {"en": "Eigenvalue", "zh": "特征值"},
    "factor_number": {"en": "Factor number", "zh": "因子序号"},
    "observed": {"en": "Observed data", "zh": "观测数据"},
    "simulated": {"en": "Simulated (random) data", "zh": "模拟（随机）数据"},
    "resampled": {"en": "Resampled data", "zh": "重抽样数据"},
    "suggested_factors": {"en": "Suggested factors: {k}", "zh": "建议因子数：{k}"},
    "factor": {"en": "Factor", "zh": "因子"},
    "loading": {"en": "Loading", "zh": "载荷"},
    "intended": {"en": "□ intended dimension", "zh": "□ 预设维度"},
    "share": {"en": "Share", "zh": "占比"},
    # ------------------------------------------------------------------ metrics
    "customer_satisfaction": {"en": "Customer satisfaction", "zh": "客户满意度"},
    "top_box": {"en": "Top-box (satisfied)", "zh": "满意率（前两项）"},
    "index_0_100": {"en": "Index (0–100)", "zh": "指数（0–100）"},
    "mean": {"en": "Mean", "zh": "均值"},
    "net_score": {"en": "Net score", "zh": "净推荐值"},
    "resolution_rate": {"en": "Resolution rate", "zh": "问题解决率"},
    "pct_of_max": {"en": "Percent of maximum", "zh": "满分百分比"},
    # ------------------------------------------------------------------ verdicts
    "met": {"en": "Met", "zh": "达标"},
    "not_met": {"en": "Not met", "zh": "未达标"},
    "inconclusive": {"en": "Inconclusive", "zh": "无定论"},
    "no_target": {"en": "No target", "zh": "无目标"},
    "not_measured": {"en": "Not measured by this survey", "zh": "本调查未测量"},
}


def check_language(language: Any) -> str:
    """Validate ``language`` (``"en"`` or ``"zh"``).

    Examples
    --------
    >>> check_language("zh")
    'zh'
    """
    return check_option("language", language, LANGUAGES)


def t(key: str, language: str, /, **fmt: Any) -> str:
    """Return the text *key* in *language*, formatted with *fmt*.

    Examples
    --------
    >>> t("met", "zh")
    '达标'
    >>> t("suggested_factors", "en", k=3)
    'Suggested factors: 3'
    """
    text = STRINGS[key][language]
    return text.format(**fmt) if fmt else text
