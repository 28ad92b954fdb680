"""Per-class accuracy of address parsing and routing on the real-world corpus, and resolve latency.

Run: .venv/bin/python bench/bench_address.py [--compounds 5000] [--queries 1000] [--misses]

Builds a throw-away SQLite database in a temporary HEATDESK_DATA_DIR (HEATDESK_DATABASE_URL is
ignored so no real database is touched), imports the committed real-world gazetteer and building
ranges (heatdesk/geo/tests/data/realworld_*.csv) through the real importers, and prints, per class of
issue 14: cases, share right (routable: confident and on the right station; ambiguous / unknown: not
confident; mismatch: flagged and not confident) and share of building/unit/room exact. Then it adds
synthetic compounds up to --compounds and times `address_resolve` over the corpus texts (p50/p95/p99).
Exit status 1 when a target is missed: routed ≥ 97 %, parts ≥ 95 %, held ≥ 95 %, p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

P95_AT_MOST_MS = 50.0


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--misses", action="store_true", help="list every miss")
    options = parser.parse_args()

    os.environ["HEATDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="heatdesk-bench-address-")
    os.environ.pop("HEATDESK_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "heatdesk.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from heatdesk.geo import selectors
    from heatdesk.geo.gazetteer_index import gazetteer_index
    from heatdesk.geo.importer import building_ranges_import_file, gazetteer_import_file
    from heatdesk.geo.models import Compound
    from heatdesk.geo.services import gazetteer_import_rows
    from heatdesk.geo.tests import corpus_report
    from heatdesk.geo.tests.realworld import BUILDINGS_FILE, GAZETTEER_FILE
    from heatdesk.geo.tests.synthetic import synthetic_gazetteer

    call_command("migrate", verbosity=0)
    assert gazetteer_import_file(path=GAZETTEER_FILE).applied
    ranges = building_ranges_import_file(path=BUILDINGS_FILE)
    assert ranges.applied, ranges.rejected
    cases = corpus_report.corpus_cases()
    scored = corpus_report.corpus_score(cases)
    print(f"gazetteer: {Compound.objects.count()} compounds; corpus: {len(cases)} cases")
    print(corpus_report.report(scored, misses=options.misses))

    missing = options.compounds - Compound.objects.count()
    if missing > 0:  # fill up with synthetic compounds of names the city does not have yet
        known = set(Compound.objects.values_list("name", flat=True))
        extra = [
            row for row in synthetic_gazetteer(count=options.compounds + 500, seed=99) if row["compound"] not in known
        ]
        report = gazetteer_import_rows(rows=extra[:missing])
        assert report.applied, report.rejected[:3]
    started = time.perf_counter()
    gazetteer_index()
    build = time.perf_counter() - started
    texts = [case["text"] for case in cases]
    texts = (texts * (options.queries // len(texts) + 1))[: options.queries]
    samples = []
    for text in texts:
        started = time.perf_counter()
        selectors.address_resolve(address=text)
        samples.append((time.perf_counter() - started) * 1000)
    p95 = _percentile(samples, 0.95)
    print(
        f"\nresolve over {Compound.objects.count()} compounds, {len(samples)} calls: "
        f"p50 {_percentile(samples, 0.5):.1f} ms, p95 {p95:.1f} ms, p99 {_percentile(samples, 0.99):.1f} ms "
        f"(index build {build * 1000:.0f} ms, once)"
    )
    failed = []
    for expect, floor in (("route", 0.97), ("mismatch", 0.97), ("ambiguous", 0.95), ("unknown", 0.95)):
        for klass, (_, right, _, _) in corpus_report.class_rates(
            [s for s in scored if s.case["expect"] == expect]
        ).items():
            if right < floor:
                failed.append(f"{klass} right {right:.1%} < {floor:.0%}")
    for klass, (_, _, with_parts, parts) in corpus_report.class_rates(scored).items():
        if with_parts and parts < corpus_report.PARTS_AT_LEAST:
            failed.append(f"{klass} parts {parts:.1%} < 95%")
    if p95 > P95_AT_MOST_MS:
        failed.append(f"p95 {p95:.1f} ms > {P95_AT_MOST_MS} ms")
    print("targets: " + ("all met" if not failed else "MISSED: " + "; ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
