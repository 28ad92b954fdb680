"""Gazetteer files: CSV (UTF-8 with or without BOM, else GBK) or XLSX (first sheet), DESIGN §6 columns.

A file is read whole before anything is written. A missing required column rejects the file; a bad
row rejects the import (the report names every bad line); either way nothing changes. Export writes
the same columns, so exporting and importing again changes nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

from heatdesk.core.errors import ValidationFailed
from heatdesk.core.tabular import SPREADSHEET_SUFFIXES, table_file_read
from heatdesk.geo import selectors
from heatdesk.geo.building_ranges import (
    EXPORT_COLUMNS,
    BuildingImportReport,
    building_range_export_rows,
    building_ranges_import_rows,
)
from heatdesk.geo.services import (
    GAZETTEER_COLUMNS,
    REQUIRED_COLUMNS,
    ImportReport,
    gazetteer_import_rows,
)

# Header spellings found in the desk's own spreadsheets, mapped to the DESIGN §6 column names.
CHINESE_HEADERS = {
    "区": "district",
    "区县": "district",
    "旗县区": "district",
    "街道": "street",
    "社区": "community",
    "小区": "compound",
    "小区名称": "compound",
    "别名": "aliases",
    "供暖所编码": "station_code",
    "供暖所": "station_name",
    "供暖所名称": "station_name",
    "供热企业": "company",
    "企业": "company",
    "分公司": "branch",
    "换热站": "substation",
    "户数": "households",
    "建成年份": "built_year",
}


def gazetteer_file_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a gazetteer file; raises ValidationFailed for an unreadable file
    or one without the required columns."""
    columns, rows = table_file_read(path, headers=CHINESE_HEADERS)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValidationFailed(
            f"缺少必需列 / missing required columns: {', '.join(missing)} (表头 / header: {', '.join(columns)})"
        )
    return [(line, {name: str(value) for name, value in row.items()}) for line, row in rows]


def gazetteer_import_file(*, path: str | Path, dry_run: bool = False) -> ImportReport:
    """Import a gazetteer file all or nothing; blank lines are skipped but keep the line numbers."""
    numbered = gazetteer_file_rows(path)
    return gazetteer_import_rows(
        rows=[row for _, row in numbered], line_numbers=[line for line, _ in numbered], dry_run=dry_run
    )


def gazetteer_export_file(*, path: str | Path) -> int:
    """Write the gazetteer to CSV (UTF-8 with BOM, so Excel reads it) or XLSX by extension."""
    path = Path(path)
    rows = list(selectors.gazetteer_export_rows())
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "gazetteer"
        sheet.append(list(GAZETTEER_COLUMNS))
        for row in rows:
            sheet.append(
                [
                    int(row[name]) if name in ("households", "built_year") and row[name] else row[name]
                    for name in GAZETTEER_COLUMNS
                ]
            )
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=GAZETTEER_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)


BUILDING_HEADERS = {
    "小区": "compound",
    "小区名称": "compound",
    "楼号": "buildings",
    "楼栋": "buildings",
    "供暖所编码": "station_code",
    "换热站": "substation",
    "区": "district",
}


def building_ranges_import_file(*, path: str | Path, dry_run: bool = False) -> BuildingImportReport:
    """Import building ranges (compound, buildings, station_code, substation) all or nothing."""
    columns, rows = table_file_read(path, headers=BUILDING_HEADERS)
    missing = [name for name in ("compound", "buildings", "station_code") if name not in columns]
    if missing:
        raise ValidationFailed(
            f"缺少必需列 / missing required columns: {', '.join(missing)} (表头 / header: {', '.join(columns)})"
        )
    numbered = [(line, {name: str(value) for name, value in row.items()}) for line, row in rows]
    return building_ranges_import_rows(
        rows=[row for _, row in numbered], line_numbers=[line for line, _ in numbered], dry_run=dry_run
    )


def building_ranges_export_file(*, path: str | Path) -> int:
    """Write the building ranges to CSV (UTF-8 with BOM) or XLSX by extension, import-ready."""
    path = Path(path)
    rows = list(building_range_export_rows())
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "buildings"
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append([row[name] for name in EXPORT_COLUMNS])
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)
