"""Fixtures of the geo tests: the synthetic gazetteer of 1,200 compounds and its address corpus."""

from __future__ import annotations

import csv

import pytest
from django.db import transaction

from heatdesk.geo.gazetteer_index import gazetteer_index_invalidate
from heatdesk.geo.importer import gazetteer_import_file
from heatdesk.geo.tests.synthetic import CORPUS_FILE, GAZETTEER_FILE


@pytest.fixture(scope="module")
def synthetic_city(django_db_setup, django_db_blocker):
    """The committed synthetic gazetteer, imported once per module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        report = gazetteer_import_file(path=GAZETTEER_FILE)
        assert report.applied, report.rejected
        gazetteer_index_invalidate()
        yield report
        transaction.set_rollback(True)
    gazetteer_index_invalidate()


@pytest.fixture(scope="module")
def address_corpus() -> list[dict[str, str]]:
    with CORPUS_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def realworld_city(django_db_setup, django_db_blocker):
    """The real-world corpus's gazetteer and building ranges, imported once per module, rolled back after."""
    from heatdesk.geo.importer import building_ranges_import_file
    from heatdesk.geo.tests.realworld import BUILDINGS_FILE
    from heatdesk.geo.tests.realworld import GAZETTEER_FILE as REALWORLD_GAZETTEER

    with django_db_blocker.unblock(), transaction.atomic():
        report = gazetteer_import_file(path=REALWORLD_GAZETTEER)
        assert report.applied, report.rejected
        ranges = building_ranges_import_file(path=BUILDINGS_FILE)
        assert ranges.applied, ranges.rejected
        gazetteer_index_invalidate()
        yield report
        transaction.set_rollback(True)
    gazetteer_index_invalidate()
