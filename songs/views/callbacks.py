"""The address a gateway calls back (songs.services.callbacks): no login, the token is the key."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from songs.services import callbacks

# A callback body is a task record: a few KB. Anything much larger is not one.
MAX_BODY = 256 * 1024


@csrf_exempt  # a gateway, not a browser: the unguessable address (and kie's signature) authenticate it
@require_POST
def gateway_callback(request: HttpRequest, token: str) -> JsonResponse:
    """Wake the task this address was made for. Its body is read only for the task ids it names (and the
    signature); what is stored comes from a fetch of the gateway's own record."""
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        return JsonResponse({"code": 413, "msg": "The callback body is too large."}, status=413)
    try:
        woken = callbacks.callback_receive(token=token, raw=request.body, headers=request.headers)
    except callbacks.CallbackRefused as exc:
        return JsonResponse({"code": exc.status, "msg": str(exc)}, status=exc.status)
    # 200 whatever it said: the gateway has done its part, and a repeated call is welcome, not an error.
    return JsonResponse({"code": 200, "msg": "success", "woken": woken})
