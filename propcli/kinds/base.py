"""What a kind declares, as data: `Kind`, its `Step`s and their `Option`s, its callback source.

Nothing here imports click: the CLI (propcli/cli/kinds.py) turns these declarations into commands, the
app layer into derived views, checks, mail labels, forms and statistics. A kind module ends with one
`KIND = Kind(...)` and the registry (propcli/kinds/__init__.py) names it.
"""
from datetime import datetime
from typing import Any
from collections.abc import Callable

from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.model import Record


class Declared:
    """A declaration: attributes given as keywords (or in the order of the annotations), the rest taken
    from the class's defaults. Plain classes rather than dataclasses: start-up pays ~1 ms per dataclass."""

    def __init__(self, *args, **kwargs):
        names = tuple(type(self).__annotations__)
        for name, value in zip(names, args):
            setattr(self, name, value)
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{type(self).__name__}: unknown field {name!r}")
            setattr(self, name, value)
        defaults = vars(type(self))
        missing = []
        for name in names[len(args):]:
            if name not in kwargs:
                if name in defaults:  # set on the instance: a default function stays a plain function
                    setattr(self, name, defaults[name])
                else:
                    missing.append(name)
        if missing:
            raise TypeError(f"{type(self).__name__}: missing {', '.join(missing)}")

    def __repr__(self):
        return f"{type(self).__name__}({getattr(self, 'name', '')!r})"


class Option(Declared):
    """A command-line option of `new` or of a step. `takes` says what the CLI reads:
    text, int, flag, choice (`choices`), time (a DATETIME in the ledger's timezone), person (a name of
    staff.yaml), name (a resident's or an outside body's name, not on the roster), department (a department or
    a name of staff.yaml), role (a role key), id (a record id). Whatever names someone is checked in one place
    (fields.check_named: no invisible characters; the roster for person and department)."""

    name: str
    help: str = ""
    takes: str = "text"
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    multiple: bool = False
    default: Any = None
    dest: str | None = None
    sample: str | None = None
    """The value the --help example shows (default: a sample by the option's name)."""

    @property
    def key(self) -> str:
        return self.dest or self.name.lstrip("-").replace("-", "_")


class Step(Declared):
    """One step of a kind's procedure: `propcli KIND STEP ID [options]` records it as an event.

    `after`: the steps it may follow (documentation and the generic check; a kind's own `check_step` may
    refine it). `roles`: who does it (the default; `policy.yaml` `steps:` may say otherwise). `limit`: the
    rule whose time limit the help text quotes from the ledger's policy."""

    name: str
    zh: str
    clause: str
    help: str
    after: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    limit: tuple[str, ...] = ()
    repeatable: bool = False
    """Recorded more than once (the kind's own check says when)."""
    when_closed: bool = False
    """Recorded on a closed record too (a callback's rectification and review come after it is made)."""


class Action(Declared):
    """A command of a kind that is not a step on one record (`repair billing`, `callback plan`, `patrol
    repair`): `run` is the kind's own function, or the name of a service of the app layer (`propcli.app.steps.
    SERVICES`: a kind never names an app module), called with the session and the options; `shows` says how the
    result prints: "record" (as `show`), "records" or "rows" (with `columns`)."""

    name: str
    help: str
    run: str | Callable
    options: tuple[Option, ...] = ()
    argument: str | None = None
    shows: str = "record"
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    total: str | None = None
    """A column of "rows" summed below the table (`repair billing`: what finance bills); JSON stays the rows."""
    roles: tuple[str, ...] = ()
    """Who runs it (`callback plan`: the service director, 11.1.2); policy.yaml `steps:` may say otherwise."""
    clause: str = "-"
    """The clause it carries out, quoted when someone else is refused (`callback plan`: 11.1.2)."""


class CallbackSource(Declared):
    """What a kind contributes to the callback plan (11.1.3-6): the rule of its window, the coverage
    target, who calls (`role_of`), when the matter was done (`done_at`) and which records need none."""

    rule: str
    target: float | None
    clause: str
    role_of: Callable[[Record], str]
    done_at: Callable[[Record], datetime | None]
    exempt: Callable[[Record], bool] = lambda record: False
    plan_fields: Callable[[Record], dict] = lambda record: {}
    """What the planned callback copies from its source (a complaint's severity, an event's households)."""
    settled: Callable[[Record], bool] = lambda record: True
    """An exempt source (11.1.13) counts as handled (11.1.11) when this says so: a 复函-only complaint once
    its written reply is attached."""
    title: str | None = None
    """Its name where callbacks are counted by source (《客户回访记录》, the monthly report): an English msgid
    (`Complaints`); None: the kind's label."""
    compared: str | None = None
    """The heading of its coverage where the company's monthly report sets the offices side by side (11.2.4), an
    English msgid (`Complaint callbacks`), also a line of its month-by-month chart; None: its coverage is in the
    figures table only."""
    households: str | None = None
    """The field saying how many households a source stands for (an event's participating households, 11.1.5): its
    coverage counts households reached (each callback's `--households`, default 1) of those (default 1), not
    sources called back. None: a source counts once."""


class Column(Declared):
    """A column of a register: `name` keys its cell in a row, `label` heads it (an English msgid of the catalogue,
    or the heading itself in a plug-in's words; default: the name), `width` in mm of the printable width (A4
    landscape 273 mm, portrait 186 mm, the 序号 column included; None: an equal share of 264 mm). A register may
    give a column as its heading alone (a str)."""

    name: str
    label: str | None = None
    width: int | None = None


class Register(Declared):
    """A paper form a kind prints (`propcli form NAME KEY`, SPEC.md "The paper forms and their fields"): a register
    of a month, one row per line (`rows`), or a form of one record (`fill`: the 维修单, 10.4.1).

    `rows(sheet)` gets the app layer's read-only view of what it prints (propcli/app/forms.py `Sheet`: the key, the
    month, the kind's records of the month as paper prints them, and what else a register reads: other kinds'
    records, a record by id, the fees owed in the month) and returns dicts keyed by column name (a column left out
    prints empty; `kinds.paper.Sign` a place to sign, `kinds.paper.Total` a 合计 line). `rows` may instead name a
    service of the app layer (`propcli.app.forms.SERVICES`: a kind never names an app module). With `of_record`
    the register is also printed for one record (`form NAME ID`: `sheet.record`)."""

    name: str
    title: str
    clause: str
    columns: tuple[Column | str, ...] = ()
    rows: Callable[[Any], list[dict]] | str | None = None
    template: str = "register"
    orientation: str = "landscape"
    footer: tuple[str, ...] = (N_("Prepared by"), N_("Reviewed by"))
    """The signature lines below the register (msgids)."""
    blank_rows: int = 12
    """The empty rows of a blank register, to fill in by hand."""
    takes: str = N_("a month YYYY-MM")
    """What the key may be, as `form`'s refusal says it."""
    of_record: bool = False
    fill: Callable[[Any, dict], dict] | None = None
    """A form of one record (per record, not per month): its template's values given the sheet and the record as
    paper prints it ({} for a blank form); it refuses a record it is not for (BadInput)."""
    numbered: str | None = None
    """Pre-numbered (11.4, 10.4.1): the field of the kind's records naming the number of the paper form a record was
    written on (the 维修单's `form_no`, `repair new --form-no`); `form NAME --blank --count N` reserves N numbers of
    the ledger's form-number book first. None: not pre-numbered."""

    @property
    def per_record(self) -> bool:
        return self.fill is not None

    @property
    def column_list(self) -> tuple[Column, ...]:
        return tuple(c if isinstance(c, Column) else Column(c) for c in self.columns)


class Stat(Declared):
    """A kind's section of `propcli stats` (9.4.10, 11.2.4): `section` names it (`drills`), `figures` computes
    it: a function given the month's records (those received in the month, as of now) and the section's on-time
    shares (rule -> share), or the name of a service of the app layer (`propcli.app.stats.SERVICES`) for the
    figures the index counts. `rule_sections` files the shares of some rules under another section
    (repair: `public.` -> `public_repairs`); with no `figures`, the kind only files its shares (`visit`'s under
    `callbacks`)."""

    section: str
    figures: str | Callable | None = None
    rule_sections: dict[str, str] = {}

    def section_of(self, rule: str) -> str:
        return next((s for prefix, s in self.rule_sections.items() if rule.startswith(prefix)), self.section)


class Derived(Declared):
    """A deadline rule of a kind kept on no record, derived from the kind's settings (propcli.yaml, under the kind's
    name) and its records: 12.2.2 每天巡楼 `patrol.daily`, a round due every working day for each area of
    `patrol.areas`. `overdue` lists its breaches, unassigned, when asked for the kind and for the role that answers
    for them: the first of `escalation`, who is told next after it in order. `breaches` names the service of the app
    layer that lists them (`propcli.app.overdue.SERVICES`: a kind never names an app module)."""

    rule: str
    clause: str
    escalation: tuple[str, ...]
    breaches: str

    @property
    def role(self) -> str:
        return self.escalation[0]


class Create(Declared):
    """What a kind's `new` plans: a record of `kind` with `values`, received at `received`. The app layer
    writes it (one commit); `then(record)` runs after (a warning to print)."""

    kind: str
    values: dict
    received: datetime | None
    first_event: dict | None = None
    summary: str | None = None
    then: Callable[[Record], None] | None = None


class Append(Declared):
    """What a kind's step plans: event `step` with `data` on record `record_id`, at `at` (None: now). The app
    layer writes it under the lock after the kind's checks (`Kind.check_event`) and `check(record, event)`;
    `then(record)` runs after."""

    record_id: str
    step: str
    data: dict
    at: datetime | None = None
    check: Callable[[Record, Any], None] | None = None
    summary: str | None = None
    then: Callable[[Record], None] | None = None


class Change(Declared):
    """What a kind plans when one commit appends to records AND creates others (a complaint handled with its
    callback, a dissatisfied callback with the next one, an open letter with the callbacks it answers):
    `appends` are (record_id, step, data, at) tuples, `creates` Records with their ids chosen (`ids.new_id`);
    `validate({id: record})` may refuse under the lock. The commit message: `message`, else the one of
    `subject` (record, step, summary) followed by `trailer`."""

    appends: tuple = ()
    creates: tuple = ()
    validate: Callable[[dict], None] | None = None
    message: str | None = None
    subject: tuple | None = None
    trailer: str = ""


class Field(Declared):
    """A field of the record file with its label (zh, en) for tables, forms and exports."""

    name: str
    zh: str
    en: str


def never(record: Record):
    return None


def first_event(record: Record):
    return record.events[0]


class Kind(Declared):
    name: str
    zh: str
    en: str
    clause: str
    help: str
    fields: tuple[Field, ...] = ()
    new: Callable | None = None
    new_options: tuple[Option, ...] = ()
    new_help: str = ""
    new_limit: tuple[str, ...] = ()
    new_roles: tuple[str, ...] = ()
    """Who records a new one (`patrol new`: property and patrol officers, 12.1); policy.yaml `KIND.new` may
    say otherwise; none: anyone on the roster."""
    steps: tuple[Step, ...] = ()
    step: Callable | None = None
    actions: tuple[Action, ...] = ()
    check_step: Callable[[Record, Any], None] | None = None
    order: Callable[[Record, str], None] | None = None
    """The part of the kind's own check that refuses a step out of order (exit 2 naming what it must follow),
    whatever the step carries: `step_applies` asks it. None: the generic order of `Step.after`."""
    closing_event: Callable[[Record], Any] = never
    fee_total: Callable[[Record], Any] | None = None
    uncounted_at: Callable[[Record], Any] = never
    """When the record stopped counting in statistics (a merged duplicate, 11.1.12); None: it counts."""
    callback_source: CallbackSource | None = None
    registers: tuple[Register, ...] = ()
    """The paper forms it prints (`propcli form NAME`), rows and all."""
    rule_labels: dict[str, str] = {}
    """The Chinese label of each deadline rule the kind's policy rows name."""
    labels: dict[str, dict[str, Any]] = {}
    """The kind's words by group (`rule`, `value`, `stat`: `propcli.i18n.label`): key -> an English msgid of the
    catalogue, or (English, Chinese) for a kind whose words are not in the catalogue (a plug-in)."""
    stats: Stat | None = None
    """Its section of `propcli stats`."""
    derived: tuple[Derived, ...] = ()
    """Its deadline rules kept on no record, whose breaches `overdue` derives (patrol's daily round, 12.2.2)."""
    refine_after: Callable[[Record, str, tuple[str, ...]], tuple[str, ...] | None] | None = None
    """The steps `step` may follow on this record, refining its `Step.after` (given): repair's public procedure
    (10.4.2) and listed/quoted variants (10.4.1-2); None: not a step of this record."""
    clause_for: Callable[[Record, str], str | None] | None = None
    """The clause of a step on this record when not the step's own (a public repair's 10.4.2-n)."""
    guard: Callable[[Record, str], None] | None = None
    """What the order alone does not say, checked before it (repair: a quote only for off-list items)."""
    after_new: Callable[[dict], list[str]] | None = None
    asks: Callable[[dict], tuple[str, ...]] = lambda values: ()
    """The options of `new` a clerk is asked for on a terminal when they are missing (given what was given)."""
    summary_keys: tuple[str, ...] = ("item", "detail")
    awaiting_review: Callable[[Record], bool] | None = None
    """Records waiting for a director's review and signature (`list --unreviewed`; callbacks, 11.1.8)."""
    is_callback: Callable[[Record], bool] | None = None
    """Records of this kind that are themselves callbacks (a move-in visit is the 入伙回访 of 11.1.6): listed in
    the month's callback plan and printed in the 《回访记录表》."""
    fee_at: Callable[[Record], Any] = never
    """When the record's fee became owed (a resident repair completed, a help request charged, 9.4.9): the
    month of `form paid-service` and of `stats` fees. The fee does not change after it."""
    billed_at: Callable[[Record], Any] = never
    """When the fee went to finance for billing (copy 3 of the 维修单, 10.4.1-7): `repair billing`."""
    paid_service: Callable[[dict], dict] | None = None
    """The line of 《有偿服务记录表》 (10.5.1) of a record as `show` prints it: date, id, unit, resident, service,
    amount, by, signature, finance; and `item`, what finance's billing list names (`repair billing`, 10.4.3)."""
    archive_line: Callable[[dict], tuple[str, dict] | None] | None = None
    """Its line in the callback archive 《回访记录表》 (11.3.1) of a record as paper prints it: (when it was filed,
    the line keyed by the register's columns), or None for a record not filed there (a holiday visit)."""
    redact: Callable[[dict, bool], dict] | None = None
    """What lists, mail, printed forms and reports show of a record (as `show` prints it): a confidential
    enquiry's detail as 保密 (9.4.3-4); with `drop`, the detail left out (`export --redact`)."""

    @property
    def prefix(self) -> str:
        """The id prefix, from the registry (propcli/kinds/__init__.py: the one fact it holds of a kind)."""
        from propcli.ids import PREFIX

        return PREFIX[self.name]

    def step_named(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    def step_applies(self, step: str, record: Record) -> bool:
        """Whether `step` may be recorded on `record` now, as far as the procedure's order goes (not what the
        step carries): the kind's `order` check when it has one (the part of its own check that refuses a step
        out of order), and the generic `check_order` (`Step.after` as the kind refines it, the record not closed,
        not done twice unless repeatable). Shell completion offers a step only the records it applies to (issue 19
        point 5: `repair arrive` only repairs taken)."""
        declared = self.step_named(step)
        if declared is None:
            return False
        from propcli.errors import PropcliError

        try:
            if self.order is not None:
                self.order(record, step)
            self.check_order(record, step)
        except PropcliError:
            return False
        return True

    def step_label(self, name: str) -> str:
        found = self.step_named(name)
        return found.zh if found else COMMON_STEP_ZH.get(name, name)

    def after_of(self, record: Record, step: str) -> tuple[str, ...] | None:
        """The steps `step` may follow on `record`: its `Step.after`, as the kind refines it; None: not a step
        of this record."""
        declared = self.step_named(step)
        if declared is None:
            return None
        if self.refine_after is not None:
            return self.refine_after(record, step, declared.after)
        return declared.after

    def clause_of(self, record: Record, step: str) -> str:
        refined = self.clause_for(record, step) if self.clause_for is not None else None
        declared = self.step_named(step)
        return refined or (declared.clause if declared else self.clause)

    def check_order(self, record: Record, step: str) -> None:
        """The one generic order check (issue 17): a step of this record, the record not closed, not done twice
        unless `repeatable`, and the last workflow step among those it may follow (`Step.after`, refined by
        `refine_after`). Refused: BadInput naming the missing or conflicting step and the clause."""
        from propcli.i18n import language

        after = self.after_of(record, step)
        word = self.zh if language() == "zh_CN" else self.name
        if after is None:
            allowed = [s.name for s in self.steps if self.after_of(record, s.name) is not None]
            raise BadInput(_("step: '{step}' is not a step of {kind} {id}; expected one of {steps}",
                             step=step, kind=word, id=record.id, steps=", ".join(allowed)))
        clause = self.clause_of(record, step)
        declared = self.step_named(step)
        closing = None if declared is not None and declared.when_closed else self.closing_event(record)
        if closing is not None:
            raise BadInput(_("{kind} {id}: closed by '{closing}' at {at}; '{step}' is not possible ({clause})",
                             kind=word, id=record.id, closing=closing.step, at=closing.at.isoformat(), step=step,
                             clause=clause if closing.step == "new" else self.clause_of(record, closing.step)))
        done = record.first(step)
        if done is not None and not (declared is not None and declared.repeatable):
            raise BadInput(_("{kind} {id}: '{step}' is already recorded at {at}; it is done once ({clause})",
                             kind=word, id=record.id, step=step, at=done.at.isoformat(), clause=clause))
        if self.guard is not None:
            self.guard(record, step)
        events = record.workflow_events()
        current = events[-1].step if events else "new"
        if after and current not in after:  # no `after`: no order of its own
            raise BadInput(_("{kind} {id}: '{step}' must follow '{expected}' ({clause}); the last step is "
                             "'{current}'",
                             kind=word, id=record.id, step=step, expected="' or '".join(after), clause=clause,
                             current=current))

    def check_event(self, record: Record, event) -> None:
        """Everything a kind says of one event on `record`, whoever wrote it (a command, an import, a hand edit
        replayed by `check`): the kind's own `check_step` (what the step carries, and the kind's own words for a
        refusal), then the one generic order of its declared steps (`check_order`)."""
        if self.check_step is not None:
            self.check_step(record, event)
        if self.step_named(event.step) is not None:
            self.check_order(record, event.step)



COMMON_STEP_ZH = {"new": "登记", "note": "备注", "notice": "超时通知", "escalate": "升级", "import": "导入",
                  "hand edit": "手工修改", "recovered": "恢复"}
"""Labels of the steps every kind has."""
