"""The record schema the store calls (see propcli.store.schema): derived columns, file checks, kind labels."""
from propcli.store import schema as store_schema
from propcli.store.schema import IndexColumns


class KindsSchema:
    def index_columns(self, ledger, record) -> IndexColumns:
        from propcli import kinds
        from propcli.app.derive import needs_callback, source_done, view

        current = view(record, ledger)
        # NULL: no resident fee at all (not a repair, or a public one), which `stats` counts as public
        fee = current.fee_total
        fee_cents = None if fee is None or record.get("public") else int(fee * 100)
        declared = kinds.kind(record.kind)
        uncounted, fee_at = declared.uncounted_at(record), declared.fee_at(record)
        billed_at = declared.billed_at(record)
        void = record.voided
        if void is not None:  # 作废: out of every figure from then on; no fee owed, nothing billed
            uncounted = void.at if uncounted is None else min(uncounted, void.at)
            fee_at = billed_at = None
        return IndexColumns(current.status, current.open, current.closed_at, source_done(record), fee_cents,
                            current.deadlines, needs_callback(record), uncounted, fee_at, billed_at)

    def record_file_problems(self, ledger, relpath: str) -> list:
        from propcli.app.checks import check_record_file

        return check_record_file(ledger, relpath, {})

    def policy_of(self, ledger):
        from propcli.policy import parse_policy

        policy, _problems = parse_policy(ledger.settings("policy.yaml") or {})  # malformed: exit 3 (app/settings)
        return policy

    def calendar_of(self, ledger):
        from datetime import date

        from propcli.policy import WorkCalendar

        plain = ledger.settings("calendar.yaml") or {}  # a closure that is no date: exit 3 (app/settings)
        return WorkCalendar(frozenset(value if isinstance(value, date) else date.fromisoformat(value)
                                      for value in plain.get("closures") or []))

    def check_settings(self, ledger, name: str, plain) -> None:
        from propcli.app.settings import require

        require(ledger, name, plain)

    def kind_label(self, kind: str) -> str:
        from propcli import kinds

        return kinds.label(kind)

    def kind_of_id(self, record_id: str):
        from propcli.ids import kind_of

        return kind_of(record_id)


store_schema.install(KindsSchema())
