import datetime as dt

import pytest

from heatdesk.core import clock


def test_the_clock_can_be_moved_for_a_block_and_comes_back():
    at = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    with clock.moved_to(at):
        assert clock.now() == at
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"), clock.moved_to(dt.datetime(2026, 12, 1)):
        pass
