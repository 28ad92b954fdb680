"""The admin keeps derived fields right: an alias typed by hand gets its pinyin and initials."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from heatdesk.geo.models import Compound, CompoundAlias
from heatdesk.geo.resolver import resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(demo_city, client):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def _change_form(compound: Compound, aliases: list[CompoundAlias], new_alias: str) -> dict[str, str]:
    data = {
        "code": compound.code,
        "name": compound.name,
        "district": str(compound.district_id),
        "street": str(compound.street_id or ""),
        "community": str(compound.community_id or ""),
        "station": str(compound.station_id),
        "substation": str(compound.substation_id or ""),
        "households": str(compound.households or ""),
        "built_year": str(compound.built_year or ""),
        "aliases-TOTAL_FORMS": str(len(aliases) + 1),
        "aliases-INITIAL_FORMS": str(len(aliases)),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
        "buildings-TOTAL_FORMS": "0",
        "buildings-INITIAL_FORMS": "0",
        "buildings-MIN_NUM_FORMS": "0",
        "buildings-MAX_NUM_FORMS": "1000",
        "building_ranges-TOTAL_FORMS": "0",
        "building_ranges-INITIAL_FORMS": "0",
        "building_ranges-MIN_NUM_FORMS": "0",
        "building_ranges-MAX_NUM_FORMS": "1000",
    }
    for index, alias in enumerate(aliases):
        data |= {f"aliases-{index}-id": str(alias.id), f"aliases-{index}-compound": str(compound.id)}
        data |= {f"aliases-{index}-alias": alias.alias}
    data |= {f"aliases-{len(aliases)}-alias": new_alias, f"aliases-{len(aliases)}-compound": str(compound.id)}
    return data


def test_an_alias_added_inline_on_the_compound_page_gets_its_pinyin_and_routes(admin_client):
    # given
    compound = Compound.objects.get(name="税苑小区")
    aliases = list(compound.aliases.order_by("id"))

    # when the admin adds 地税楼 on the compound's page
    response = admin_client.post(
        f"/admin/geo/compound/{compound.id}/change/", _change_form(compound, aliases, "地税楼")
    )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    alias = CompoundAlias.objects.get(compound=compound, alias="地税楼")
    assert (alias.pinyin, alias.initials, alias.learned) == ("dishuilou", "dsl", False)
    assert resolve("地税楼3号楼").compound == compound


def test_an_alias_added_on_its_own_page_gets_its_pinyin(admin_client):
    compound = Compound.objects.get(name="巨海城")

    response = admin_client.post(
        "/admin/geo/compoundalias/add/", {"compound": str(compound.id), "alias": " 巨海小区 ", "learned": ""}
    )

    assert response.status_code == 302
    alias = CompoundAlias.objects.get(compound=compound, alias="巨海小区")
    assert (alias.pinyin, alias.initials) == ("juhaixiaoqu", "jhxq")


def test_renaming_a_compound_in_the_admin_recomputes_its_pinyin(admin_client):
    compound = Compound.objects.get(name="巨海城")
    data = _change_form(compound, list(compound.aliases.order_by("id")), "")
    data["name"] = "巨海新城"

    admin_client.post(f"/admin/geo/compound/{compound.id}/change/", data)

    compound.refresh_from_db()
    assert (compound.name, compound.pinyin, compound.initials) == ("巨海新城", "juhaixincheng", "jhxc")
