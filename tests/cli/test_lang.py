"""Chinese by default, English on request (issue 10.1, CLI.md "Additions", Global options).

Every user-facing string the code says (the `_()`/`N_()` calls, the help texts of the commands, the kinds'
labels) has a zh_CN translation; click's own strings too; the language comes from --lang, PROPCLI_LANG,
the ledger's `locale:`, LANG, zh_CN, in that order, and reaches help, errors, tables and labels.
"""
import ast
import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import invoke, make_ledger, run_cli
from propcli import i18n

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("messages", REPO / "scripts" / "messages.py")
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)

PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"{[^{}]*}|%\(\w+\)s")
# click's strings that only a programmer sees (a wrong declaration, an editor, Windows)
CLICK_DEVELOPER_ONLY = {
    "d", "{editor}: Editing failed", "{editor}: Editing failed: {e}", "Windows error: {error}",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
    "Value must be an iterable.", "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.", "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.", "Choice({choices})",
    "Unknown color {colour!r}", "Unknown standard stream '{name}'", "Invalid start character for option ({option})",
}


@pytest.fixture
def lang(monkeypatch):
    """Set or unset PROPCLI_LANG for one test (the suite runs with en)."""
    def use(value):
        if value is None:
            monkeypatch.delenv("PROPCLI_LANG", raising=False)
        else:
            monkeypatch.setenv("PROPCLI_LANG", value)
        i18n.reset()
    yield use
    i18n.reset()


# --- the catalogues ---------------------------------------------------------------------------------
def test_every_message_of_the_code_has_a_chinese_translation():
    said = messages.extract()
    assert len(said) > 450, len(said)
    have = i18n.PoTranslations(PO / "propcli.po").messages
    missing = {m: places[0] for m, places in said.items() if not have.get(m)}
    assert not missing, f"add to propcli.po (scripts/messages.py missing): {missing}"


# the places that translate what is declared elsewhere as N_("…") (extracted there) or the kinds' labels
TRANSLATE_DECLARED = ("propcli/kinds/__init__.py", "propcli/cli/common.py", "propcli/cli/kinds.py")


def test_no_message_is_built_at_run_time():
    # a msgid made at run time escapes extraction
    built = [p for p in messages.dynamic_calls() if not p.startswith(TRANSLATE_DECLARED)]
    assert not built, built


def test_the_extractor_sees_calls_docstrings_and_labels():
    said = messages.extract()
    assert "Records, newest first." in said                       # a command's docstring
    assert ("--as: who is acting? give --as NAME (a name in staff.yaml), set PROPCLI_USER, "
            "or add 'login: {login}' to your entry in staff.yaml") in said
    assert "front-desk receptionist" in said                       # N_() in the label tables
    assert "patrol round" in said                                  # the kinds' registry


def test_every_catalogue_entry_is_said_by_the_code_and_keeps_its_placeholders():
    said = messages.extract()
    catalogue = i18n.PoTranslations(PO / "propcli.po").messages
    stale = [m for m in catalogue if m not in said]
    assert not stale, stale
    for english, chinese in catalogue.items():
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(chinese)), english


def _click_messages() -> set[str]:
    found = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found |= {a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


ESSENTIAL = {"Usage:", "Options", "Commands", "Show this message and exit.", "Show the version and exit.",
             "Error: {message}", "Try '{command} {option}' for help.", "Missing command.", "No such command {name!r}.",
             "No such option {name!r}.", "Missing argument", "Missing option",
             "Invalid value for {param_hint}: {message}",
             "Got unexpected extra argument ({args})", "Option {name!r} requires an argument.",
             "{value!r} is not one of {choices}.", "{value!r} is not a valid {number_type}.", "default: {default}",
             "Aborted!", "Missing parameter: {param_name}"}
CHECKED_CLICK = ("8.1", "8.2", "8.3", "8.4", "8.5")  # releases whose every string click.po covers


def test_clicks_own_strings_have_chinese_translations():
    from importlib.metadata import version

    have = i18n.PoTranslations(PO / "click.po").messages
    assert not ESSENTIAL - set(have)
    missing = sorted(_click_messages() - CLICK_DEVELOPER_ONLY - set(have))
    if version("click").rsplit(".", 1)[0] in CHECKED_CLICK:  # a newer click may add strings: translate them then
        assert not missing, f"add to click.po: {missing}"
    for english, chinese in have.items():
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(chinese)), english


def test_compiled_catalogue_says_what_the_po_says(tmp_path):
    pytest.importorskip("babel")
    import shutil

    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale")
    written = messages.compile_catalogues(tmp_path / "locale")
    assert {p.name for p in written} == {"propcli.mo", "click.mo"}
    for mo in written:
        compiled = i18n.MoTranslations(mo).messages
        assert compiled == i18n.PoTranslations(mo.with_suffix(".po")).messages


def _mo(entries: list[tuple[bytes, bytes]], reverse: bool) -> bytes:
    """A .mo file as msgfmt and Babel lay it out (every msgid one after another, then every msgstr);
    `reverse`: each block stored last entry first."""
    import struct

    count, head = len(entries), 7 * 4
    start = head + 16 * count
    tables, blob = [], b""
    for column in (0, 1):
        places = {}
        for entry in (reversed(entries) if reverse else entries):
            places[entry[0]] = start + len(blob)
            blob += entry[column] + b"\0"
        tables.append(b"".join(struct.pack("<2I", len(entry[column]), places[entry[0]]) for entry in entries))
    return struct.pack("<7I", 0x950412de, 0, count, head, head + 8 * count, 0, 0) + tables[0] + tables[1] + blob


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("plural", [False, True])
def test_a_catalogue_in_any_layout_reads_as_gettext_reads_it(tmp_path, reverse, plural):
    """One after another (read at once), stored in another order, or with a plural (read entry by entry)."""
    import gettext

    entries = sorted([(b"", b"Content-Type: text/plain; charset=UTF-8\n"), (b"apple", "苹果".encode()),
                      (b"repair", "维修".encode())] + ([(b"one\0many", "一\0多".encode())] if plural else []))
    path = tmp_path / "x.mo"
    path.write_bytes(_mo(entries, reverse))
    with path.open("rb") as stream:
        expected = gettext.GNUTranslations(stream)
    found = i18n.MoTranslations(path).messages
    assert found == {"apple": "苹果", "repair": "维修"}
    assert (i18n._packed_strings(path.read_bytes(), struct.unpack("<6I", path.read_bytes()[28:52])) is None) \
        == (reverse or plural)  # read at once only when laid out one after another
    assert all(expected.gettext(key) == value for key, value in found.items())


# --- choosing the language ---------------------------------------------------------------------------
def test_the_order_of_choice(monkeypatch):
    for name in ("PROPCLI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert i18n.choose() == "zh_CN"                              # the default
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.choose() == "en"
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")                  # LC_ALL before LANG
    assert i18n.choose() == "zh_CN"
    assert i18n.choose(ledger_locale="en") == "en"               # the ledger before the environment's locale
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    assert i18n.choose(ledger_locale="en") == "zh_CN"            # PROPCLI_LANG before the ledger
    assert i18n.choose("en", "zh_CN") == "en"                    # --lang first
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL")
    monkeypatch.delenv("PROPCLI_LANG")
    assert i18n.choose() == "zh_CN"                              # C says nothing


def test_chinese_by_default_help_and_clicks_words(ledger, lang):
    lang(None)
    result = run_cli("--ledger", str(ledger), "--help")
    assert result.exit_code == 0
    assert "用法:" in result.stdout and "选项" in result.stdout and "显示此帮助信息并退出。" in result.stdout
    assert "物业管理处客户服务台账" in result.stdout and "记录列表，最新的在前" in result.stdout
    sub = run_cli("--ledger", str(ledger), "repair", "new", "--help")
    assert "登记一次报修。" in sub.stdout and "报修受理时间（默认 --now）" in sub.stdout
    english = run_cli("--lang", "en", "--ledger", str(ledger), "repair", "new", "--help")
    assert "Record a repair request." in english.stdout and "Show this message and exit." in english.stdout
    assert "Usage:" in english.stdout and "用法" not in english.stdout


def test_clicks_usage_errors_follow_the_language(ledger, lang):
    lang("zh_CN")
    result = run_cli("--ledger", str(ledger), "list", "--kind", "nothing")
    assert result.exit_code == 2
    assert "'--kind' 的值无效：'nothing' 不是以下之一" in result.stderr and "--help" in result.stderr
    lang("en")
    result = run_cli("--ledger", str(ledger), "list", "--kind", "nothing")
    assert "Invalid value for '--kind': 'nothing' is not one of" in result.stderr


def test_errors_tables_and_labels_in_chinese(ledger, lang):
    lang("zh_CN")
    refused = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "123", "--address", "3栋0301", "--item",
                     "漏水")
    assert refused.stderr.strip() == "propcli: --phone：“123”不是电话号码；应为数字，例如 13800138000"
    made = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                  "--item", "厨房水龙头漏水", "--price-code", "SD-01", "-f", "json")
    record_id = json.loads(made.stdout)["id"]
    assert json.loads(made.stdout)["kind"] == "repair"                       # JSON never changes
    table = invoke(ledger, "list", now="2026-11-28T09:30").stdout
    head = table.splitlines()[0]
    for word in ("编号", "类别", "当前环节", "未结", "受理", "姓名", "电话", "地址", "摘要"):
        assert word in head, word
    assert "维修单" in table and "受理" in table and "是" in table
    shown = invoke(ledger, "show", record_id, now="2026-11-28T09:30").stdout
    for word in ("填写维修单", "通知工程部接单", "超时未办", "超时 28 分钟", "时限"):
        assert word in shown, word
    overdue = invoke(ledger, "overdue", now="2026-11-28T09:30").stdout
    assert "超时 27 分钟" in overdue and "客户服务部前台接待员" in overdue
    explained = invoke(ledger, "explain", record_id, now="2026-11-28T09:30").stdout
    assert "[10.4.1-2] 填写维修单" in explained and "未完成：超时未办，超时 28 分钟" in explained
    stats = invoke(ledger, "stats", "2026-11", now="2026-11-28T09:30").stdout
    assert "维修 · 总数" in stats and "维修 · 按时 · 填写维修单" in stats


def test_english_on_request(ledger, lang):
    lang(None)
    result = run_cli("--lang", "en", "--ledger", str(ledger), "--now", "2026-11-28T09:00", "--as", "王芳",
                     "repair", "new", "--name", "张三", "--phone", "123", "--address", "3栋0301", "--item", "漏水")
    assert "is not a phone number" in result.stderr


def test_the_ledgers_locale(tmp_path, lang):
    lang(None)
    ledger = make_ledger(tmp_path)
    config = ledger / "propcli.yaml"
    assert "locale: zh_CN" in config.read_text(encoding="utf-8")              # init writes it
    assert "用法" in run_cli("--ledger", str(ledger), "--help").stdout
    config.write_text(config.read_text(encoding="utf-8").replace("locale: zh_CN", "locale: en"), encoding="utf-8")
    assert "Usage:" in run_cli("--ledger", str(ledger), "--help").stdout
    refused = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "123", "--address", "3栋0301", "--item",
                     "漏水")
    assert "is not a phone number" in refused.stderr
    assert "用法" in run_cli("--lang", "zh_CN", "--ledger", str(ledger), "--help").stdout   # --lang wins
    lang("zh_CN")
    assert "用法" in run_cli("--ledger", str(ledger), "--help").stdout                      # PROPCLI_LANG wins


@pytest.mark.parametrize("env, expected", [({"LANG": "zh_CN.UTF-8"}, "用法"), ({"LANG": "en_US.UTF-8"}, "Usage:"),
                                           ({"LANG": "C.UTF-8"}, "用法"), ({"LC_ALL": "en_US.UTF-8"}, "Usage:")])
def test_the_environments_locale_in_a_real_process(tmp_path, env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("PROPCLI_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    clean["PYTHONPATH"] = str(REPO)
    done = subprocess.run([sys.executable, "-m", "propcli", "--help"], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


@pytest.mark.skipif(__import__("shutil").which("tmux") is None, reason="tmux is not installed")
def test_a_clerk_is_asked_in_chinese_on_a_terminal(ledger):
    from test_prompts import Terminal

    terminal = Terminal(f"{sys.executable} -m propcli --lang zh_CN --ledger {ledger} --now 2026-11-28T09:00 "
                        "--as 赵丽娟 repair new; sleep 60")
    try:
        terminal.answer("用户姓名 (--name)", "张三")
        terminal.answer("(--phone)", "13800138000")
        terminal.answer("楼栋及房号，例如 3栋0301 (--address)", "3栋0301")
        terminal.answer("报修内容 (--item)", "厨房水龙头漏水")
        shown = terminal.wait_for("0  不在收费标准内")
        assert "SD-01" in shown
        terminal.answer("收费标准项目", "1")
        shown = terminal.wait_for("还剩 3 分钟")  # the last deadline's row: the record is shown in full
        assert "应收费用" in shown and "填写维修单" in shown and "未到期" in shown and "还剩 2 分钟" in shown
    finally:
        terminal.close()
