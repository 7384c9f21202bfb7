"""The documentation's links and commands (issue 19 point 7): every relative link in README.md and docs/**/*.md
resolves (the file, and the heading when it names one), and every `propcli …` command line in a fenced code
block parses against propcli's click tree: its sub-command path exists and each `--option` is an option of
that command (or a global option, which may come after the sub-command). Nothing is executed."""
import re
import shlex
from pathlib import Path

import click
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
SEPARATORS = {"&&", "||", ";", "|", "(", ")", "&"}


# --- links -------------------------------------------------------------------------------------------------

def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, markup and punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[`*_~]|<[^>]+>", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _number, line in prose_lines(text):
        found = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not found:
            continue
        base = slug(found.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def link_problems(text: str, path: Path) -> list[str]:
    """`path:line: link` for every relative link of `text` (the file at `path`) that does not resolve."""
    problems = []
    for number, line in prose_lines(text):
        for target in LINK.findall(INLINE_CODE.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …: not ours to check
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.name}:{number}: {target}"
            if not resolved.exists():
                problems.append(f"{where}: no such file")
            elif anchor and resolved.suffix == ".md":
                if anchor not in anchors(resolved.read_text(encoding="utf-8")):
                    problems.append(f"{where}: no heading #{anchor} in {resolved.name}")
    return problems


# --- commands ----------------------------------------------------------------------------------------------

def fenced_lines(text: str):
    """(line number, logical line) inside fenced code blocks, continuation lines (`\\`) joined."""
    fenced = False
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            pending = ""
            continue
        if not fenced:
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, pending + line
        pending = ""


def command_lines(line: str) -> list[list[str]]:
    """The argument lists of the `propcli` commands a shell line runs (after `&&`, `;`, `|`, `VAR=value`, a
    crontab's five time fields, `$ `); a comment is dropped, and a `propcli` inside quotes or after other words
    (`resolve: propcli …` in printed output) is not a command."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;()")
    lexer.commenters = "#"
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote: not a shell line
        return []
    commands: list[list[str]] = []
    current: list[str] | None = None
    at_start = True
    for token in tokens:
        if token in SEPARATORS:
            current, at_start = None, True
            continue
        if current is not None:
            current.append(token)
            continue
        if at_start and token == "propcli":
            current = []
            commands.append(current)
        elif at_start and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", token) or token == "$"
                           or re.match(r"^(\*|[0-9*/,-]+)$", token)):
            continue  # VAR=value, a prompt, a crontab's time fields
        else:
            at_start = False
    return commands


def _root():
    from propcli.cli import cli

    return cli


def _option(command, name: str):
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def command_problems(args: list[str]) -> list[str]:
    """What does not parse in `propcli ARGS`: an unknown sub-command, or an option its command lacks."""
    root = _root()
    command, ctx = root, click.Context(root, info_name="propcli")
    path = ["propcli"]
    problems = []
    index = 0
    positional = False
    while index < len(args):
        token = args[index].strip("[]")
        index += 1
        if token.startswith("-") and len(token) > 1 and not re.match(r"^-\d", token):
            name = token.split("=", 1)[0]
            option = _option(command, name) or _option(root, name)
            if option is None:
                problems.append(f"{' '.join(path)}: no such option {name}")
            elif not option.is_flag and not option.count and "=" not in token:
                index += 1  # its value
            continue
        if isinstance(command, click.Group) and not positional:
            sub = command.get_command(ctx, token)
            if sub is None:
                problems.append(f"{' '.join(path)}: no such command {token!r}")
                return problems
            command, ctx = sub, click.Context(sub, info_name=token, parent=ctx)
            path.append(token)
            continue
        positional = True
    if isinstance(command, click.Group) and command is not root and not problems:
        problems.append(f"{' '.join(path)}: a group, not a command")
    return problems


def doc_command_problems(text: str, path: Path) -> list[str]:
    problems = []
    for number, line in fenced_lines(text):
        for args in command_lines(line):
            problems += [f"{path.name}:{number}: {p}" for p in command_problems(args)]
    return problems


# --- the docs as they are ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_links_resolve(path):
    assert link_problems(path.read_text(encoding="utf-8"), path) == []


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_commands_parse(path):
    assert doc_command_problems(path.read_text(encoding="utf-8"), path) == []


def test_the_docs_hold_commands_to_check():
    """The walk finds the commands (a checker that sees nothing passes everything)."""
    found = [args for path in DOCS for _n, line in fenced_lines(path.read_text(encoding="utf-8"))
             for args in command_lines(line)]
    assert len(found) > 150
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ["repair", "arrive", "R-2QG9"] in [args[-3:] for _n, line in fenced_lines(readme)
                                               for args in command_lines(line)]
    assert len(readme.splitlines()) < 250
    assert (REPO / "docs" / "desk.md").is_file()  # `completion --help` points there


# --- the checker can fail ----------------------------------------------------------------------------------

def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "there.md").write_text("# A heading, with `code`\n\n## 前台（接待）\n", encoding="utf-8")
    page = tmp_path / "page.md"
    good = "[a](there.md) [b](there.md#a-heading-with-code) [c](there.md#前台接待) [d](https://example.com/x)\n"
    assert link_problems(good, page) == []
    bad = "see [gone](nowhere.md) and [anchor](there.md#no-such-heading)\n```\n[in code](ignored.md)\n```\n"
    problems = link_problems(bad, page)
    assert len(problems) == 2
    assert "nowhere.md: no such file" in problems[0] and "no heading #no-such-heading" in problems[1]


def test_an_unknown_option_or_command_is_found(tmp_path):
    page = tmp_path / "page.md"
    good = ("```sh\npropcli --as 吴海涛 repair arrive R-2QG9          # a comment --bogus\n"
            "* * * * *  cd /srv && PROPCLI_USER=cron propcli overdue --within 15m --notify wecom://K >/dev/null\n"
            "propcli repair complete R-2QG9 \\\n        --item SD-01 --as 吴海涛\n"
            "records/x.yaml:11: resolve: propcli resolve R-2 --bogus VALUE\n```\n")
    assert doc_command_problems(good, page) == []
    bad = ("```sh\npropcli repair arrive R-2QG9 --bogus\n"
           "propcli repiar new --name 张三\n"
           "cd /srv && propcli list --open --statuss 已接单\n"
           "propcli repair complete R-2QG9 \\\n        --itme SD-01\n"
           "propcli repair\n```\n"
           "propcli list --not-in-a-fence\n")
    problems = doc_command_problems(bad, page)
    assert problems == ["page.md:2: propcli repair arrive: no such option --bogus",
                        "page.md:3: propcli: no such command 'repiar'",
                        "page.md:4: propcli list: no such option --statuss",
                        "page.md:5: propcli repair complete: no such option --itme",
                        "page.md:7: propcli repair: a group, not a command"]
