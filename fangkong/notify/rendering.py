"""A message kind's template in one language, filled with its context; dates written the language's way."""

import datetime
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.notify.message_kinds import DEFAULT_LANGUAGE, LANGUAGES, MessageKind

_state: dict = {}


def _s2t(text: str) -> str:
    if "s2t" not in _state:
        import opencc

        _state["s2t"] = opencc.OpenCC("s2t")
    return _state["s2t"].convert(text)


def max_length() -> int:
    # About five concatenated SMS segments of Chinese text (67 characters each).
    return int(getattr(settings, "NOTIFY_MAX_LENGTH", 335))


def normalize_language(language: str | None) -> str:
    code = (language or DEFAULT_LANGUAGE).strip().lower().replace("_", "-")
    aliases = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-tw": "zh-hant", "zh-hk": "zh-hant",
               "zh-mo": "zh-hant"}
    code = aliases.get(code, code)
    if code.startswith("en"):
        code = "en"
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _format_value(value, language: str) -> str:
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        if language == "en":
            return local.strftime("%Y-%m-%d %H:%M")
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    if isinstance(value, datetime.date):
        if language == "en":
            return value.isoformat()
        return f"{value.year}年{value.month}月{value.day}日"
    text = str(value)
    return _s2t(text) if language == "zh-hant" else text


def render(kind: MessageKind, *, language: str, context: dict) -> str:
    """The text to send. Missing context fields, or a text over the length limit, are a ValidationError."""
    language = normalize_language(language)
    template = kind.templates.get(language)
    converted = False
    if template is None:
        # A kind with no Traditional template is converted from the Simplified one; any other gap falls back.
        template = kind.templates[DEFAULT_LANGUAGE]
        converted = language == "zh-hant"
    needed = {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}
    missing = sorted(needed - set(context))
    if missing:
        raise ValidationError({"context": _("The message %(kind)s needs %(fields)s.") % {
            "kind": kind.code, "fields": ", ".join(missing)}})
    with translation.override(language):
        values = {name: _format_value(context[name], "zh-hans" if converted else language) for name in needed}
        text = template.format_map(values)
    if converted:
        text = _s2t(text)
    text = " ".join(text.split())
    if len(text) > max_length():
        raise ValidationError({"context": _("The message is %(n)d characters long; at most %(max)d are sent.") % {
            "n": len(text), "max": max_length()}})
    return text
