"""PDF from the same HTML the browser prints: WeasyPrint, the optional extra `pip install 'propcli[pdf]'`.

WeasyPrint is pure Python on top of the Pango text library (Debian: libpango-1.0-0 libpangoft2-1.0-0)
and fontconfig; Chinese text needs a CJK font (Debian: fonts-noto-cjk or fonts-wqy-microhei). It is
imported only here, only for `-f pdf`.
"""
from propcli.errors import BadInput
from propcli.i18n import _

INSTALL = "pip install 'propcli[pdf]'"


def _weasyprint():
    try:
        import weasyprint
    except ImportError:
        raise BadInput(_("--format pdf needs the pdf extra: {command} (WeasyPrint; it uses the Pango library)",
                         command=INSTALL)) from None
    except OSError as error:  # installed, but Pango or its friends are missing
        raise BadInput(_("--format pdf: WeasyPrint cannot load the Pango library ({reason}); install libpango-1.0-0 "
                         "libpangoft2-1.0-0",
                         reason=str(error).splitlines()[0])) from None
    return weasyprint


def require_pdf() -> None:
    """Exit 2, saying how to install it, before anything is written when PDF output cannot be made."""
    _weasyprint()


def html_to_pdf(html: str) -> bytes:
    """The document as PDF; its @page rules (A4, landscape for registers) set the paper."""
    from propcli.store.resources import templates_dir

    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, base_url=str(templates_dir())).write_pdf()
