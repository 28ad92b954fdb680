from django.contrib.auth import get_user_model

from heatdesk.community.models import Steward, VulnerableHousehold
from heatdesk.demo import demo_care_seed, demo_seed
from heatdesk.geo.models import Company, Compound, CompoundAlias, District, Station, Substation


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (District, Company, Station, Substation, Compound, CompoundAlias, get_user_model())
    }


def test_the_demo_city_has_the_four_urban_districts_and_the_named_organisations(demo_city):
    assert set(District.objects.values_list("name", flat=True)) == {"新城区", "回民区", "玉泉区", "赛罕区"}
    assert Company.objects.count() >= 2
    assert Station.objects.count() >= 6
    assert Compound.objects.count() >= 60
    assert Company.objects.get(name="城发热力").branches.filter(name__startswith="桥靠").exists()
    assert Company.objects.get(name="城发热力").branches.filter(name__startswith="金桥").exists()
    assert set(Station.objects.filter(company__name="富泰热力").values_list("name", flat=True)) >= {
        "林站南路供暖所",
        "光华供暖所",
    }
    named = {"蓝爵小区", "万达广场二期", "翡翠梦溪苑二期", "外贸巷外运小区", "税苑小区"}
    assert named <= set(Compound.objects.values_list("name", flat=True))
    assert Compound.objects.filter(community__name="中山社区").count() >= 2


def test_every_compound_is_served_by_a_station_and_fed_by_a_substation(demo_city):
    assert not Compound.objects.filter(substation__isnull=True).exists()
    for compound in Compound.objects.select_related("station", "substation"):
        assert compound.substation.station == compound.station


def test_seeding_twice_changes_nothing(demo_city):
    before = _counts()
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    report = demo_seed()
    assert report.gazetteer.created == 0
    assert report.gazetteer.updated == 0
    assert report.users_changed == 0
    assert _counts() == before
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes


def test_every_station_company_and_community_has_its_demo_account(demo_city):
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {"80725", "80720", "80734", "lead", "regulator", "admin"} <= usernames
    for station in Station.objects.all():
        assert f"station-{station.code}" in usernames
    for company in Company.objects.all():
        assert f"company-{company.code}" in usernames


def test_the_demo_care_seed_gives_every_compound_stewards_and_registers_households_once(demo_city):
    # given the demo city; when the demo's care seed runs twice
    first = demo_care_seed()
    second = demo_care_seed()
    # then every compound of a community has both stewards and a grid worker, and the register filled once
    compounds = Compound.objects.filter(community__isnull=False)
    assert first > 0
    assert second == 0
    assert VulnerableHousehold.objects.count() == first
    for compound in compounds:
        kinds = set(Steward.objects.filter(compound=compound).values_list("kind", flat=True))
        assert kinds == {"enterprise", "community", "grid"}, compound.code
