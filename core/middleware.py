import re
import uuid

SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Every request gets an id (the proxy's `X-Request-ID` when it is sane, a new one
    otherwise), kept in `request.request_id` for the logs and the access journal, and sent back
    in the response's `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if SAFE_ID.match(given) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
