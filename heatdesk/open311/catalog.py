"""The Open311 services: our ticket categories (DESIGN §8), with the questions a category needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from heatdesk.core.vocabulary import Category


@dataclass(frozen=True)
class Attribute:
    """One GeoReport v2 service-definition attribute."""

    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    description: str
    required: bool = False
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name)
    variable: bool = True


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    keywords: str
    group: str
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)


INDOOR_TEMP = Attribute(
    code="indoor_temp",
    datatype="number",
    description="室内温度(°C)，请在房间中部离地1.5米处测量 / indoor temperature in °C, measured mid-room",
    datatype_description="摄氏度，如 16.5 / degrees Celsius, e.g. 16.5",
)
SCOPE = Attribute(
    code="scope",
    datatype="singlevaluelist",
    description="影响范围 / how far it reaches",
    values=(
        ("some_rooms", "部分房间 / some rooms"),
        ("whole_home", "全屋 / the whole home"),
        ("whole_building", "整栋楼 / the whole building"),
    ),
)
LEAK_PLACE = Attribute(
    code="leak_place",
    datatype="singlevaluelist",
    description="漏水位置 / where the water leaks",
    required=True,
    values=(
        ("indoor", "户内暖气片或管道 / radiator or pipe at home"),
        ("stairwell", "楼道或地下室 / stairwell or basement"),
        ("outdoor", "室外管网 / pipes outdoors"),
    ),
)

SERVICES: tuple[Service, ...] = (
    Service(
        Category.NOT_WARM,
        "暖气不热",
        "暖气片或地暖温度低、不均匀 / radiators or floor heating lukewarm or uneven",
        "不热,暖气凉,not warm,cold radiator",
        "供热质量 heating quality",
        (INDOOR_TEMP, SCOPE),
    ),
    Service(
        Category.LEAK,
        "漏水/跑水",
        "暖气片、管道或阀门漏水跑水（紧急）/ a radiator, pipe or valve leaks (urgent)",
        "漏水,跑水,爆管,leak,flooding",
        "安全 safety",
        (LEAK_PLACE,),
    ),
    Service(
        Category.NO_HEAT,
        "停热",
        "完全没有供热 / no heating at all",
        "停热,没暖气,no heat,outage",
        "供热质量 heating quality",
        (SCOPE,),
    ),
    Service(
        Category.BELOW_STANDARD,
        "温度不达标",
        "室温低于18°C的供热标准 / indoor temperature below the 18 °C standard",
        "室温低,不达标,below standard,18",
        "供热质量 heating quality",
        (
            Attribute(
                code=INDOOR_TEMP.code,
                datatype=INDOOR_TEMP.datatype,
                description=INDOOR_TEMP.description,
                datatype_description=INDOOR_TEMP.datatype_description,
                required=True,
            ),
        ),
    ),
    Service(
        Category.BILLING,
        "收费",
        "供热收费、缴费、退费问题 / heating bills and refunds",
        "收费,缴费,billing",
        "服务 service",
    ),
    Service(
        Category.SERVICE_CHANGE,
        "报停报开",
        "申请停止或恢复供热 / stop or resume the heating service",
        "报停,报开,stop,resume",
        "服务 service",
    ),
    Service(Category.OTHER, "其他", "其他供热问题 / any other heating matter", "其他,other", "服务 service"),
)

SERVICE_BY_CODE = {service.code: service for service in SERVICES}


def attribute_errors(service: Service, given: dict[str, list[str]]) -> list[str]:
    """What is wrong with the attributes a client sent for a service (empty when they are fine)."""
    problems = []
    known = {attribute.code: attribute for attribute in service.attributes}
    for code in given:
        if code not in known:
            problems.append(f"未知属性 / unknown attribute {code}")
    for attribute in service.attributes:
        values = [value for value in given.get(attribute.code, []) if value != ""]
        if not values:
            if attribute.required:
                problems.append(f"缺少必填属性 / attribute[{attribute.code}] is required")
            continue
        if attribute.datatype == "number":
            try:
                finite = Decimal(values[0]).is_finite()
            except InvalidOperation:
                finite = False
            if not finite:
                problems.append(f"attribute[{attribute.code}] 须为数字 / must be a number")
        if attribute.values:
            keys = {key for key, _name in attribute.values}
            if any(value not in keys for value in values):
                problems.append(f"attribute[{attribute.code}] 须为 / must be one of {', '.join(sorted(keys))}")
    return problems


def attributes_text(service: Service, given: dict[str, list[str]]) -> str:
    """The answers as one readable line for the ticket's description, e.g. `室内温度: 16 · 影响范围: 全屋`."""
    parts = []
    for attribute in service.attributes:
        values = [value for value in given.get(attribute.code, []) if value != ""]
        if not values:
            continue
        names = dict(attribute.values)
        shown = ", ".join(names.get(value, value).split(" / ")[0] for value in values)
        parts.append(f"{attribute.description.split(' / ')[0].split('，')[0]}: {shown}")
    return " · ".join(parts)
