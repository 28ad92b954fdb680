from ninja import Router, Schema

from heatdesk.geo import selectors

router = Router(tags=["geo"])


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


@router.get("/stations", response=list[StationOut])
def stations(request):
    """Every heating station (供暖所) with its code, name and company."""
    return list(selectors.station_list())


@router.get("/companies", response=list[CompanyOut])
def companies(request):
    """Every heating company (供热企业) with its code and name."""
    return list(selectors.company_list())
