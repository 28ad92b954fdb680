"""The running SLA clocks move from sla to tickets (state only: the table sla_slaclock and its rows stay)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_index_closed_and_callback_times"),
        ("sla", "0005_index_running_clocks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SlaClock",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("stage", models.CharField(choices=[("dispatch", "派单"), ("response", "响应"), ("resolution", "处置"), ("callback", "回访")], max_length=12, verbose_name="环节")),
                        ("urgency", models.CharField(choices=[("normal", "一般"), ("urgent", "紧急")], max_length=10, verbose_name="紧急程度")),
                        ("station_code", models.CharField(blank=True, default="", max_length=40, verbose_name="供暖所")),
                        ("company_code", models.CharField(blank=True, default="", max_length=40, verbose_name="供热企业")),
                        ("started_at", models.DateTimeField(verbose_name="开始")),
                        ("warn_at", models.DateTimeField(verbose_name="预警时间")),
                        ("due_at", models.DateTimeField(verbose_name="时限")),
                        ("met_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                        ("next_threshold_at", models.DateTimeField(blank=True, null=True, verbose_name="下一阈值")),
                        ("ticket", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sla_clocks", to="tickets.ticket")),
                    ],
                    options={
                        "db_table": "sla_slaclock",
                        "verbose_name": "时限计时",
                        "verbose_name_plural": "时限计时",
                        "indexes": [
                            models.Index(condition=models.Q(("next_threshold_at__isnull", False)), fields=["next_threshold_at"], name="sla_clock_next_threshold"),
                            models.Index(condition=models.Q(("met_at__isnull", True)), fields=["stage", "due_at"], name="sla_clock_running"),
                        ],
                        "constraints": [models.UniqueConstraint(fields=("ticket", "stage"), name="unique_clock_per_stage")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
