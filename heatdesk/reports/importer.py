"""Last season's tickets from an older system: CSV (UTF-8 with or without BOM, else GB18030) or XLSX
(first sheet), one header row. Read whole before anything is written; see services.tickets_import_rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from heatdesk.core.errors import ValidationFailed

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
# Header spellings of the desk's own spreadsheets, mapped to our column names.
CHINESE_HEADERS = {
    "工单号": "number",
    "受理时间": "created_at",
    "问题分类": "category",
    "诉求类型": "kind",
    "紧急程度": "urgency",
    "来源渠道": "channel",
    "来电号码": "caller_phone",
    "来电人": "caller_name",
    "诉求内容": "description",
    "地址": "address",
    "区": "district",
    "小区": "compound",
    "楼": "building",
    "单元": "unit",
    "室": "room",
    "供暖所编码": "station_code",
    "首问负责人": "owner",
    "派单时间": "dispatched_at",
    "响应时间": "accepted_at",
    "出发时间": "departed_at",
    "到达时间": "arrived_at",
    "处置完成时间": "resolved_at",
    "办结时间": "closed_at",
    "满意度": "satisfaction",
    "重办次数": "reopen_count",
    "退单次数": "return_count",
    "到达室温": "arrival_indoor_temp",
}


def _column(header: object) -> str:
    text = str(header or "").strip().lstrip("\ufeff")
    return CHINESE_HEADERS.get(text, text.lower())


def _cell(value: object) -> object:
    """Strings stripped, whole floats as integers' text; datetimes and numbers from XLSX kept as they are."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return value


def _table(header: list[object], body, first_line: int) -> list[tuple[int, dict]]:
    columns = [_column(name) for name in header]
    rows = []
    for line, values in enumerate(body, start=first_line):
        cells = [_cell(value) for value in values]
        if not any(cell not in ("", None) for cell in cells):
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


def ticket_file_rows(path: str | Path) -> list[tuple[int, dict]]:
    """(line number, row) pairs of a tickets file; ValidationFailed for a file that cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"无法读取文件 / cannot read {path}: {error.strerror}") from error
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
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
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header = next(reader, None)
    if not header:
        raise ValidationFailed("文件为空 / the file is empty")
    return _table(header, reader, first_line=2)
