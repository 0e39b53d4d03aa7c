"""Why something failed, in one short sentence a person can read, in their own language.

Services store a code (``GenerationTask.reason_code``, ``Clip.media_reason``) beside an English
``fail_reason`` for staff; pages show ``sentence(code, ...)`` translated for whoever looks. The raw
gateway answer stays in the admin. Codes are the gateway verdicts (songs.gateway.verdicts) plus the
studio's own.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from songs import catalog

SENTENCES = {
    # What the gateway answered (songs.gateway.verdicts kinds)
    "not_supported": _(
        "This gateway does not offer {feature}. The button is hidden until staff check again, "
        "and your credits were given back."
    ),
    "unauthorized": _("The gateway refused the studio's key. Ask an administrator to check it."),
    "quota": _("The gateway account has run out of credits. Ask an administrator to top it up."),
    "refused_content": _(
        "The gateway refused the lyrics, style or title as not allowed. Change the wording and try again."
    ),
    "invalid": _("The gateway refused the request as invalid: {detail}"),
    "not_found": _("The gateway no longer knows this request."),
    "no_channel": _(
        "The gateway has no channel for this model right now. Try again later or pick another model."
    ),
    "unreachable": _("The gateway could not reach its music service. Try again later."),
    "timeout": _("The gateway took too long to answer. Try again later."),
    "rate_limited": _("The gateway is busy. Try again in a minute."),
    "unknown": _("The gateway reported an error: {detail}"),
    # The studio's own
    "outcome_unknown": _(
        "The gateway did not confirm this request in time. It was not sent again, because it may have "
        "been accepted and a second request could be billed twice. Try again if no clips appear."
    ),
    "feature_missing": _("This gateway does not offer {feature}."),
    "retrying": _("Not sent yet: {detail} Trying again shortly."),
    "broker_down": _(
        "Saved, not sent yet: the studio's job queue cannot be reached right now. It will be sent as soon "
        "as the queue is back; nothing is lost."
    ),
    "worker_busy": _(
        "Saved, waiting for the studio's worker: it is busy with other work or being restarted. It will "
        "be sent as soon as the worker takes it."
    ),
    "no_clips": _("The gateway finished the task but returned no clips."),
    "clip_missing": _("The gateway never delivered one of the clips; the others are here."),
    "media_forbidden": _(
        "The gateway's link to this audio stopped working. Try again; if it fails again, the audio is gone."
    ),
    "media_no_link": _("The gateway gave no working link for this clip's audio."),
    "media_failed": _("Could not save a copy of the audio: {detail}"),
    # What a family's own record status says (the sunoapi family's CREATE_TASK_FAILED, ...)
    "create_failed": _("The gateway could not start this request: {detail}"),
    "audio_failed": _("The music service failed while making it: {detail}"),
    "callback_failed": _("The gateway lost the result while handing it over. Try again."),
    "media_not_audio": _("The gateway's link gave a web page instead of the audio. Try again later."),
}


# What people must never read in a reason: internal addresses (a URL, an IP with or without its port, a
# host:port, localhost), which a gateway's own words may carry ("Error 111 connecting to 127.0.0.1:9518").
_ADDRESS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S+"  # URLs
    r"|\[[0-9a-f:]+\](?::\d+)?"  # [IPv6]:port
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"  # IPv4[:port]
    r"|\blocalhost(?::\d+)?\b"
    r"|\b[a-z0-9][a-z0-9.-]*\.[a-z]{2,}:\d+\b"  # host.name:port
    r"|\b[a-z][a-z0-9-]*:\d{2,5}\b",  # host:port (a letter first: "3:45" is a time)
    re.IGNORECASE,
)


def scrub(text: str) -> str:
    """The text with every internal address replaced: what a person may be shown of a gateway's words."""
    return _ADDRESS.sub(str(_("(an internal address)")), text)


def _timed_out(detail: str) -> str:
    try:
        minutes = int(detail)
    except ValueError:
        minutes = 0
    return ngettext(
        "Timed out: the gateway made no progress for %(minutes)s minute. Your credits were given back; "
        "if the gateway still finishes it, its songs will appear here.",
        "Timed out: the gateway made no progress for %(minutes)s minutes. Your credits were given back; "
        "if the gateway still finishes it, its songs will appear here.",
        minutes,
    ) % {"minutes": minutes}


# Sentences whose words depend on a number (said by ngettext): "1 minute", "15 minutes".
COUNTED = {"timed_out": _timed_out}


def sentence(code: str, *, detail: str = "", feature: str = "") -> str:
    """The sentence for a code, filled in; "" for a code it does not know."""
    if code in COUNTED:
        return COUNTED[code](detail.strip())
    template = SENTENCES.get(code)
    if template is None:
        return ""
    label = catalog.FEATURES.get(feature, feature)
    detail = scrub(detail.strip()) or str(_("no details given."))
    ends_sentence = re.search(r"\{detail\}($| [A-Z])", str(template)) is not None
    if ends_sentence and detail[-1:] not in ".!?。！？":
        detail += "."  # it ends a sentence: "Not sent yet: <detail>. Trying again shortly."
    return str(template).format(detail=detail, feature=label)


def english(code: str, *, detail: str = "") -> str:
    """The sentence in English, as staff read it in the admin (people read it in their own language)."""
    with translation.override("en"):
        return sentence(code, detail=detail, feature=detail) or detail
