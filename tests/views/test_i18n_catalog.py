"""The zh-Hans catalogs are complete and no template shows English outside the translation tags.

An operator notices both at once: a Chinese page with an English sentence in it. The catalogs are read
with Babel (the library `make` compiles them with), the templates with a plain regex scan of their text
nodes and of the attributes a person reads (title, alt, aria-label, placeholder, hx-confirm, value).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
CATALOGS = [ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / name for name in ("django.po", "djangojs.po")]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

# Symbols a page may show as they are, in any language. Letters are never allowed outside the tags.
ALLOWED_SYMBOLS = set("♪·/←→⋯♥♡“”:.,()[]–—-…#|+×%")
READ_ATTRIBUTES = r"(?:title|alt|aria-label|aria-description|placeholder|hx-confirm|value)"


def untranslated_text(source: str) -> list[str]:
    """Text a person would see in this template that is outside {% translate %}/{% blocktranslate %}."""
    s = re.sub(r"{#.*?#}", "", source, flags=re.S)
    s = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", s, flags=re.S)
    s = re.sub(r"{%\s*block bodyclass\s*%}.*?{%\s*endblock\s*%}", "", s, flags=re.S)  # CSS classes
    s = re.sub(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", "\x00", s, flags=re.S)
    s = re.sub(r"{%.*?%}|{{.*?}}", "\x00", s, flags=re.S)
    s = re.sub(r"<!--.*?-->|<(script|style)\b.*?</\1>", "", s, flags=re.S)
    s = re.sub(r"&[a-z]+;|&#\d+;", " ", s)
    chunks = [m.group(2) for m in re.finditer(READ_ATTRIBUTES + r"""\s*=\s*(["'])(.*?)\1""", s, flags=re.S)]
    for tag in re.finditer(r"<[^>]*>", s):
        if re.search(
            r"""\btype=["']?hidden|\bname=["']?(?:language|mode|next|place|liked|action|apply)""", tag.group()
        ):
            chunks = [c for c in chunks if c not in tag.group()]  # a hidden input's value is not shown
    chunks += re.split(r"<[^>]*>", s)
    bad = []
    for chunk in chunks:
        rest = "".join(
            ch for ch in chunk.replace("\x00", "") if not ch.isspace() and ch not in ALLOWED_SYMBOLS
        )
        if rest and not rest.isdigit():
            bad.append(" ".join(chunk.replace("\x00", "…").split()))
    return bad


def test_the_checker_catches_english_outside_the_tags():
    page = '{% load i18n %}<p title="Hello">{% translate "Fine" %} Not fine</p><b>{{ x }} · ♪</b>'
    assert untranslated_text(page) == ["Hello", "… Not fine"]
    assert (
        untranslated_text(
            '{% blocktranslate %}Ok {{ a }}{% endblocktranslate %}<i>{{ a|default:_("x") }}</i>'
        )
        == []
    )


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_shows_text_outside_translation_tags(template):
    assert untranslated_text(template.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: p.name)
def test_every_message_has_a_chinese_translation(catalog):
    with catalog.open("rb") as f:
        messages = [m for m in read_po(f, locale="zh_Hans") if m.id]
    assert len(messages) >= (300 if catalog.name == "django.po" else 2)
    missing = [m.id for m in messages if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert missing == []
    assert fuzzy == []
    # Every placeholder of the English survives in the Chinese (a lost %(title)s would drop the title).
    for m in messages:
        english = " ".join(m.id) if isinstance(m.id, tuple) else m.id
        chinese = " ".join(m.string) if isinstance(m.string, tuple) else m.string
        for placeholder in set(re.findall(r"%\(\w+\)(?:\.\d)?[sd]|\{\w+\}", english)):
            assert placeholder.replace(" ", "") in chinese.replace(" ", ""), (m.id, placeholder)


# The translation functions the code calls, as Babel's Python extractor wants them (argument positions).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def asked_for(source: str) -> set[tuple[str | None, str]]:
    """(context, message) of every translation a Python source asks for."""
    found = set()
    for _lineno, func, message, _comments in extract_python(io.BytesIO(source.encode()), KEYWORDS, [], {}):
        parts = message if isinstance(message, (tuple, list)) else (message,)
        context, ident = (
            (parts[0], parts[1]) if func.startswith(("pgettext", "npgettext")) else (None, parts[0])
        )
        if ident:
            found.add((context, ident))
    return found


def template_messages(source: str) -> set[tuple[str | None, str]]:
    # Django's own template-to-gettext conversion (what makemessages feeds xgettext), flattened so that
    # Python's tokenizer takes it.
    flat = "\n".join(line.strip() for line in templatize(source).splitlines())
    return asked_for(flat)


def test_the_extractor_finds_template_and_code_messages():
    assert template_messages('{% load i18n %}<p>{% translate "Loading…" %}</p>') == {(None, "Loading…")}
    code = 'x = _("A") + pgettext("verb", "Play") + ngettext("%(n)d song", "%(n)d songs", n)'
    assert asked_for(code) == {(None, "A"), ("verb", "Play"), (None, "%(n)d song")}


def test_every_message_the_studio_asks_for_is_in_the_catalog():
    """A string added without running makemessages would show in English on a Chinese page."""
    wanted: dict[tuple[str | None, str], str] = {}
    for template in TEMPLATES:
        for key in template_messages(template.read_text(encoding="utf-8")):
            wanted.setdefault(key, str(template.relative_to(ROOT)))
    for folder in ("songs", "studio"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                for key in asked_for(path.read_text(encoding="utf-8")):
                    wanted.setdefault(key, str(path.relative_to(ROOT)))
    with CATALOGS[0].open("rb") as f:
        have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f) if m.id}
    assert len(wanted) > 300
    assert sorted((where, key) for key, where in wanted.items() if key not in have) == []
