from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from heatdesk.geo import selectors
from heatdesk.incidents.selectors import incident_banner

router = Router(tags=["geo"])

NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CompanyOut(Schema):
    code: str
    name: str


class StationOut(Schema):
    code: str
    name: str
    company: CompanyOut
    branch: str | None = None

    @staticmethod
    def resolve_branch(station):
        return station.branch.name if station.branch else None


class OrgOut(Schema):
    code: str
    name: str


class CompoundRefOut(Schema):
    code: str
    name: str
    district: str


class CandidateOut(Schema):
    compound: CompoundRefOut
    station: OrgOut
    score: float


class IncidentBannerOut(Schema):
    code: str
    cause: str
    expected_restore_at: str
    calls: int


class ResolveOut(Schema):
    compound: CompoundRefOut | None
    building: str | None = Field(
        description='楼号,如 "3"、"A"、"10B";不会是楼层或门牌号 / building as typed, never a floor or road number'
    )
    unit: str | None = Field(description='单元,如 "2"、"A"、"东" / unit')
    floor: str | None = Field(description='楼层,如 "5"(3号楼2单元5楼501) / floor, when said')
    room: str | None = Field(description='室/户,如 "501"、"东" / room')
    station: OrgOut | None
    substation: OrgOut | None
    confidence: float = Field(ge=0, le=1)
    confident: bool = Field(description="可自动派单 / safe to route without asking")
    district_mismatch: bool = Field(
        description="所说的区不含匹配到的小区(此时 confident 为 false) / the district named does not hold the compound"
    )
    candidates: list[CandidateOut]
    incident: IncidentBannerOut | None = Field(None, description="the open outage (停热事件) at this address")


class ResolveQuery(Schema):
    address: NonBlank = Field(description="地址原文 / the address as typed or said")
    district: str | None = Field(None, max_length=40, description="区名或区划代码 / district name or code")


class CompoundSuggestionOut(Schema):
    code: str
    name: str
    district: str
    station: OrgOut

    @staticmethod
    def resolve_district(compound):
        return compound.district.name


class CompoundQuery(Schema):
    q: NonBlank = Field(description="名称、别名、全拼或首字母 / name, alias, pinyin or initials")
    limit: int = Field(10, ge=1, le=50)
    district: str | None = Field(None, max_length=40)


@router.get("/stations", response=list[StationOut])
def stations(request):
    """Every heating station (供暖所) with its code, name and company."""
    return list(selectors.station_list())


@router.get("/companies", response=list[CompanyOut])
def companies(request):
    """Every heating company (供热企业) with its code and name."""
    return list(selectors.company_list())


@router.get("/resolve", response=ResolveOut)
def resolve(request, filters: Query[ResolveQuery]):
    """Parse an address and propose the compound and serving station; route only when `confident`."""
    body = selectors.address_resolve(address=filters.address, district=filters.district).as_json()
    compound = body.get("compound")
    body["incident"] = incident_banner(compound_code=compound["code"] if compound else None, building=body["building"])
    return body


@router.get("/compounds", response=list[CompoundSuggestionOut])
def compounds(request, filters: Query[CompoundQuery]):
    """Compounds for autocomplete: name or alias prefix/contains, full pinyin or initials."""
    return selectors.compound_autocomplete(query=filters.q, limit=filters.limit, district=filters.district)
