import datetime as dt

from django.contrib.auth import logout
from ninja import Router, Schema, Status

from heatdesk.accounts import selectors, services

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: dt.datetime


class ScopeOut(Schema):
    everything: bool
    stations: list[str]
    companies: list[str]
    communities: list[str]


class MeOut(Schema):
    username: str
    display_name: str
    job_number: str
    roles: list[str]
    scope: ScopeOut


@router.post("/auth/token", auth=None, response={200: TokenOut})
def token_create(request, payload: TokenIn):
    """Exchange username and password for a bearer token (throttled after repeated failures)."""
    raw, token = services.token_issue(request=request, username=payload.username, password=payload.password)
    return {"token": raw, "token_type": "bearer", "expires_at": token.expires_at}


@router.post("/auth/logout", response={204: None})
def token_logout(request):
    """Revoke the bearer token this request carries (and end the session, when it came with one)."""
    token = getattr(request, "api_token", None)
    if token is not None:
        services.token_revoke(token=token)
    else:
        logout(request)
    return Status(204, None)


@router.get("/me", response=MeOut)
def me(request):
    """Who the caller is: role and the organisation codes that bound what they see."""
    user = request.auth
    scope = selectors.user_scope(user=user)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "job_number": user.job_number,
        "roles": [user.role],
        "scope": {
            "everything": scope.sees_everything,
            "stations": list(scope.station_codes),
            "companies": list(scope.company_codes),
            "communities": list(scope.community_codes),
        },
    }
