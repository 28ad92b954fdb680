import pytest
from django.db import IntegrityError, transaction

from heatdesk.accounts.models import Role, User
from heatdesk.accounts.selectors import user_scope
from heatdesk.accounts.services import user_upsert
from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import Company, Station


def test_desk_roles_and_the_regulator_see_everything(demo_city):
    for username in ("80725", "lead", "regulator", "admin"):
        assert user_scope(user=User.objects.get(username=username)).sees_everything


def test_a_station_sees_only_itself(demo_city):
    scope = user_scope(user=User.objects.get(username="station-cf-qiaokao"))
    assert not scope.sees_everything
    assert scope.station_codes == ("cf-qiaokao",)


def test_a_company_sees_all_of_its_stations_and_no_other(demo_city):
    scope = user_scope(user=User.objects.get(username="company-futai"))
    expected = set(Station.objects.filter(company__code="futai").values_list("code", flat=True))
    assert set(scope.station_codes) == expected
    assert "cf-qiaokao" not in scope.station_codes


def test_a_community_worker_is_bound_to_a_community(demo_city):
    user = User.objects.filter(role=Role.COMMUNITY).first()
    scope = user_scope(user=user)
    assert scope.community_codes == (user.community.code,)
    assert scope.station_codes == ()


def test_a_station_role_without_a_station_is_refused_by_the_service(db):
    with pytest.raises(ValidationFailed):
        user_upsert(username="nobody", password="x-long-password", role=Role.STATION)
    assert not User.objects.filter(username="nobody").exists()


def test_the_database_refuses_an_org_role_without_its_organisation(demo_city):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan", role=Role.COMPANY)
    company = Company.objects.first()
    User.objects.create(username="bound", role=Role.COMPANY, company=company)


def test_job_numbers_are_unique(demo_city):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="copy", job_number="80725")
