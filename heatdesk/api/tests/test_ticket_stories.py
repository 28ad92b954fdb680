"""The desk report's stories, played through the API; their event logs must read like the story."""

import datetime as dt
import io

import pytest

from heatdesk.reports.season_model import SITE_PHOTO

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def clock(time_machine):
    class Clock:
        def at(self, hour, minute, day=3):
            time_machine.move_to(dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ), tick=False)

    return Clock()


def test_the_urgent_leak_taken_by_operator_80725(api_as, clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    desk, station = api_as("80725"), api_as("station-cf-qiaokao")
    clock.at(21, 4)
    response = desk.post(
        "tickets",
        {
            "caller_phone": "13947100001",
            "address": "回民区蓝爵小区3号楼2单元501",
            "kind": "help",
            "category": "leak",
            "description": "卫生间暖气片接口跑水，水流到地面",
            "channel": "phone",
        },
    )
    assert response.status_code == 201, response.content
    ticket = response.json()
    number = ticket["number"]
    assert ticket["urgency"] == "urgent"
    assert ticket["owner"] == "80725"
    assert ticket["station"] == {"code": "cf-qiaokao", "name": "桥靠供暖所"}
    assert (ticket["building"], ticket["unit"], ticket["room"]) == ("3", "2", "501")
    assert ticket["compound"]["name"] == "蓝爵小区"

    clock.at(21, 6)
    assert desk.post(f"tickets/{number}/dispatch").json()["status"] == "dispatched"
    clock.at(21, 9)
    assert station.post(f"tickets/{number}/accept").json()["status"] == "accepted"
    clock.at(21, 10)
    station.post(f"tickets/{number}/depart")
    clock.at(21, 31)
    station.post(f"tickets/{number}/arrive", {"indoor_temp": 17.5})
    clock.at(21, 40)  # a leak is resolved only with a site photo
    photo = io.BytesIO(SITE_PHOTO)
    photo.name = "漏水.png"
    uploaded = station.client.post(f"/api/v1/tickets/{number}/attachments", {"file": photo}, headers=station.headers)
    assert uploaded.status_code == 201, uploaded.content
    clock.at(22, 15)
    resolved = station.post(
        f"tickets/{number}/resolve", {"cause": "pipe_leak", "indoor_temp": 19, "note": "更换暖气片接口垫片，已止水"}
    ).json()
    assert resolved.get("status") == "resolved", resolved
    clock.at(9, 20, day=4)
    closed = desk.post(
        f"tickets/{number}/callback",
        {"reached": True, "contacted": True, "fixed": True, "satisfaction": "very_satisfied", "comment": "来得很快"},
    )
    assert closed.status_code == 200, closed.content
    ticket = desk.get(f"tickets/{number}").json()
    assert ticket["status"] == "closed"
    assert ticket["satisfaction"] == "very_satisfied"
    assert ticket["dispatched_at"] == "2026-12-03T21:06:00+08:00"
    assert ticket["deadlines"]["response"] == "2026-12-03T21:36:00+08:00"  # urgent: 30 min
    assert ticket["deadlines"]["resolution"] == "2026-12-03T23:06:00+08:00"  # urgent: 2 h
    events = desk.get(f"tickets/{number}/events").json()
    assert [(e["kind"], e["actor"]) for e in events] == [
        ("create", "80725"),
        ("dispatch", "80725"),
        ("accept", "station-cf-qiaokao"),
        ("depart", "station-cf-qiaokao"),
        ("arrive", "station-cf-qiaokao"),
        ("attachment", "station-cf-qiaokao"),
        ("resolve", "station-cf-qiaokao"),
        ("callback", "80725"),
    ]
    assert events[4]["data"] == {"indoor_temp": 17.5}
    assert events[-1]["data"]["outcome"] == "closed"
    assert [e["at"][11:16] for e in events] == ["21:04", "21:06", "21:09", "21:10", "21:31", "21:40", "22:15", "09:20"]


def test_the_cold_radiator_where_bleeding_failed_and_a_crew_was_sent(api_as, clock):
    desk, station = api_as("80720"), api_as("station-cf-jinqiao")
    clock.at(19, 40)
    ticket = desk.post(
        "tickets",
        {
            "caller_phone": "15847100002",
            "address": "赛罕区万达二期1号楼1单元1202",
            "category": "not_warm",
            "description": "卧室暖气片上热下凉",
        },
    ).json()
    number = ticket["number"]
    assert ticket["station"]["code"] == "cf-jinqiao"
    assert ticket["compound"]["name"] == "万达广场二期"
    guided = desk.post(
        f"tickets/{number}/guide",
        {"solved": False, "steps": ["确认进回水阀门全开", "暖气片放气"], "note": "放气后仍不热"},
    ).json()
    assert guided["status"] == "received"
    assert guided["guidance_steps"] == ["确认进回水阀门全开", "暖气片放气"]
    desk.post(f"tickets/{number}/dispatch")
    clock.at(20, 5)
    station.post(f"tickets/{number}/accept")
    clock.at(20, 50)
    station.post(f"tickets/{number}/arrive", {"indoor_temp": 15.8})
    station.post(
        f"tickets/{number}/resolve", {"cause": "filter_blocked", "indoor_temp": 20.5, "note": "清洗户内过滤器"}
    )
    clock.at(10, 0, day=4)
    desk.post(
        f"tickets/{number}/callback", {"reached": True, "contacted": True, "fixed": True, "satisfaction": "satisfied"}
    )
    events = desk.get(f"tickets/{number}/events").json()
    assert [e["kind"] for e in events] == ["create", "guide", "dispatch", "accept", "arrive", "resolve", "callback"]
    assert events[1]["data"]["solved"] is False
    assert events[1]["data"]["steps"] == ["确认进回水阀门全开", "暖气片放气"]
    assert desk.get(f"tickets/{number}").json()["status"] == "closed"


def test_phone_guidance_that_works_closes_without_a_crew(api_as):
    desk = api_as("80734")
    number = desk.post(
        "tickets", {"caller_phone": "13300000003", "address": "玉泉区友谊小区5号楼1单元302", "category": "not_warm"}
    ).json()["number"]
    resolved = desk.post(f"tickets/{number}/guide", {"solved": True, "steps": ["暖气片放气"]}).json()
    assert resolved.get("status") == "resolved", resolved
    assert resolved["phone_resolved"] is True
    assert resolved["dispatched_at"] is None
