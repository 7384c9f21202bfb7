"""One translation function for every user-facing message (gettext style), Chinese by default.

Catalogues are standard gettext files: `propcli/locale/<lang>/LC_MESSAGES/propcli.po` (our messages) and
`click.po` (click's own: Usage, Options, Error: …). A wheel carries them compiled to `.mo` (Babel, at build
time: setup.py); a source checkout without a `.mo` reads the `.po` directly. Nothing here imports Babel.

The language (CLI.md "Additions", Global options): `--lang zh_CN|en` / PROPCLI_LANG, else the ledger's
`locale:` in propcli.yaml, else LC_ALL/LC_MESSAGES/LANG, else zh_CN. The command line settles it before
any output (`set_language`, called by the root group); library callers get PROPCLI_LANG/LANG/zh_CN.

A text made early (an option's help, at import, before the language is settled) is translated again when
it is shown (`retranslate`: by its msgid, or back from the Chinese it was made in). Msgids are English;
`N_()` marks a msgid for extraction without translating it.
"""
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT = "zh_CN"

_settled: str | None = None
_catalogues: dict = {}


class NoTranslation:
    """English, the text of the call sites."""

    def gettext(self, message: str) -> str:
        return message


class PoTranslations(NoTranslation):
    """A `.po` catalogue read directly (msgid/msgstr pairs), for a checkout with no compiled `.mo`."""

    def __init__(self, path: Path):
        import json

        self.messages: dict[str, str] = {}
        # The lines that matter, then every string literal decoded by one json.loads (not one call a line: the
        # catalogue is read at every start of a checkout without a .mo, issue 21).
        kept: list[tuple[str, str]] = []
        for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
            line = raw.strip()
            if line.startswith("#,") and "fuzzy" in line:
                kept.append(("fuzzy", ""))
            elif line.startswith(("msgid ", "msgstr ")):
                current, _sep, literal = line.partition(" ")
                kept.append((current, literal))
            elif line.startswith('"'):
                kept.append(("more", line))
            elif not line:
                kept.append(("end", ""))
        texts = iter(json.loads("[" + ",".join(literal for kind, literal in kept if literal) + "]"))
        entry: dict[str, str] = {}
        current = None
        fuzzy = False
        for kind, _literal in kept:
            if kind == "fuzzy":
                fuzzy = True
            elif kind in ("msgid", "msgstr"):
                current = kind
                if current == "msgid" and "msgstr" in entry:
                    self._add(entry, fuzzy)
                    entry, fuzzy = {}, False
                entry[current] = next(texts)
            elif kind == "more":
                text = next(texts)
                if current:
                    entry[current] += text
            else:
                self._add(entry, fuzzy)
                entry, current, fuzzy = {}, None, False

    def _add(self, entry: dict, fuzzy: bool = False) -> None:
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            self.messages[entry["msgid"]] = entry["msgstr"]

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)


class MoTranslations(NoTranslation):
    """A compiled `.mo` catalogue (the GNU format), read without importing the gettext module."""

    def __init__(self, path: Path):
        import struct

        data = path.read_bytes()
        order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
        _magic, _version, count, originals, translations = struct.unpack(order + "5I", data[:20])
        ids = _packed_strings(data, struct.unpack(f"{order}{2 * count}I", data[originals:originals + 8 * count]))
        texts = _packed_strings(data, struct.unpack(f"{order}{2 * count}I",
                                                    data[translations:translations + 8 * count]))
        if ids is not None and texts is not None:
            self.messages = {msgid: text for msgid, text in zip(ids, texts) if msgid}
            return
        self.messages = {}
        for i in range(count):
            olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i:originals + 8 * i + 8])
            tlen, toff = struct.unpack(order + "2I", data[translations + 8 * i:translations + 8 * i + 8])
            msgid = data[ooff:ooff + olen].decode("utf-8")
            if msgid and "\x00" not in msgid:
                self.messages[msgid] = data[toff:toff + tlen].decode("utf-8")

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)


def _packed_strings(data: bytes, table: tuple) -> list[str] | None:
    """The strings of one .mo table when they lie one after another, each ended by a NUL (as msgfmt and Babel
    write them): one decode and one split instead of a decode each (1,380 messages: every command loads them).
    None for any other layout, or a string holding a NUL (a plural or a context): read entry by entry."""
    if not table:
        return []
    lengths, offsets = table[0::2], table[1::2]
    first, last = offsets[0], offsets[-1] + lengths[-1]
    if last > len(data) or last - first != sum(lengths) + len(lengths) - 1:
        return None
    parts = data[first:last].split(b"\0")
    if len(parts) != len(lengths) or list(map(len, parts)) != list(lengths):
        return None
    at = first
    for length, offset in zip(lengths, offsets):
        if offset != at:
            return None
        at += length + 1
    return data[first:last].decode("utf-8").split("\0")


def normalize(text: str | None) -> str | None:
    """`zh_CN.UTF-8`, `zh`, `zh-CN` -> `zh_CN`; `en_US.UTF-8`, `en` -> `en`; C/POSIX/empty -> None (no opinion);
    any other language -> `en` (we have no catalogue for it; English is the closer fallback)."""
    value = (text or "").strip().split(".")[0].split("@")[0].replace("-", "_")
    if not value or value.upper() in ("C", "POSIX"):
        return None
    if value.lower().startswith("zh"):
        return "zh_CN"
    return "en"


def from_environment() -> str | None:
    """PROPCLI_LANG, then the POSIX locale variables (LC_ALL, LC_MESSAGES, LANG), in that order."""
    for name in ("PROPCLI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        found = normalize(os.environ.get(name))
        if found:
            return found
    return None


def choose(option: str | None = None, ledger_locale: str | None = None) -> str:
    """The language by CLI.md's order: --lang, PROPCLI_LANG, the ledger's locale, LC_ALL/LANG, zh_CN."""
    for candidate in (option, os.environ.get("PROPCLI_LANG"), ledger_locale):
        found = normalize(candidate)
        if found:
            return found
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        found = normalize(os.environ.get(name))
        if found:
            return found
    return DEFAULT


def set_language(lang: str | None) -> None:
    """Settle the language for the rest of the process (the command line does this first)."""
    global _settled
    _settled = normalize(lang) or DEFAULT


def language() -> str:
    """The language people read now: `zh_CN` or `en`."""
    return _settled or choose()


def reset() -> None:
    """Forget the settled language and the loaded catalogues (tests, long-running callers)."""
    global _settled
    _settled = None
    _catalogues.clear()


def catalogue(domain: str = "propcli", lang: str | None = None):
    lang = lang or language()
    key = (domain, lang)
    found = _catalogues.get(key)
    if found is None:
        found = NoTranslation()
        if lang != "en":
            folder = LOCALE_DIR / lang / "LC_MESSAGES"
            mo, po = folder / f"{domain}.mo", folder / f"{domain}.po"
            try:
                mo_time = mo.stat().st_mtime_ns
            except OSError:
                mo_time = None
            try:
                po_time = po.stat().st_mtime_ns
            except OSError:
                po_time = None
            if mo_time is not None and (po_time is None or mo_time >= po_time):
                found = MoTranslations(mo)
            elif po_time is not None:
                found = PoTranslations(po)
        _catalogues[key] = found
    return found


def _(message: str, /, **values) -> str:
    """Translate `message` (an English msgid), then fill `{name}` placeholders from `values`."""
    text = catalogue().gettext(message)
    return text.format(**values) if values else text


def N_(message: str, /) -> str:
    """Mark `message` as a msgid (extracted and translated where it is shown), without translating it."""
    return message


def gettext(message: str) -> str:
    """Translate a plain msgid (no placeholders filled)."""
    return catalogue().gettext(message)


def retranslate(text, domain: str = "propcli"):
    """A text made earlier (possibly in another language), in the language of now: looked up as a msgid
    (a command's docstring as `inspect.cleandoc` leaves it), or mapped back from its Chinese to its msgid."""
    if not isinstance(text, str) or not text:
        return text
    current = catalogue(domain)
    for candidate in (text, _cleandoc(text)):
        found = current.gettext(candidate)
        if found != candidate:
            return found
    msgid = _reverse(DEFAULT, domain).get(text)
    if msgid is not None:
        return current.gettext(msgid)
    return text


def _cleandoc(text: str) -> str:
    if "\n" not in text:
        return text.strip()
    import inspect

    return inspect.cleandoc(text)


def _reverse(lang: str, domain: str = "propcli") -> dict:
    key = ("reverse", domain, lang)
    if key not in _catalogues:
        messages = getattr(catalogue(domain, lang), "messages", {})
        _catalogues[key] = {v: k for k, v in messages.items()}
    return _catalogues[key]


# --- labels of the fixed keys (JSON keeps the keys; tables, forms and mail show these) ------------
# English labels are msgids; the Chinese are the office's words (SPEC.md, procedures.zh.txt).
ROLES = {
    "leadership": N_("company leadership"),
    "manager": N_("office manager"),
    "property_director": N_("property department director"),
    "service_director": N_("customer service director"),
    "property_officer": N_("property officer"),
    "receptionist": N_("front-desk receptionist"),
    "engineering_director": N_("engineering director"),
    "technician": N_("technician"),
    "security_lead": N_("security duty leader"),
    "guard": N_("security guard"),
    "patrol_officer": N_("patrol officer"),
    "area_officer": N_("area officer"),
    "culture_clerk": N_("community culture clerk"),
    "finance": N_("finance department"),
    "system": N_("system (scripts and cron)"),
}

RULES: dict[str, str] = {}
"""Rules are the kinds': each kind declares its rules' words (`Kind.labels["rule"]`, issue 17)."""

STEPS = {
    "new": N_("received"),
    "fill": N_("form filled"),
    "notify": N_("engineering notified"),
    "take": N_("order taken"),
    "quote": N_("price quoted"),
    "accept": N_("price accepted"),
    "refuse": N_("refused"),
    "arrive": N_("on site"),
    "material": N_("material checked"),
    "complete": N_("completed"),
    "sign": N_("resident signed"),
    "return": N_("form returned"),
    "confirm": N_("confirmed by engineering"),
    "finance": N_("sent to finance"),
    "paid": N_("fee collected"),
    "reply": N_("replied"),
    "escalate": N_("escalated"),
    "route": N_("routed"),
    "medical": N_("way of help chosen"),
    "close": N_("closed"),
    "assign": N_("assigned"),
    "handle": N_("handled"),
    "merge": N_("merged"),
    "note": N_("note"),
    "notice": N_("notice sent"),
    "record": N_("callback recorded"),
    "fix": N_("rectified"),
    "review": N_("reviewed"),
    "plan": N_("planned"),
    "import": N_("imported"),
    "charge": N_("paid service charged"),
    "correct": N_("corrected"),
    "undo": N_("undone"),
    "void": N_("voided"),
}

STATES = {
    "pending": N_("pending"),
    "met": N_("met"),
    "missed": N_("missed"),
    "overdue": N_("overdue"),
}

VALUES: dict[str, str] = {}
"""Values (categories 9.4.1-1, severities, methods, results, ways of help) are the kinds' words
(`Kind.labels["value"]`: request, complaint, callback)."""

FIELDS = {  # record fields and table columns
    "id": N_("id"),
    "kind": N_("kind"),
    "status": N_("status"),
    "open": N_("open"),
    "received": N_("received at"),
    "summary": N_("summary"),
    "name": N_("name"),
    "phone": N_("phone"),
    "address": N_("address"),
    "location": N_("location"),
    "item": N_("item"),
    "detail": N_("detail"),
    "category": N_("category"),
    "severity": N_("severity"),
    "major": N_("major emergency"),
    "anonymous": N_("anonymous"),
    "channel": N_("channel"),
    "price_code": N_("price code"),
    "price_name": N_("price item"),
    "price": N_("price"),
    "unit": N_("unit"),
    "code": N_("code"),
    "qty": N_("qty"),
    "appointment": N_("appointment"),
    "public": N_("public"),
    "fee_total": N_("fee_total"),
    "fees": N_("fees"),
    "quote": N_("quote"),
    "technician": N_("technician"),
    "assignee": N_("assignee"),
    "role": N_("role"),
    "email": N_("email"),
    "escalated_to": N_("escalated_to"),
    "rule": N_("rule"),
    "clause": N_("clause"),
    "start": N_("start"),
    "due": N_("due"),
    "done": N_("done"),
    "state": N_("state"),
    "minutes_late": N_("minutes_late"),
    "at": N_("at"),
    "step": N_("step"),
    "by": N_("by"),
    "commit": N_("commit"),
    "date": N_("date"),
    "author": N_("author"),
    "subject": N_("subject"),
    "text": N_("text"),
    "title": N_("title"),
    "ended": N_("ended"),
    "households": N_("households"),
    "source": N_("source"),
    "previous": N_("previous"),
    "method": N_("method"),
    "result": N_("result"),
    "signature": N_("signature"),
    "reason": N_("reason"),
    "handled": N_("how handled"),
    "outcome": N_("outcome"),
    "department": N_("department"),
    "area": N_("area"),
    "findings": N_("findings"),
    "complaints": N_("complaints"),
    "way": N_("way"),
    "to": N_("to"),
    "figure": N_("figure"),
    "value": N_("value"),
    "month": N_("month"),
    "form_no": N_("form no."),
    "written": N_("written"),
    "confidential": N_("confidential"),
    "finding": N_("finding"),
    "repeat_of": N_("repeat of"),
    "kept": N_("kept"),
    "note": N_("note"),
    "finance": N_("handed to finance"),
    "paid": N_("paid"),
    "amount": N_("amount"),
    "unit_price": N_("unit price"),
    "office": N_("office"),
    "record": N_("record"),
    "reply_by": N_("reply by"),
    "next": N_("next callback"),
    # event data and the fields kinds add (issue 19 point 2: show and explain read as sentences)
    "copies": N_("copies"),
    "copy": N_("copy"),
    "handed_to": N_("handed to"),
    "signed_for": N_("signed for"),
    "copy1_to": N_("copy 1 to"),
    "copy4_to": N_("copy 4 to"),
    "work": N_("work done"),
    "cleanup": N_("cleanup"),
    "items": N_("items"),
    "checklist": N_("checklist"),
    "report_to": N_("report to"),
    "reported_to": N_("reported to"),
    "reported_to_name": N_("reported to (name)"),
    "written_reply_only": N_("written reply only"),
    "officer": N_("officer"),
    "type": N_("type"),
    "archive": N_("archive"),
    "source_kind": N_("source kind"),
    "source_done": N_("source done at"),
    "plan_month": N_("plan month"),
    "method_hint": N_("suggested method"),
    "callbacks": N_("callbacks"),
    "attempt": N_("attempt"),
    "recorded": N_("recorded"),
    "undoes": N_("undoes"),
    "changes": N_("changes"),
    "added": N_("added"),
}

STATS = {  # the words of `stats` figures every section shares; a section's own words are its kind's (Kind.labels)
    "total": N_("total"),
    "paid": N_("paid"),
    "fees": N_("fees (yuan)"),
    "on_time": N_("on time"),
    "previous": N_("previous month"),
}

_GROUPS = {"role": ROLES, "rule": RULES, "step": STEPS, "state": STATES, "value": VALUES, "field": FIELDS,
           "stat": STATS}


LABEL_SOURCES: list = []
"""More words by group, asked after the tables above: `propcli.kinds` adds the ones its kinds declare
(`Kind.labels`, issue 17: a kind's words come from the kind). A source maps (group, key) to an English msgid,
an (English, Chinese) pair, or None."""


def find_label(group: str, key: str):
    """The msgid (or (English, Chinese) pair) of a key: the fixed tables, then the declared sources; None."""
    found = _GROUPS[group].get(key)
    if found is None and group in ("rule", "value", "stat", "field"):
        for source in LABEL_SOURCES:
            found = source(group, key)
            if found is not None:
                break
    return found


def label_text(found) -> str:
    """A found label (`find_label`) in the language of now."""
    if isinstance(found, tuple):
        english, chinese = found
        translated = catalogue().gettext(english)
        return chinese if language() == "zh_CN" and translated == english else translated
    return catalogue().gettext(found)


def label(group: str, key) -> str:
    """The label of a fixed key in the language of now (`label("role", "finance")` -> 财务部); the key
    itself when it has none. Kinds: `propcli.kinds.label`."""
    if key is None:
        return ""
    found = find_label(group, str(key))
    return label_text(found) if found else str(key)
