"""Last season's tickets from an older system: CSV (UTF-8 with or without BOM, else GB18030) or XLSX
(first sheet), one header row. Read whole before anything is written; see services.tickets_import_rows.
"""

from __future__ import annotations

from pathlib import Path

from heatdesk.core.tabular import table_file_read

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


def ticket_file_rows(path: str | Path) -> list[tuple[int, dict]]:
    """(line number, row) pairs of a tickets file; ValidationFailed for a file that cannot be read."""
    return table_file_read(path, headers=CHINESE_HEADERS)[1]
