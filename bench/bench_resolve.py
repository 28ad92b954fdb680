"""Latency of address resolution and compound autocomplete over a 5,000-compound gazetteer.

Run: .venv/bin/python bench/bench_resolve.py [--compounds 5000] [--queries 2000]

Builds a throw-away SQLite database in a temporary HEATDESK_DATA_DIR (HEATDESK_DATABASE_URL is
ignored so no real database is touched), imports the synthetic gazetteer through the real importer,
then times, in this one process:
  * "function": heatdesk.geo.selectors.address_resolve / compound_autocomplete, called directly;
  * "api":      GET /api/v1/geo/resolve and /api/v1/geo/compounds through Django's test Client
                (URL routing, middleware, session auth, ninja validation and JSON rendering).
Each timed call includes the per-call gazetteer version check (two aggregate queries); the one-off
index build is reported apart.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _percentiles(samples: list[float]) -> tuple[float, float, float, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return at(0.50), at(0.95), at(0.99), statistics.fmean(ordered)


def _time(call, inputs) -> list[float]:
    samples = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=2000)
    options = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="heatdesk-bench-")
    os.environ["HEATDESK_DATA_DIR"] = data_dir
    os.environ.pop("HEATDESK_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "heatdesk.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from heatdesk.accounts.models import Role
    from heatdesk.accounts.services import user_upsert
    from heatdesk.geo import selectors
    from heatdesk.geo.gazetteer_index import gazetteer_index, gazetteer_index_invalidate
    from heatdesk.geo.names import name_forms
    from heatdesk.geo.services import gazetteer_import_rows
    from heatdesk.geo.tests.synthetic import address_corpus, synthetic_gazetteer

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    rows = synthetic_gazetteer(count=options.compounds)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    report = gazetteer_import_rows(rows=rows)
    imported = time.perf_counter() - started
    assert report.applied, report.rejected[:5]
    name_forms.cache_clear()  # the generator warmed it; time a cold build as a fresh process would
    gazetteer_index_invalidate()
    started = time.perf_counter()
    gazetteer_index()
    built_cold = time.perf_counter() - started
    from heatdesk.geo.models import Compound
    from heatdesk.geo.services import compound_alias_learn

    compound_alias_learn(compound=Compound.objects.order_by("id").first(), text="基准测试别名苑")
    started = time.perf_counter()
    index = gazetteer_index()  # rebuilt because the version moved; names are cached
    built_warm = time.perf_counter() - started

    rng = random.Random(7)
    corpus = address_corpus(rows, per_kind=max(10, options.queries // 20), unknown=options.queries // 10)
    addresses = [(line["text"], line["district_param"] or None) for line in corpus]
    rng.shuffle(addresses)
    addresses = (addresses * (options.queries // len(addresses) + 1))[: options.queries]
    prefixes = []
    for row in rng.sample(rows, min(len(rows), options.queries)):
        forms = name_forms(row["compound"])
        prefixes.append(rng.choice((row["compound"][:2], row["compound"][1:3], forms.initials[:3], forms.pinyin[:5])))

    user, _ = user_upsert(username="bench-operator", role=Role.OPERATOR, password="bench-password-1")
    client = Client()
    client.force_login(user)

    def api_resolve(item):
        response = client.get("/api/v1/geo/resolve", {"address": item[0], **({"district": item[1]} if item[1] else {})})
        assert response.status_code == 200, response.content

    def api_compounds(query):
        response = client.get("/api/v1/geo/compounds", {"q": query, "limit": 10})
        assert response.status_code == 200, response.content

    for item in addresses[:50]:  # warm caches and code paths
        selectors.address_resolve(address=item[0], district=item[1])
        api_resolve(item)

    results = {
        ("resolve", "function"): _time(
            lambda item: selectors.address_resolve(address=item[0], district=item[1]), addresses
        ),
        ("resolve", "api"): _time(api_resolve, addresses),
        ("autocomplete", "function"): _time(lambda query: selectors.compound_autocomplete(query=query), prefixes),
        ("autocomplete", "api"): _time(api_compounds, prefixes),
    }
    confident = sum(selectors.address_resolve(address=text, district=d).confident for text, d in addresses[:500])

    print(f"gazetteer: {len(rows)} compounds, {len(index.names)} indexed names and aliases (SQLite, {data_dir})")
    print(
        f"generate {generated:.1f} s · import {imported:.1f} s · index build: cold {built_cold * 1000:.0f} ms, "
        f"after a learned alias {built_warm * 1000:.0f} ms (once per change per process)"
    )
    print(f"queries: {len(addresses)} addresses (corpus kinds incl. unknown), {len(prefixes)} autocomplete prefixes")
    print(f"confident on the first 500 addresses: {confident / 5:.1f} %")
    print()
    print(
        f"| {'operation':13} | {'path':8} | {'n':>5} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'mean ms':>7} |"
    )
    print(f"|{'-' * 15}|{'-' * 10}|{'-' * 7}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for (operation, path), samples in results.items():
        p50, p95, p99, mean = _percentiles(samples)
        print(f"| {operation:13} | {path:8} | {len(samples):5} | {p50:7.2f} | {p95:7.2f} | {p99:7.2f} | {mean:7.2f} |")


if __name__ == "__main__":
    main()
