"""Pinyin forms of place names, so operators can type `ljxq` or `lanjue` for 蓝爵小区."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def full_pinyin(text: str) -> str:
    """蓝爵小区 → lanjuexiaoqu (no tones, no spaces; digits and latin kept)."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL)).lower().replace(" ", "")


def pinyin_initials(text: str) -> str:
    """蓝爵小区 → ljxq; digits and latin letters stay as they are."""
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return "".join(parts).lower().replace(" ", "")


def slug(text: str) -> str:
    """A stable ASCII code from a Chinese name: 林站南路 → linzhannanlu."""
    words = lazy_pinyin(text, style=Style.NORMAL)
    return _NON_SLUG.sub("-", "-".join(words).lower()).strip("-").replace("-", "") or "x"
