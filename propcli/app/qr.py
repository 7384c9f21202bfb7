"""The QR code on paper (CLI.md "Forms and the QR code"): a printed form leads back to its record.

A filled form carries `propcli:ID@COMMIT` (the record and the git commit HEAD pointed at when it was
printed); a pre-numbered blank form carries `propcli:FORM-NO`; a monthly register carries
`propcli:NAME/YYYY-MM@COMMIT`. `show` accepts the first two as an ID (propcli.ids.split_reference).

The code is drawn by segno (pure Python) as inline SVG: no image files, nothing to clean up, and it
prints sharp at any size.
"""
from propcli.ids import REFERENCE_PREFIX


def reference(key: str, commit: str | None = None) -> str:
    """The text a form's QR code holds."""
    return f"{REFERENCE_PREFIX}{key}@{commit}" if commit else f"{REFERENCE_PREFIX}{key}"


def svg(text: str, title: str | None = None) -> str:
    """The QR code of `text` as an inline <svg> element (sized by its container: no width/height)."""
    import segno

    code = segno.make(text, error="m", micro=False)
    return code.svg_inline(border=2, omitsize=True, title=title or text, svgclass="qr", lineclass=None)


def head_commit(ledger) -> str | None:
    """The commit a print is made from: HEAD of the ledger's repository."""
    return ledger.git.head()
