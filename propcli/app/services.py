"""The library's entry points for ledger-wide commands: one function per command, no printing."""
import json
from pathlib import Path

from propcli.store import yamlio
from propcli.app.derive import source_done, to_json, view
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.timeutil import check_month
from propcli.model import record_from_plain


def is_ledger(path: str) -> bool:
    """Does PATH hold a ledger already? A path that cannot name a folder (too long, a NUL, undecodable
    bytes) is bad input naming PATH."""
    from propcli.store.unit import check_text

    check_text(path, "PATH")
    try:
        return (Path(path) / "propcli.yaml").exists()
    except (OSError, ValueError) as error:
        raise BadInput(_("PATH: {path} cannot be used ({error})", path=path,
                         error=getattr(error, "strerror", None) or error)) from None


def _init_target(path: str) -> Path:
    """Where `init` may make a ledger (issue 8, point 5): a new or empty folder (a `.git` alone counts as
    empty), never the file-system root, the home folder, a file, or a folder holding anything else."""
    try:
        return _checked_target(path)
    except OSError as error:  # a name too long, a path through a file, no permission
        raise BadInput(_("PATH: {path} cannot be used ({error})", path=path, error=error.strerror or error)) from None


def _checked_target(path: str) -> Path:
    from propcli.store.unit import check_text

    check_text(path, "PATH")
    if not str(path).strip() or str(path).strip() == "-" or "\n" in str(path):
        raise BadInput(_("PATH: '{path}' is not a folder; expected the folder to make the ledger in, e.g. ./ledger",
                         path=path))
    try:
        target = Path(path).expanduser()
    except RuntimeError:  # ~name of no such user
        target = Path(path)
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError) as error:
        raise BadInput(_("PATH: {path} cannot be used ({error})", path=path, error=error)) from None
    if resolved == Path(resolved.anchor):
        raise BadInput(_("PATH: {path} is the root of the file system; give a folder of its own, e.g. /srv/ledger",
                         path=path))
    try:
        home = Path.home().resolve()
    except (OSError, RuntimeError, KeyError):
        home = None
    if resolved == home:
        raise BadInput(_("PATH: {path} is your home folder; give a folder of its own, e.g. ~/ledger", path=path))
    if (target / "propcli.yaml").exists():
        raise BadInput(_("PATH: {path} is already a ledger", path=target))
    if target.exists() and not target.is_dir():
        raise BadInput(_("PATH: {path} is a file, not a folder", path=path))
    if target.is_dir():
        try:
            others = sorted(entry.name for entry in target.iterdir() if entry.name != ".git")
        except OSError as error:
            raise BadInput(_("PATH: {path} cannot be read ({error})", path=path, error=error.strerror)) from None
        if others:
            shown = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
            raise BadInput(_("PATH: {path} is not empty ({files}) and not a ledger; give a new or empty folder",
                             path=path, files=shown))
    return target


def init_ledger(path: str, office: str | None, timezone: str | None) -> Path:
    """Copy the skeleton (config, policy, prices, staff, calendar) into PATH and make it a git repository
    whose first commit holds exactly those files. All or nothing: a failure removes what it made."""
    from propcli.store.git import Git
    from propcli.store.resources import skeleton_dir
    from propcli.timeutil import zone

    target = _init_target(path)
    if timezone:
        try:
            zone(timezone)
        except Exception:
            raise BadInput(_("--timezone: '{tz}' is unknown; expected an IANA name such as Asia/Shanghai",
                             tz=timezone)) from None
    if office is not None and (not office.strip() or any(c in office for c in "/\\\n") or not office.isprintable()):
        raise BadInput(_("--office: expected a short office code such as HY01"))
    import shutil

    made_folder = not target.exists()
    had_git = (target / ".git").exists()
    written: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(skeleton_dir().iterdir()):
            if source.is_file() and source.name != "README.txt":
                shutil.copy2(source, target / source.name)
                written.append(target / source.name)
        (target / "records").mkdir(exist_ok=True)
        (target / "records" / ".gitkeep").write_text("", encoding="utf-8")
        written.append(target / "records" / ".gitkeep")
        config_path = target / "propcli.yaml"
        config = yamlio.parse_roundtrip(config_path.read_text(encoding="utf-8"), config_path)
        if office:
            config["office"] = office.strip()
        if timezone:
            config["timezone"] = timezone
        yamlio.write_atomic(config_path, yamlio.dump(config))
        git = Git(target)
        git.init()
        files = sorted(str(p.relative_to(target)) for p in written)  # only our own files, never the user's
        git.commit(files, "ledger: init\n\nStep: init\n", "propcli")
    except BaseException as error:
        if made_folder:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for file in written:
                file.unlink(missing_ok=True)
            if not had_git:
                shutil.rmtree(target / ".git", ignore_errors=True)
            try:
                (target / "records").rmdir()
            except OSError:
                pass
        if isinstance(error, OSError):
            raise BadInput(_("PATH: cannot make the ledger in {path} ({error}); nothing written", path=path,
                             error=error.strerror or error)) from None
        raise
    return target


def ensure_local_setup(ledger) -> None:
    """A plain `git clone` works like `init`: set the cheap-commit git settings and the record merge driver
    once (again when the driver's command changed: the marker holds its version)."""
    from propcli.store.git import MERGE_DRIVER_KEY, MERGE_DRIVER_VERSION, merge_driver_command

    marker = ledger.state_dir / "configured"
    try:
        if marker.read_text(encoding="utf-8").strip() == MERGE_DRIVER_VERSION:
            return
    except OSError:
        pass
    from propcli.store.unit import guarded

    with guarded(ledger):  # parallel first commands would race on .git/config.lock; a killed one leaves it
        try:
            if marker.read_text(encoding="utf-8").strip() == MERGE_DRIVER_VERSION:
                return
        except OSError:
            pass
        ledger.git.configure()
        ledger.git.run("config", "merge.propcli-record.name", "propcli record merge (union of events)")
        import sys

        ledger.git.run("config", MERGE_DRIVER_KEY, merge_driver_command(sys.executable))
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(MERGE_DRIVER_VERSION, encoding="utf-8")


def _records_from_docs(ledger, rows):
    for doc, path in rows:
        yield record_from_plain(json.loads(doc), ledger.tz, path)


def show(session, text_id: str, history: bool = False) -> dict:
    """A record as of --now (CLI.md JSON shape); with `history`, its git commits under "history"."""
    from propcli.ids import split_reference
    from propcli.store.unit import load, load_at

    ledger = session.ledger
    text_id, commit = split_reference(text_id)  # a printed form's QR code: propcli:ID@COMMIT or propcli:FORM-NO
    if commit is None and "-" in text_id.strip()[2:]:  # not a record id: a pre-numbered form's number?
        from propcli.app.formbook import is_form_number, record_of

        if is_form_number(ledger, text_id):
            text_id = record_of(ledger, text_id)
    record_id = ledger.resolve(text_id)
    if commit:
        data = shown(session, load_at(ledger, record_id, commit), history)
        data["as_of_commit"] = commit
        return data
    return shown(session, load(ledger, record_id), history)


def shown(session, record, history: bool = False) -> dict:
    """`show` of a record in hand (a command that just wrote it need not read its file again)."""
    ledger = session.ledger
    record_id = record.id
    current = view(record, ledger, session.now)
    if current is None:
        raise BadInput(_("ID: {id} was received after --now ({now}); it did not exist then",
                         id=record_id, now=session.now.isoformat()))
    if source_done(current.record) is None:  # (the callback loop's module is loaded only for a source done)
        data = to_json(current, session.now, ledger.tz)
    else:
        from propcli.app.callbacks import shown_json

        data = shown_json(session, current)
    if history:
        data["history"] = log(session, record_id)
    return data


SEARCHED = ("name", "phone", "address", "item", "detail", "location")
"""The fields `list --search` looks in (CLI.md "Additions"): the resident, the unit, what it is about."""


def matches(record: dict, text: str) -> bool:
    """`text` in the name, phone, address, location or item/detail (case-insensitive); a phone also matches its
    digits (so 8000 finds 138-0013-8000 and 13800138000, the last four digits the desk asks for)."""
    needle = text.strip().casefold()
    if not needle:
        return True
    digits = "".join(c for c in needle if c.isdigit())
    from propcli.kinds.fields import unit_number

    unit = unit_number(needle)
    for field in SEARCHED:
        value = record.get(field)
        if value is None:
            continue
        value = str(value)
        if needle in value.casefold():
            return True
        if field in ("address", "location") and unit in (unit_number(value) or "").casefold():
            return True  # a unit number typed either way (3栋301, 3栋0301; docs/terminal.md)
        if field == "phone" and digits and digits == needle.replace(" ", "").replace("-", "") \
                and digits in "".join(c for c in value if c.isdigit()):
            return True
    return False


def list_records(session, kind=None, status=None, month=None, open_only=False, touched_since=None,
                 redact: str | None = "mask", unreviewed=False, search: str | None = None,
                 limit: int | None = None, newest_first: bool = False, voided: bool = True) -> list[dict]:
    """Records as `show` prints them, oldest first (as `list -f json` and `export` print them; `newest_first`
    for tables); `redact`: "mask" (lists and forms: a confidential enquiry's detail as 保密, 9.4.3-4), "drop"
    (left out) or None (kept, as `export` keeps it); `unreviewed`: only those waiting for a director's review
    (the kinds that declare `awaiting_review`: callbacks, 11.1.8). `search`: see `matches` (on what the list
    shows: a confidential detail is not searched); `limit`: the newest N of those found, in the order asked for.
    `voided`: False leaves voided records (作废) out unless `status` asks for them (`list` without --voided);
    registers and forms keep them, marked, so every number on paper is accounted for."""
    from propcli import kinds
    from propcli.app.derive import redacted

    ledger = session.ledger
    clauses, params = ["received <= ?"], [int(session.now.timestamp())]
    if limit is not None and limit < 1:
        raise BadInput(_("--limit: expected a whole number of at least 1"))
    if search is not None and search.strip() and not search.strip().isdigit():
        from propcli.kinds.fields import unit_prefix

        clauses.append("doc LIKE ? ESCAPE '\\'")  # a unit number (3栋301 = 3栋0301): its building, then `matches`
        wanted = unit_prefix(search) or search.strip()
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    reviewed_kinds = {k.name: k.awaiting_review for k in kinds.all_kinds() if k.awaiting_review} if unreviewed else {}
    if unreviewed:
        clauses.append("kind IN (" + ", ".join("?" for _k in reviewed_kinds) + ")" if reviewed_kinds else "0")
        params += list(reviewed_kinds)
    if touched_since is not None:
        clauses.append("last_at >= ?")
        params.append(int(touched_since.timestamp()))
    if kind:
        clauses.append("kind = ?")
        params.append(kind)
    if month is not None:
        check_month(month)
        clauses.append("month = ?")
        params.append(month)
    now = int(session.now.timestamp())
    if open_only:  # the stored open/status hold for records with nothing recorded after --now
        clauses.append("(open = 1 OR last_at > ?)")
        params.append(now)
    if status:
        from propcli.app.filters import status_key

        status = status_key(kind, status)
        clauses.append("(status = ? OR last_at > ?)")
        params += [status, now]
    rows = ledger.index.docs("WHERE " + " AND ".join(clauses), tuple(params))
    result, sources = [], []
    for record in _records_from_docs(ledger, rows):
        current = view(record, ledger, session.now)
        if current is None or (open_only and not current.open) or (status and current.status != status):
            continue
        if unreviewed and not reviewed_kinds[current.record.kind](current.record):
            continue
        if not voided and current.record.voided is not None and status != "void":
            continue
        shown = to_json(current, session.now, ledger.tz)
        shown = redacted(shown, redact == "drop") if redact else shown
        if shown is None or (search and not matches(shown, search)):
            continue
        result.append(shown)
        done = source_done(current.record)
        if done is not None:
            sources.append((done, shown))
    if limit is not None:
        result = result[-limit:]
        kept = {id(r) for r in result}
        sources = [(d, r) for d, r in sources if id(r) in kept]
    if sources:  # as `show` prints them: a callback source done lists its chain of callbacks (11.2.3)
        from propcli.app.callbacks import chains_json

        found = chains_json(session, [r["id"] for _done, r in sources], min(d for d, _r in sources))
        for _done, record in sources:
            record["callbacks"] = found[record["id"]]
    if newest_first:
        result.reverse()
    return result


def export_records(session, kind=None, month=None, redact: bool = False) -> tuple[list[dict], list[str]]:
    """The ledger's own backup keeps everything; `redact`: confidential details left out (9.4.3-4)."""
    return (list_records(session, kind, None, month, redact="drop" if redact else None),
            session.ledger.index.damaged_warnings())


def note(session, text_id: str, text: str, at_text: str | None) -> dict:
    from propcli.store.unit import append

    if not text or not text.strip():
        raise BadInput(_("TEXT: the note is empty; expected the remark to record"))
    ledger = session.ledger
    record_id = ledger.resolve(text_id)
    at = session.at(at_text) if at_text else None
    append(ledger, record_id, "note", {"note": text.strip()}, at, session.actor, session.fixed_now,
           summary=text.strip())
    return show(session, record_id)


def log(session, text_id: str | None) -> list[dict]:
    """The git commits of the ledger or of one record, dated in the ledger's timezone (the events' clock):
    git stamps a commit with the machine's zone, often UTC on a server, which beside 北京时间 reads wrong."""
    from datetime import datetime

    from propcli.timeutil import zone

    ledger = session.ledger
    tz = zone(ledger.tz)
    args = ["log", "--format=%H%x1f%an%x1f%aI%x1f%s%x1e"]
    if text_id:
        record_id = ledger.resolve(text_id)
        args += ["--", ledger.index.path_of(record_id)]
    out = ledger.git.run(*args)
    entries = []
    for chunk in out.split("\x1e"):
        parts = chunk.strip().split("\x1f")
        if len(parts) == 4:
            try:
                date = datetime.fromisoformat(parts[2]).astimezone(tz).isoformat()
            except ValueError:
                date = parts[2]
            entries.append({"commit": parts[0][:10], "author": parts[1], "date": date, "subject": parts[3]})
    return entries


def prices(session) -> list[dict]:
    return [{"code": p.code, "name": p.name, "price": float(p.price), "unit": p.unit}
            for p in session.ledger.prices.values()]


def staff(session) -> list[dict]:
    return [{"name": m.name, "role": m.role, "email": m.email, "phone": m.phone} for m in session.ledger.staff]


def reindex(session, progress=None) -> int:
    return session.ledger.index.rebuild(progress)


def check(session, history: bool = False) -> list[str]:
    """Every problem of the ledger as `path:line: message` (the config files, then every record file); with
    `history`, also every past commit that rewrote a record, as `path:commit: message` (docs/history.md)."""
    from propcli.app.checks import check_history, check_ledger

    problems = check_ledger(session.ledger, session.now)
    return problems + check_history(session.ledger) if history else problems




def import_file(session, file_path: str, checking=None, writing=None) -> list[str]:
    """JSON Lines (as export writes) or CSV with a header row; all records in one commit, or none.
    `checking` and `writing` wrap the two long loops (progress bars on a terminal)."""
    from propcli.app.importer import read_import

    ledger = session.ledger
    path = Path(file_path)
    records = read_import(ledger, path, session.actor, session.now, checking)
    if not records:
        raise BadInput(_("FILE: {path} holds no records", path=file_path))
    from propcli.store.unit import create_many

    message = _("import: {count} records from {name}", count=len(records), name=path.name)
    made = create_many(ledger, records, session.actor, f"{message}\n\nStep: import\n",
                       renumber=records.generated_ids, progress=writing)
    return [r.id for r in made]
