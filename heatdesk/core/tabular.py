"""Reading a table a user hands us: CSV (UTF-8 with or without BOM, else GB18030, which reads GBK and
GB2312 too) or XLSX (first sheet), one header row. Used by every importer, so all read files alike.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from heatdesk.core.errors import ValidationFailed

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
# Our CSV exports write formula-like text behind a `'` so no spreadsheet runs it; reading drops the `'`.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Strings stripped (and a formula guard `'` dropped), whole floats as integer text (Excel stores 3 as
    3.0); dates and numbers kept."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text
    return value


def _decode(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("无法识别文件编码 / the file is neither UTF-8 nor GBK")


class _Closable(Protocol):
    def close(self) -> None: ...


def _header_rows(path: Path, data: bytes) -> tuple[Sequence[object], Iterable[Sequence[object]], _Closable | None]:
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise ValidationFailed(f"不是有效的 XLSX 文件 / not a readable XLSX file: {error}") from error
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(header):
            workbook.close()
            raise ValidationFailed("工作表为空 / the first sheet is empty")
        return list(header), (list(row) for row in rows), workbook
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header = next(reader, None)
    if not header:
        raise ValidationFailed("文件为空 / the file is empty")
    return header, reader, None


def table_file_read(
    path: str | Path, *, headers: Mapping[str, str]
) -> tuple[list[str], list[tuple[int, dict[str, object]]]]:
    """The column names and (line number, row) pairs of a file; blank lines are skipped but keep numbering.

    Header cells are matched case-insensitively, or through `headers` (a Chinese spelling → column name).
    Raises ValidationFailed for a file that cannot be read.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"无法读取文件 / cannot read {path}: {error.strerror}") from error
    header, body, workbook = _header_rows(path, data)
    try:
        columns = []
        for name in header:
            text = str(name or "").strip().lstrip("\ufeff")
            columns.append(headers.get(text, text.lower()))
        rows = []
        for line, values in enumerate(body, start=2):
            cells = [_cell(value) for value in values]
            if not any(cell != "" for cell in cells):
                continue
            rows.append((line, {name: value for name, value in zip(columns, cells, strict=False) if name}))
    finally:
        if workbook is not None:
            workbook.close()
    return columns, rows
