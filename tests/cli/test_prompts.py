"""On a terminal, `new` asks for what is missing (the price list as numbered choices) and reads times as
people type them; without a terminal it stays exit 2. Driven in a real terminal under tmux."""
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from conftest import invoke, invoke_json

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


class Terminal:
    def __init__(self, command: str):
        self.socket = f"propcli-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "60", command)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-t", "t", "-p", "-S", "-200")

    def wait_for(self, text: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared:\n{self.screen()}")

    def answer(self, prompt: str, text: str) -> None:
        self.wait_for(prompt)
        self.tmux("send-keys", "-t", "t", text, "Enter")

    def close(self):
        self.tmux("kill-server")


def test_a_clerk_is_asked_for_what_is_missing_and_types_the_appointment_as_people_say_it(ledger, tmp_path):
    done = tmp_path / "done"
    command = (f"{sys.executable} -m propcli --ledger {ledger} --now 2026-11-28T09:00 --as 赵丽娟 repair new "
               f"--appointment 明天下午3点 -f json > {tmp_path / 'out.json'}; echo $? > {done}; sleep 60")
    terminal = Terminal(f"bash -c '{command}'")
    try:
        # stdout goes to a file here, so the command is not on a terminal: it must not ask, and refuses (exit 2)
        deadline = time.monotonic() + 20
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "2"
    finally:
        terminal.close()
    terminal = Terminal(f"{sys.executable} -m propcli --ledger {ledger} --now 2026-11-28T09:00 --as 赵丽娟 repair new "
                        "--appointment 明天下午3点; sleep 60")
    try:
        terminal.answer("(--name)", "张三")
        terminal.answer("(--phone)", "13800138000")
        terminal.answer("(--address)", "3栋0301")
        terminal.answer("(--item)", "厨房水龙头漏水")
        shown = terminal.wait_for("0  not on the price list")
        assert "SD-01" in shown
        terminal.answer("price-list item", "1")
        terminal.wait_for("fee_total")
    finally:
        terminal.close()
    (repair,) = invoke_json(ledger, "list", "--kind", "repair")
    assert (repair["name"], repair["phone"], repair["address"]) == ("张三", "13800138000", "3栋0301")
    assert repair["appointment"] == "2026-11-29T15:00:00+08:00" and repair["price_code"]


def test_times_as_people_type_them_work_in_any_time_option(ledger):
    repair = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                         "--item", "漏水", "--appointment", "今天 15:30", "--at", "8:55", now="2026-11-28T09:00")
    assert repair["appointment"] == "2026-11-28T15:30:00+08:00" and repair["received"] == "2026-11-28T08:55:00+08:00"
    assert invoke(ledger, "repair", "fill", repair["id"], "--at", "明天上午9点", now="2026-11-28T09:00").exit_code == 2


def test_a_name_typed_with_an_invisible_character_is_asked_again(ledger):
    """The prompt's answer meets the check of `--name` (issue 16, point 4): the refusal names the field and
    the clerk types it again, in place; what is written holds no invisible character."""
    terminal = Terminal(f"{sys.executable} -m propcli --ledger {ledger} --now 2026-11-28T09:00 --as 赵丽娟 repair new "
                        "--phone 13800138000 --address 3栋0301 --item 漏水 --appointment 明天下午3点; sleep 60")
    try:
        terminal.wait_for("(--name)")
        terminal.tmux("send-keys", "-t", "t", "-l", "张\u200b三")
        terminal.tmux("send-keys", "-t", "t", "Enter")
        terminal.answer("price-list item", "0")
        shown = terminal.wait_for("U+200B")
        assert "--name" in shown
        deadline = time.monotonic() + 20
        while terminal.screen().count("(--name)") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert terminal.screen().count("(--name)") == 2
        terminal.tmux("send-keys", "-t", "t", "-l", "张三")
        terminal.tmux("send-keys", "-t", "t", "Enter")
        terminal.wait_for("R-")
    finally:
        terminal.close()
    (repair,) = invoke_json(ledger, "list", "--kind", "repair")
    assert repair["name"] == "张三"
