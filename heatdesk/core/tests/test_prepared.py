"""PreparedQuery: the same instances as the ORM's own run, compiled once, and a wrong shape refused."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heatdesk.core.prepared import PreparedQuery
from heatdesk.geo.models import Building, Compound
from heatdesk.sla.models import SlaRule


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.mark.django_db
def test_rows_and_their_related_objects_equal_the_orm_ones(demo_city):
    query = PreparedQuery(
        Compound, lambda *ids: Compound.objects.select_related("district", "station__company").filter(id__in=ids)
    )
    ids = list(Compound.objects.order_by("id").values_list("id", flat=True)[:3])
    expected = {c.id: c for c in Compound.objects.select_related("district", "station__company").filter(id__in=ids)}
    for _ in range(2):  # the second run binds the compiled statement
        found = {c.id: c for c in query.all(*ids)}
        assert found.keys() == expected.keys()
        for pk, compound in found.items():
            assert _fields(compound) == _fields(expected[pk])
            with CaptureQueriesContext(connection) as ctx:  # related objects came with the row
                assert _fields(compound.station.company) == _fields(expected[pk].station.company)
                assert compound.district.name == expected[pk].district.name
            assert len(ctx.captured_queries) == 0
    assert len(query.all(ids[0])) == 1  # another list length is compiled on its own
    assert query.first(-1) is None
    assert query.all() == []  # an empty list matches nothing


@pytest.mark.django_db
def test_values_are_converted_both_ways(demo_city):
    rule = SlaRule.objects.first()
    query = PreparedQuery(SlaRule, lambda at: SlaRule.objects.filter(updated_at__lte=at).order_by("id"))
    later = rule.updated_at + dt.timedelta(seconds=1)
    found = query.all(later)
    assert rule.id in [r.id for r in found]
    assert all(isinstance(r.updated_at, dt.datetime) and r.updated_at.tzinfo is not None for r in found)
    assert query.all(rule.updated_at - dt.timedelta(days=3650)) == []


@pytest.mark.django_db
def test_a_query_that_does_not_take_its_values_in_order_is_refused(demo_city):
    # filter(**kwargs) sorts its keywords: compound_id is bound before number, not in the order given.
    query = PreparedQuery(
        Building, lambda number, compound_id: Building.objects.filter(number=number, compound_id=compound_id)
    )
    with pytest.raises(ValueError, match="not its values in order"):
        query.all("1", 1)
