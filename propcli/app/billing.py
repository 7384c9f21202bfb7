"""The finance hand-over list of repairs (10.4.1-7, 10.4.3): what finance bills for a month."""
from propcli.timeutil import check_month


def billing(session, month: str) -> list[dict]:
    """Copy-3 forms handed to finance in `month` (10.4.1-7, 10.4.3): what finance bills."""
    from propcli.app.services import list_records

    check_month(month)
    from datetime import datetime

    from propcli.timeutil import zone

    month_start = datetime(int(month[:4]), int(month[5:]), 1, tzinfo=zone(session.ledger.tz))
    rows = []
    for record in list_records(session, kind="repair", touched_since=month_start):
        finance = next((e for e in record["events"] if e["step"] == "finance"), None)
        if finance and finance["at"][:7] == month:
            rows.append({"id": record["id"], "name": record.get("name"), "address": record.get("address"),
                         "phone": record.get("phone"), "item": record.get("item"), "amount": record.get("fee_total", 0.0),
                         "finance": finance["at"], "paid": any(e["step"] == "paid" for e in record["events"])})
    return rows
