"""Seed the Hohhot desk's default SLA windows (DESIGN §4) so desk leads can edit them."""

from django.db import migrations

MINUTE, HOUR = 60, 3600
DEFAULTS = [
    ("normal", "dispatch", 10 * MINUTE), ("urgent", "dispatch", 10 * MINUTE),
    ("normal", "response", HOUR), ("urgent", "response", 30 * MINUTE),
    ("normal", "resolution", 24 * HOUR), ("urgent", "resolution", 2 * HOUR),
    ("normal", "callback", 24 * HOUR), ("urgent", "callback", 24 * HOUR),
]


def seed(apps, schema_editor):
    rule = apps.get_model("sla", "SlaRule")
    for urgency, stage, seconds in DEFAULTS:
        rule.objects.get_or_create(urgency=urgency, stage=stage, defaults={"seconds": seconds, "warn_at": "0.8"})


def unseed(apps, schema_editor):
    apps.get_model("sla", "SlaRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_add_sla_rule")]
    operations = [migrations.RunPython(seed, unseed)]
