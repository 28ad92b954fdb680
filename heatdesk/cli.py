"""The `heatdesk` command: every Django management command, plus demo, serve, worker and friends.

Options that decide the settings (`--data-dir`) are read here, before Django starts.
"""

from __future__ import annotations

import os
import sys

# DESIGN §8 spells commands with dashes; Django names them after their module files.
ALIASES = {
    "import-gazetteer": "import_gazetteer",
    "export-gazetteer": "export_gazetteer",
    "import-buildings": "import_buildings",
    "export-buildings": "export_buildings",
    "simulate-season": "simulate_season",
    "import-tickets": "import_tickets",
    "seal-kpi-days": "seal_kpi_days",
    "open311-key": "open311_key",
    "purge-pii": "purge_pii",
    "sms-deliver": "sms_deliver",
}


def _take_option(argv: list[str], name: str) -> str | None:
    """Remove `--name VALUE` or `--name=VALUE` from argv and return VALUE."""
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            value = argv[index + 1]
            del argv[index : index + 2]
            return value
        if arg.startswith(name + "="):
            del argv[index]
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    if len(args) >= 2 and args[0] == "help":
        args[1] = ALIASES.get(args[1], args[1])
    if args and args[0] == "demo":
        data_dir = _take_option(args, "--data-dir")
        if data_dir:
            os.environ["HEATDESK_DATA_DIR"] = os.path.abspath(os.path.expanduser(data_dir))
        os.environ["HEATDESK_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["heatdesk", *args])


if __name__ == "__main__":
    main()
