"""Files a command writes for a person (`-o FILE`: forms, reports, spreadsheets), never the ledger's own.

Written whole or not at all (a temp file beside it, renamed over it), and every way it can fail is bad
input naming the option: a missing folder, a folder given as the file, no permission, a full disk, a name
too long or holding characters the file system refuses. A device or pipe (`/dev/stdout`) is written to
directly, never replaced."""
import errno
import os
import stat
from pathlib import Path

from propcli.errors import BadInput
from propcli.i18n import _


def _target(path, field: str) -> tuple[str, Path]:
    """The name as given and the path it names; BadInput for a name no file can have."""
    text = os.fspath(path)
    if not text or "\0" in text:
        raise BadInput(_("{field}: expected a file name", field=field))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(_("{field}: not valid text (an undecodable byte); expected UTF-8 text", field=field)) from None
    try:
        return text, Path(text).expanduser()
    except RuntimeError:  # ~name of no such user: a file name like any other
        return text, Path(text)


def check_output(path, field: str = "-o") -> None:
    """Refuse, before the command does anything, an -o that cannot be written: a missing folder, a folder
    given as the file, bytes that are not text (a command that records something never fails after it)."""
    if path is None:
        return
    text, target = _target(path, field)
    try:
        if target.is_dir():
            raise BadInput(_("{field}: {path} is a folder; expected a file name", field=field, path=text))
        if not target.exists() and not target.parent.is_dir():
            raise BadInput(_("{field}: the folder {folder} does not exist", field=field, folder=target.parent))
        if len(target.name.encode("utf-8")) > 255:
            raise BadInput(_("{field}: the file name is too long; expected at most 255 bytes", field=field))
    except OSError as error:
        raise BadInput(_("{field}: cannot write {path}: {reason}", field=field, path=text,
                         reason=error.strerror or error)) from None


def write_output(path, data: str | bytes, field: str = "-o") -> Path:
    from propcli.store.yamlio import temp_name

    text, target = _target(path, field)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            raise BadInput(_("{field}: {path} is a folder; expected a file name", field=field, path=text))
        if mode is not None and not stat.S_ISREG(mode):  # a device or a pipe: write to it, never replace it
            with open(target, "wb") as stream:
                stream.write(payload)
                stream.flush()
            return target
        if not target.parent.is_dir():
            raise BadInput(_("{field}: the folder {folder} does not exist", field=field, folder=target.parent))
        temp = temp_name(target)
        try:
            with open(temp, "xb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as error:
        reasons = {errno.ENOSPC: _("the disk is full"), errno.EDQUOT: _("the disk quota is used up"),
                   errno.EACCES: _("permission denied"), errno.EPERM: _("permission denied"),
                   errno.EROFS: _("the file system is read-only"), errno.ENAMETOOLONG: _("the name is too long"),
                   errno.ENOENT: _("the folder does not exist"), errno.ENOTDIR: _("a part of the path is not a folder"),
                   errno.EISDIR: _("it is a folder")}
        reason = reasons.get(error.errno or 0, error.strerror or str(error))
        raise BadInput(_("{field}: cannot write {path}: {reason}; nothing written", field=field, path=text,
                         reason=reason)) from None
    return target
