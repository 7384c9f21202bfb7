"""Every message goes through i18n._; PROPCLI_LANG=zh_CN switches to the Chinese catalogue."""
import pytest

from conftest import invoke
from propcli import i18n


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    yield
    i18n.reset()


def test_chinese_catalogue_translates_bad_input(ledger, chinese):
    result = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "123", "--address", "3栋0301", "--item",
                    "漏水")
    assert result.exit_code == 2
    assert result.stderr.strip() == "propcli: --phone：“123”不是电话号码；应为数字，例如 13800138000"


def test_english_without_a_catalogue(ledger):
    i18n.reset()
    result = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "123", "--address", "3栋0301", "--item",
                    "漏水")
    assert "is not a phone number" in result.stderr


def test_every_catalogue_entry_keeps_its_placeholders():
    import re

    catalogue = i18n.PoTranslations(i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "propcli.po")
    assert len(catalogue.messages) >= 20
    for english, chinese in catalogue.messages.items():
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", chinese)), english
