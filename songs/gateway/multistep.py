"""The reseller's multi-step upload (docs/protocol.md 7.4), for gateways without the one-call audio-url.

1. ``POST /suno/uploads/audio`` ``{"extension": "mp3"}`` answers an audio id and a storage form (``url``,
   ``fields``); 2. the file goes to that form (multipart, straight to the storage, no key); 3. ``POST
   .../{id}/upload-finish``; 4. ``GET .../{id}`` until ``status`` is ``complete`` (or ``error``); 5. ``POST
   .../{id}/initialize-clip`` answers the ``clip_id`` the studio then continues or covers.

Only step 5 makes something that may bill (a clip): it is sent once, as every submit is. A failure before
it leaves nothing usable behind, so the request may be tried again from step 1.
"""

from __future__ import annotations

import pathlib
import time
from typing import Any
from urllib.parse import quote

import httpx

from songs.gateway import download, netguard
from songs.gateway.client import Gateway, failure_logged, tls_context
from songs.gateway.errors import HTTPX_ERRORS, GatewayError, bad_response, network_error, status_code_name
from songs.gateway.formats import ApiRequest
from songs.gateway.parse import as_text

UPLOADS_PATH = "/suno/uploads/audio"
# Step 4: how long the gateway may take to process the file, and how often it is asked.
PROCESS_SECONDS = 120.0
PROCESS_POLL_SECONDS = 2.0


def _read_slot(body: Any) -> tuple[str, str, dict]:
    if isinstance(body, dict) and body.get("code") == "success" and isinstance(body.get("data"), dict):
        body = body["data"]
    audio_id = as_text(body.get("id")) if isinstance(body, dict) else ""
    url = as_text(body.get("url")) if isinstance(body, dict) else ""
    fields = body.get("fields") if isinstance(body, dict) else None
    if not audio_id or not url or not isinstance(fields, dict):
        raise bad_response("The gateway's upload slot has no id, url or fields")
    return audio_id, url, {str(key): as_text(value) for key, value in fields.items()}


def _read_state(body: Any) -> tuple[str, str]:
    if isinstance(body, dict) and body.get("code") == "success" and isinstance(body.get("data"), dict):
        body = body["data"]
    if not isinstance(body, dict):
        raise bad_response("The gateway's upload state is not an object")
    return as_text(body.get("status")).lower(), as_text(body.get("error_message"))


def _read_clip_id(body: Any) -> str:
    if isinstance(body, dict) and body.get("code") == "success":
        data = body.get("data")
        body = data if isinstance(data, dict) else {"clip_id": data}
    clip_id = as_text(body.get("clip_id")) if isinstance(body, dict) else ""
    if not clip_id:
        raise bad_response("The gateway's initialized upload carries no clip_id")
    return clip_id


def _ignore(body: Any) -> None:
    return None


def upload_file(gateway: Gateway, *, path: pathlib.Path, filename: str) -> str:
    """Upload the MP3 at ``path`` in the reseller's steps; returns the new clip's id."""
    audio_id, form_url, fields = gateway.call(
        ApiRequest("POST", UPLOADS_PATH, _read_slot, {"extension": "mp3"})
    )
    _post_form(gateway, form_url, fields, path, filename)
    base = f"{UPLOADS_PATH}/{quote(audio_id, safe='')}"
    finish = {"upload_type": "file_upload", "upload_filename": filename}
    gateway.call(ApiRequest("POST", f"{base}/upload-finish", _ignore, finish))
    deadline = time.monotonic() + PROCESS_SECONDS
    while True:
        status, error = gateway.call(ApiRequest("GET", base, _read_state))
        if status == "complete":
            break
        if status == "error":
            raise GatewayError("upload_failed", error or "The gateway could not process the upload")
        if time.monotonic() > deadline:
            raise GatewayError("timeout", "The gateway did not finish processing the upload", retryable=True)
        gateway.retry.sleep(PROCESS_POLL_SECONDS)
    return gateway.submit_call(ApiRequest("POST", f"{base}/initialize-clip", _read_clip_id, {}))


def _post_form(gateway: Gateway, url: str, fields: dict, path: pathlib.Path, filename: str) -> None:
    """Step 2: the file to the storage form the gateway named, vetted like any link it gives (no key)."""
    try:
        netguard.check_url(url, resolve=download.media_resolve)  # looked up now: tests replace it
    except netguard.UnsafeURL as exc:
        raise GatewayError("unsafe_url", f"The upload form's address was refused: {exc.message}") from exc
    with (
        failure_logged("POST", httpx.URL(url).path),
        httpx.Client(
            transport=gateway.transport, verify=tls_context(), timeout=gateway.http.timeout, trust_env=False
        ) as client,
        open(path, "rb") as handle,
    ):
        try:
            response = client.post(url, data=fields, files={"file": (filename, handle, "audio/mpeg")})
        except HTTPX_ERRORS as exc:
            raise network_error(exc, submit=False, peer="the upload storage") from exc
        if not response.is_success:
            raise GatewayError(
                status_code_name(response.status_code),
                f"The upload storage answered HTTP {response.status_code}",
                http_status=response.status_code,
                retryable=response.status_code >= 500,
            )
