"""Compound suggestions while the operator types (小区联想): name, alias, pinyin or initials.

Ranked: the whole name typed, then names that start with the text, then names that contain it;
a compound's own name before its aliases, shorter names before longer ones, then by name.
"""

from __future__ import annotations

from heatdesk.geo.address import fold, normalize
from heatdesk.geo.gazetteer_index import IndexedName, gazetteer_index
from heatdesk.geo.models import Compound

MAX_SUGGESTIONS = 50
Rank = tuple[int, int, int, str]  # match place, name before alias, length, text: smaller is better


def _rank(entry: IndexedName, queries: tuple[str, ...]) -> Rank | None:
    forms = entry.forms
    spellings: tuple[str, ...]
    if queries[0].isascii():
        spellings = (forms.initials, forms.pinyin, forms.initials_base, forms.pinyin_base, forms.text)
    else:
        spellings = (forms.text, forms.base, entry.written)
    best = None
    for spelled in spellings:
        for query in queries:
            if not spelled:
                continue
            if spelled == query:
                place = 0
            elif spelled.startswith(query):
                place = 1
            elif query in spelled:
                place = 2
            else:
                continue
            best = place if best is None else min(best, place)
    if best is None:
        return None
    return best, 0 if entry.is_name else 1, len(forms.text), forms.text


def compound_suggestions(*, query: str, limit: int = 10, district: str | None = None) -> list[Compound]:
    """Up to `limit` compounds matching what was typed so far, best first."""
    # 梦溪苑二 is a prefix of the name as written (二期), not of its normal form (2期): try both.
    queries = tuple(dict.fromkeys(spelled for spelled in (normalize(query).replace(" ", ""), fold(query)) if spelled))
    if not queries:
        return []
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    index = gazetteer_index()
    district_id = (index.district_ids.get(district) or index.district_codes.get(district)) if district else None
    ranked: dict[int, Rank] = {}
    spellings = index.latin_spellings if queries[0].isascii() else index.han_spellings
    for entry, spelled in zip(index.names, spellings, strict=True):
        if not any(query in spelled for query in queries):
            continue
        if district_id is not None and entry.district_id != district_id:
            continue
        rank = _rank(entry, queries)
        if rank is not None and (entry.compound_id not in ranked or rank < ranked[entry.compound_id]):
            ranked[entry.compound_id] = rank
    best = sorted(ranked, key=lambda compound_id: (ranked[compound_id], compound_id))[:limit]
    compounds = Compound.objects.select_related("district", "station").in_bulk(best)
    return [compounds[compound_id] for compound_id in best if compound_id in compounds]
