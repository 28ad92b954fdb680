"""Thirty parallel guesses get at most the limit of password checks (issue 11, defect 6): the attempt is
counted, and committed, before its password is checked. Real threads on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from heatdesk.accounts.models import LoginFailure, Role
from heatdesk.accounts.services import user_upsert
from heatdesk.accounts.signin import PAIR_LIMIT

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
]
THREADS = 30


def test_thirty_parallel_guesses_get_at_most_the_limit_of_password_checks():
    user_upsert(username="lead", role=Role.DESK_LEAD, password="a-long-secret-pw")
    barrier = threading.Barrier(THREADS)
    statuses = [None] * THREADS

    def guess(i):
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/auth/token",
                {"username": "lead", "password": f"guess-{i}"},
                content_type="application/json",
                REMOTE_ADDR="10.0.0.66",
            )
            statuses[i] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= PAIR_LIMIT  # each 401 is one password checked
    assert LoginFailure.objects.filter(username="lead").count() == statuses.count(401)
