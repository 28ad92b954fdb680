"""Gazetteer files: CSV (UTF-8 with or without BOM, else GBK) or XLSX (first sheet), DESIGN §6 columns.

A file is read whole before anything is written. A missing required column rejects the file; a bad
row rejects the import (the report names every bad line); either way nothing changes. Export writes
the same columns, so exporting and importing again changes nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo import selectors
from heatdesk.geo.services import (
    GAZETTEER_COLUMNS,
    REQUIRED_COLUMNS,
    ImportReport,
    gazetteer_import_rows,
)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 files too
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


def _column_name(header: object) -> str:
    text = str(header or "").strip().lstrip("\ufeff")
    return CHINESE_HEADERS.get(text, text.lower())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(header: list[str], body: Iterator[list[object]], first_line: int) -> list[tuple[int, dict[str, str]]]:
    columns = [_column_name(name) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValidationFailed(
            f"缺少必需列 / missing required columns: {', '.join(missing)} "
            f"(表头 / header: {', '.join(str(name) for name in header)})"
        )
    rows = []
    for line, values in enumerate(body, start=first_line):
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue  # blank lines are not rows
        rows.append((line, {name: value for name, value in zip(columns, cells, strict=False) if name}))
    return rows


def _decode(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("无法识别文件编码 / the file is neither UTF-8 nor GBK")


def _read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header = next(reader, None)
    if not header:
        raise ValidationFailed("文件为空 / the file is empty")
    return _table(header, reader, first_line=2)


def _read_xlsx(data: bytes) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationFailed(f"不是有效的 XLSX 文件 / not a readable XLSX file: {error}") from error
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(header):
            raise ValidationFailed("工作表为空 / the first sheet is empty")
        return _table(list(header), (list(row) for row in rows), first_line=2)
    finally:
        workbook.close()


def gazetteer_file_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a gazetteer file; raises ValidationFailed for an unreadable file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"无法读取文件 / cannot read {path}: {error.strerror}") from error
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return _read_xlsx(data)
    return _read_csv(data)


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
