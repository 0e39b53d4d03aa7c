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
    "timed_out": _("Timed out: the gateway gave no result within {detail} minutes."),
    "no_clips": _("The gateway finished the task but returned no clips."),
    "clip_missing": _("The gateway never delivered one of the clips; the others are here."),
    "media_forbidden": _(
        "The gateway's link to this audio stopped working. Try again; if it fails again, the audio is gone."
    ),
    "media_no_link": _("The gateway gave no working link for this clip's audio."),
    "media_failed": _("Could not save a copy of the audio: {detail}"),
}


def sentence(code: str, *, detail: str = "", feature: str = "") -> str:
    """The sentence for a code, filled in; "" for a code it does not know."""
    template = SENTENCES.get(code)
    if template is None:
        return ""
    label = catalog.FEATURES.get(feature, feature)
    detail = detail.strip() or str(_("no details given."))
    ends_sentence = re.search(r"\{detail\}($| [A-Z])", str(template)) is not None
    if ends_sentence and detail[-1:] not in ".!?。！？":
        detail += "."  # it ends a sentence: "Not sent yet: <detail>. Trying again shortly."
    return str(template).format(detail=detail, feature=label)


def english(code: str, *, detail: str = "") -> str:
    """The sentence in English, as staff read it in the admin (people read it in their own language)."""
    with translation.override("en"):
        return sentence(code, detail=detail, feature=detail) or detail
