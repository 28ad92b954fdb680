import json

from django.http import HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese left readable (no \\u escapes), as outside systems and people read it."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


RENDERER = Utf8JSONRenderer()


def json_response(request, data, *, status: int = 200) -> HttpResponse:
    """What NinjaAPI.create_response sends, for a body already built in its schema's exact shape (the
    operation then skips re-validating it)."""
    content = RENDERER.render(request, data, response_status=status)
    return HttpResponse(content, status=status, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
