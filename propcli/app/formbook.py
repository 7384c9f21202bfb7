"""Pre-numbered blank 《维修单》 (10.4.1): numbers reserved in the ledger before the paper is filled in.

`propcli form repair-order --blank --count N [--book NAME]` reserves the next N numbers of a book
(default: `<office>-<year>`) in one commit to `forms/repair-order.yaml` and prints them, each with its
number and a QR code `propcli:FORM-NO`. `repair new --form-no NO` links the paper form to its record
through `claim` (a number never issued, or already used, is exit 2). `check` reports numbers still unused
a month after they were issued (`unused_problems`): a numbered paper form must be accounted for.

The file is written by propcli only, one line per number, so that two clones' reservations merge line by
line and `check` can point at the line of a number.
"""
import re
from datetime import datetime

from propcli.errors import BadInput
from propcli.i18n import _
from propcli.problems import Problem
from propcli.store import queries

PATH = "forms/repair-order.yaml"
MAX_COUNT = 500
_BOOK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_ENTRY = re.compile(r'^\s*-\s*\{number:\s*([^,}]+),\s*book:\s*([^,}]+),'
                    r'\s*issued:\s*"?([^,}"]+)"?,\s*by:\s*"?([^}"]*)"?\}\s*$')
HEADER = """\
# 预编号《维修单》 pre-numbered repair orders (10.4.1): the numbers issued on paper.
# Written by `propcli form repair-order --blank --count N [--book NAME]`, one line per number;
# a repair claims its number with `propcli repair new --form-no NO`. Do not edit by hand.
issued:
"""


def normalise(number: str) -> str:
    return str(number or "").strip().upper()


def read_issued(ledger, text: str | None = None) -> list[dict]:
    """The numbers issued so far, in order: {number, book, issued, by, line}."""
    if text is None:
        path = ledger.root / PATH
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    issued = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        match = _ENTRY.match(line)
        if match:
            number, book, at, by = (part.strip() for part in match.groups())
            issued.append({"number": normalise(number), "book": book, "issued": at, "by": by, "line": line_number})
    return issued


def _damaged_lines(text: str) -> list[int]:
    lines = text.splitlines()
    bad = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "issued:" or _ENTRY.match(line):
            continue
        bad.append(number)
    return bad


def _default_book(ledger, now: datetime) -> str:
    office = re.sub(r"[^A-Za-z0-9_-]", "", ledger.office or "") or "WX"
    return f"{office}-{now:%Y}"


def check_book(book: str) -> None:
    if not _BOOK.match(str(book).strip()):
        raise BadInput(_("--book: '{book}' is not a book name; expected letters, digits, - or _ (e.g. 2026A)",
                         book=book))


def reserve(session, count: int, book: str | None = None) -> list[str]:
    """Reserve `count` new numbers of `book` in one commit; returns them."""
    from propcli.store.unit import update_file

    if not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise BadInput(_("--count: expected a number of forms from 1 to {max}", max=MAX_COUNT))
    if book is not None:
        check_book(book)
    ledger = session.ledger
    now = session.now
    name = book.strip().upper() if book else _default_book(ledger, now).upper()
    actor = session.actor
    numbers: list[str] = []

    def change(text: str | None) -> tuple[str, str]:
        text = text or HEADER
        damaged = _damaged_lines(text)
        if damaged:
            from propcli.errors import LedgerUnusable

            raise LedgerUnusable(_("{path}:{line}: not a line propcli writes; fix or undo the hand edit (git checkout)",
                                   path=PATH, line=damaged[0]))
        issued = read_issued(ledger, text)
        taken = {entry["number"] for entry in issued}
        last = 0
        for entry in issued:
            if entry["book"].upper() == name:
                tail = entry["number"].rsplit("-", 1)[-1]
                last = max(last, int(tail) if tail.isdigit() else 0)
        stamp = now.isoformat(timespec="seconds")
        lines = []
        for seq in range(last + 1, last + 1 + count):
            number = f"{name}-{seq:04d}"
            if number in taken:
                raise BadInput(_("--book: number {number} is already issued in another book; choose another book name",
                                 number=number))
            numbers.append(number)
            lines.append(f"  - {{number: {number}, book: {name}, issued: \"{stamp}\", by: \"{actor}\"}}\n")
        summary = _("form repair-order: {count} pre-numbered forms reserved, {first} to {last}",
                    count=count, first=numbers[0], last=numbers[-1])
        message = f"{summary}\n\n" + "\n".join(numbers) + "\n\nStep: reserve\n"
        return text + ("" if text.endswith("\n") else "\n") + "".join(lines), message

    update_file(ledger, PATH, change, actor)
    return numbers


def numbered_field() -> tuple[str, str]:
    """(kind, field) of the pre-numbered paper form (11.4, 10.4.1): the kind whose register is `numbered` and the
    field of its records naming the number (the 维修单's `form_no`, `repair new --form-no`)."""
    from propcli import kinds

    return next((declared.name, register.numbered) for declared in kinds.all_kinds()
                for register in declared.registers if register.numbered)


def _used(ledger) -> dict[str, list[str]]:
    """form number -> the records that name it (`numbered_field`: the repairs of `repair new --form-no`)."""
    index = ledger.index.fresh()
    found: dict[str, list[str]] = {}
    for record_id, number in queries.field_values(index, *numbered_field()):
        found.setdefault(normalise(number), []).append(record_id)
    return found


def claim(ledger, number: str) -> str:
    """`repair new --form-no NO`: the number as issued, or exit 2 when it was never issued or a repair
    already has it (10.4.1). Call it, and then create the repair, under the ledger lock."""
    wanted = normalise(number)
    if not wanted:
        raise BadInput(_("--form-no: missing; expected the number printed on the paper form, e.g. HY01-2026-0001"))
    issued = {entry["number"]: entry for entry in read_issued(ledger)}
    if wanted not in issued:
        raise BadInput(_("--form-no: {number} was never issued (propcli form repair-order --blank --count N issues "
                         "numbers)",
                         number=wanted))
    users = _used(ledger).get(wanted)
    if users:
        raise BadInput(_("--form-no: {number} is already used by {id}; each paper form is used once", number=wanted,
                         id=users[0]))
    return wanted


def is_form_number(ledger, text: str) -> bool:
    """Was `text` issued as a form number? (cheap: no file, no numbers)"""
    if not (ledger.root / PATH).is_file():
        return False
    wanted = normalise(text)
    return any(entry["number"] == wanted for entry in read_issued(ledger))


def record_of(ledger, number: str) -> str:
    """The repair a pre-numbered form became (`show propcli:FORM-NO`); exit 2 when none yet."""
    wanted = normalise(number)
    issued = {entry["number"]: entry for entry in read_issued(ledger)}
    if wanted not in issued:
        raise BadInput(_("ID: {number} is neither a record id nor an issued form number", number=wanted))
    users = _used(ledger).get(wanted)
    if not users:
        entry = issued[wanted]
        raise BadInput(_("ID: form {number} (issued {date} by {by}) is not linked to a repair yet (repair new "
                         "--form-no)",
                         number=wanted, date=entry["issued"][:10], by=entry["by"]))
    return users[0]


def _a_month_after(moment: datetime) -> datetime:
    """The same date next month (the month's last day when there is none), as SPEC.md counts months."""
    import calendar

    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day, hour=23, minute=59, second=59)


def unused_problems(ledger, now: datetime | None = None) -> list:
    """`check`: a Problem (path, line, message) for damaged lines, numbers unused a month after they were issued,
    numbers used twice and repairs naming a number never issued."""
    from propcli.timeutil import parse_time, utc_now

    path = ledger.root / PATH
    if not path.is_file():
        used = _used(ledger)
        return [Problem(ledger.index.path_of(ids[0]) or ids[0], 1,
                        _("form_no {number} was never issued ({file} does not exist)", number=number, file=PATH))
                for number, ids in sorted(used.items())]
    text = path.read_text(encoding="utf-8")
    problems = [Problem(PATH, line, _("not a line propcli writes; fix or undo the hand edit (git checkout)"))
                for line in _damaged_lines(text)]
    now = now or utc_now()
    issued = read_issued(ledger, text)
    used = _used(ledger)
    for entry in issued:
        users = used.get(entry["number"], [])
        if len(users) > 1:
            problems.append(Problem(PATH, entry["line"], _("form number {number} is used by {count} repairs: {ids}",
                                                           number=entry["number"], count=len(users),
                                                           ids=", ".join(users))))
        if users:
            continue
        try:
            at = parse_time(entry["issued"], ledger.tz, field="issued")
        except BadInput:
            problems.append(Problem(PATH, entry["line"], _("issued: '{value}' is not a time", value=entry["issued"])))
            continue
        if now > _a_month_after(at):
            problems.append(Problem(PATH, entry["line"], _(
                "form {number} issued {date} by {by} is unused after a month; link it or account for the paper "
                "(10.4.1)", number=entry["number"], date=entry["issued"][:10], by=entry["by"])))
    known = {entry["number"] for entry in issued}
    for number, ids in sorted(used.items()):
        if number not in known:
            problems.append(Problem(ledger.index.path_of(ids[0]) or ids[0], 1,
                                    _("form_no {number} was never issued ({file} does not list it)", number=number,
                                      file=PATH)))
    return problems
