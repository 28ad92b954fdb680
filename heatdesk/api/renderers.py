import json

from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese left readable (no \\u escapes), as outside systems and people read it."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)
