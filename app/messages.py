"""Texts the service says to people, in English, that a page can say in the reader's language.

A :class:`Message` *is* its English text (a ``str``), so API JSON, logs and every caller that
joins or compares strings see exactly the English they saw before. It also remembers its
gettext msgid (the English template with ``%(name)s`` placeholders) and parameters, so a page
translates it through the catalogues (app/web/locales) instead of showing English.
Parameters that are themselves messages are translated too; any other parameter (a URL, a
DID, a field name) is data and shown as given. ``pybabel extract`` finds the templates through
the ``msg`` and ``N_`` keywords (babel.cfg). Imports nothing of ours: every layer may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Gettext = Callable[[str], str]
Dates = Callable[[str], str]


class When(str):
    """A date or date-time (ISO 8601) in a message: as given in English (the API), written the
    reader's way on a page ("2 December 2026", "2 déc. 2026, 14:23:50 UTC")."""


def when(value: object) -> When:
    """``value`` (a ``date``, ``datetime`` or ISO text) as a :class:`When` parameter."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return When(text.replace("+00:00", "Z") if "T" in text else text)


def N_(text: str) -> str:
    """Mark ``text`` for extraction; it is translated where it is shown."""
    return text


def NP_(context: str, text: str) -> str:
    """Mark ``text`` for extraction with a gettext context (``pgettext`` where shown)."""
    return text


class Message(str):
    """English text with its gettext template and parameters (see the module docstring)."""

    template: str
    params: dict[str, Any]
    parts: tuple[Any, ...] | None
    sep: str
    listing: bool
    detailed: bool = False  # a plain-words explanation of a technical English detail

    def __new__(cls, template: str, /, **params: Any) -> Message:
        english = template % {k: str(v) for k, v in params.items()} if params else template
        self = super().__new__(cls, english)
        self.template, self.params, self.parts, self.sep, self.listing = \
            template, params, None, "", False
        return self

    @classmethod
    def coded(cls, english: str, msgid: str) -> Message:
        """A code the API says as is (``awardingBody``) that a page says as words: the
        translation of ``msgid`` ("Awarding body")."""
        self = super().__new__(cls, english)
        self.template, self.params, self.parts, self.sep, self.listing = \
            msgid, {}, None, "", False
        return self

    @classmethod
    def explained(cls, english: str, template: str, /, **params: Any) -> Message:
        """A technical English text (a proof library's error, a data-model rule) that a page
        says in plain words (``template``) and then, for engineers, as it was, marked English."""
        self = super().__new__(cls, english)
        self.template, self.params, self.parts, self.sep, self.listing = \
            template, params, None, "", False
        self.detailed = True
        return self

    @classmethod
    def joined(cls, sep: str, parts: Iterable[Any], listing: bool = False) -> Message:
        """``sep.join(parts)`` in English; translated part by part. ``listing``: the parts
        are a list read as "a and b" (joined with the reader's language's "and")."""
        items = tuple(parts)
        self = super().__new__(cls, sep.join(str(p) for p in items))
        self.template, self.params, self.parts, self.sep, self.listing = \
            "", {}, items, sep, listing
        return self

    def __reduce__(self) -> Any:  # pickled (cached) messages stay messages
        if self.parts is not None:
            return (_rejoin, (self.sep, self.parts, self.listing))
        if self.detailed:
            return (_explain, (str(self), self.template, self.params))
        if not self.params and self.template != str(self):
            return (Message.coded, (str(self), self.template))
        return (_remake, (self.template, self.params))

    def translate(self, gettext: Gettext, and_list: Callable[[list[str]], str] | None = None,
                  dates: Dates | None = None) -> str:
        """This message in the language of ``gettext``; ``and_list`` joins a listing,
        ``dates`` writes a :class:`When`."""
        if self.parts is not None:
            words = [say(p, gettext, and_list, dates) for p in self.parts]
            return and_list(words) if self.listing and and_list else self.sep.join(words)
        text = gettext(self.template)
        if not self.params:
            return text
        return text % {k: say(v, gettext, and_list, dates) for k, v in self.params.items()}


def _remake(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


def _explain(english: str, template: str, params: dict[str, Any]) -> Message:
    return Message.explained(english, template, **params)


def _rejoin(sep: str, parts: tuple[Any, ...], listing: bool) -> Message:
    return Message.joined(sep, parts, listing)


def msg(template: str, /, **params: Any) -> Message:
    """A message: ``template`` is the English msgid, e.g. ``msg("expired at %(end)s", end=e)``."""
    return Message(template, **params)


def coded(english: str, msgid: str) -> Message:
    """See :meth:`Message.coded`; ``msgid`` must be marked with ``N_`` where it is written."""
    return Message.coded(english, msgid)


def join(sep: str, parts: Iterable[Any]) -> Message:
    """Parts joined by a separator that reads the same in every language ("; ", ", ")."""
    return Message.joined(sep, parts)


def and_join(parts: Iterable[Any]) -> Message:
    """Parts joined by " and " in English, by the reader's own "and" when translated."""
    return Message.joined(" and ", parts, listing=True)


def stored(message: Message) -> dict[str, Any]:
    """A message as JSON data (kept in the database): parameters that are messages stay
    messages, any other is text. Joined messages are kept as their English."""
    if message.parts is not None:
        return {"template": "", "sep": message.sep, "listing": message.listing,
                "parts": [stored(p) if isinstance(p, Message) else str(p)
                          for p in message.parts]}
    if message.detailed:
        return {"template": str(message), "params": {}, "english": True}
    return {"template": message.template, "english": str(message),
            "params": {k: stored(v) if isinstance(v, Message) else str(v)
                       for k, v in message.params.items()}}


def restored(data: Any, english: str = "") -> Message | str:
    """The message :func:`stored` kept; ``english`` when there is none (older data)."""
    if not isinstance(data, dict) or not isinstance(data.get("template"), str):
        return english
    if data.get("english") is True:
        return data["template"]
    if isinstance(data.get("parts"), list):
        return Message.joined(str(data.get("sep", "")), [
            restored(p, "") if isinstance(p, dict) else str(p) for p in data["parts"]],
            listing=data.get("listing") is True)
    params = {str(k): restored(v, "") if isinstance(v, dict) else str(v)
              for k, v in (data.get("params") or {}).items()}
    if not params and isinstance(data.get("english"), str) and \
            data["english"] != data["template"]:
        return Message.coded(data["english"], data["template"])
    return Message(data["template"], **params)


def say(value: Any, gettext: Gettext, and_list: Callable[[list[str]], str] | None = None,
        dates: Dates | None = None) -> str:
    """A message translated, a date the reader's way; any other value as text (data)."""
    if isinstance(value, Message):
        return value.translate(gettext, and_list, dates)
    if isinstance(value, When) and dates is not None:
        return dates(value)
    return str(value)
