"""An in-process index of compound names and aliases, checked against the database on every use.

The index holds only what matching needs (normalised names, their pinyin forms, the district);
everything shown or routed (station, substation, codes) is read fresh from the database. Its
version is derived from the database (count, last id and last change of compounds and aliases),
so a gazetteer import or a learned alias in another process is seen on the next call.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from heatdesk.geo.address import fold, normalize, without_place_prefix
from heatdesk.geo.models import Compound, CompoundAlias, District
from heatdesk.geo.names import NameForms, name_forms, name_in_digits


@dataclass(frozen=True)
class IndexedName:
    compound_id: int
    district_id: int
    is_name: bool
    forms: NameForms
    written: str = ""  # as written, only case and width folded: 万达广场二期 (forms.text has 万达广场2期)
    learned: bool = False  # an alias an operator taught by choosing among candidates


@dataclass
class GazetteerIndex:
    version: tuple[object, ...]
    names: list[IndexedName] = field(default_factory=list)
    district_ids: dict[str, int] = field(default_factory=dict)
    district_codes: dict[str, int] = field(default_factory=dict)
    by_text: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_base: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_core: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_pinyin_base: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_pinyin_core: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_initials: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_initials_core: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_spoken: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_first_two: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    bases: list[str] = field(default_factory=list)
    pinyins: list[str] = field(default_factory=list)
    # Every spelling of each name in one string, so autocomplete can skip most names with one `in`.
    han_spellings: list[str] = field(default_factory=list)
    latin_spellings: list[str] = field(default_factory=list)

    def add(self, entry: IndexedName) -> None:
        position = len(self.names)
        self.names.append(entry)
        forms = entry.forms
        self.by_text[forms.text].append(position)
        self.by_base[forms.base].append(position)
        self.by_core[forms.core].append(position)
        self.by_pinyin_base[forms.pinyin_base].append(position)
        self.by_pinyin_core[forms.pinyin_core].append(position)
        for initials in {forms.initials, forms.initials_base}:
            self.by_initials[initials].append(position)
        self.by_initials_core[forms.initials_core].append(position)
        for spoken in forms.spoken:
            self.by_spoken[spoken].append(position)
        self.by_first_two[forms.text[:2]].append(position)
        self.bases.append(forms.base)
        self.pinyins.append(forms.pinyin_base)
        self.han_spellings.append(f"{forms.text}\0{entry.written}")
        self.latin_spellings.append(f"{forms.initials}\0{forms.pinyin}\0{forms.initials_base}\0{forms.text}")

    @property
    def district_names(self) -> tuple[str, ...]:
        return tuple(self.district_ids)


_lock = threading.Lock()
_current: GazetteerIndex | None = None


def _version_sql() -> str:
    parts = []
    for model in (Compound, CompoundAlias):
        table = connection.ops.quote_name(model._meta.db_table)
        # table names come from the models, never from input
        parts.append(
            f"(SELECT COUNT(*) FROM {table}), (SELECT MAX(id) FROM {table}), "  # noqa: S608
            f"(SELECT MAX(updated_at) FROM {table})"
        )
    return "SELECT " + ", ".join(parts)


def gazetteer_version() -> tuple[object, ...]:
    """A fingerprint of compounds and aliases that changes with every insert, delete or save.

    One plain query: it runs on every resolve, and the ORM's aggregate machinery cost more than the query.
    """
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        row = cursor.fetchone()
    return (connection.alias, connection.settings_dict.get("NAME"), *row)


def _add_unprefixed(index: GazetteerIndex, compound_id: int, district_id: int, name: str) -> None:
    """呼市二中家属院 is also found as 二中家属院, which is what the parser leaves of it."""
    normalized = normalize(name)
    unprefixed = without_place_prefix(normalized)
    if unprefixed != normalized and len(unprefixed) >= 2:
        index.add(IndexedName(compound_id, district_id, False, name_forms(unprefixed), fold(name)))


def _add_in_digits(index: GazetteerIndex, entry: IndexedName) -> None:
    """电建一区 is also found as 电建1区, the way it is often typed."""
    in_digits = name_in_digits(entry.forms.text)
    if in_digits != entry.forms.text:
        forms = name_forms(in_digits)
        index.add(IndexedName(entry.compound_id, entry.district_id, entry.is_name, forms, entry.written, entry.learned))


def _build(version: tuple[object, ...]) -> GazetteerIndex:
    index = GazetteerIndex(version=version)
    for district_id, name, code in District.objects.values_list("id", "name", "code"):
        index.district_ids[name] = district_id
        index.district_codes[code] = district_id
    district_of: dict[int, int] = {}
    for compound_id, name, district_id in Compound.objects.values_list("id", "name", "district_id"):
        district_of[compound_id] = district_id
        entry = IndexedName(compound_id, district_id, True, name_forms(normalize(name)), fold(name))
        index.add(entry)
        _add_in_digits(index, entry)
        _add_unprefixed(index, compound_id, district_id, name)
    for compound_id, alias, learned in CompoundAlias.objects.values_list("compound_id", "alias", "learned"):
        forms = name_forms(normalize(alias))
        if forms.text and compound_id in district_of:
            entry = IndexedName(compound_id, district_of[compound_id], False, forms, fold(alias), learned)
            index.add(entry)
            _add_in_digits(index, entry)
            _add_unprefixed(index, compound_id, district_of[compound_id], alias)
    return index


def gazetteer_index() -> GazetteerIndex:
    """The current index, rebuilt when the database's gazetteer version has moved."""
    global _current
    version = gazetteer_version()
    index = _current
    if index is not None and index.version == version:
        return index
    with _lock:
        if _current is None or _current.version != version:
            _current = _build(version)
        return _current


def gazetteer_index_invalidate() -> None:
    """Drop this process's index (tests; services call it after their own writes)."""
    global _current
    with _lock:
        _current = None
