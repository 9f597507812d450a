"""The event-driven benchmark's figures as lines, one per row of the README's table, and whether
every invoice and customer is in every ledger exactly once."""

from __future__ import annotations

LABELS = {"quickbooks": "QuickBooks", "xero": "Xero"}


def _both(values: dict, key: str) -> str:
    return ", ".join(f"{LABELS[p]} {values[p][key]}" for p in LABELS)


def _seconds(value) -> str:
    return "over the time-out (too many did not arrive)" if value is None else f"{value} s"


def events_report_lines(figures: dict) -> list[str]:
    one, burst = figures["one_by_one"], figures["burst"]
    edits = one["edits"]
    fair_one, fair_two = figures["organisations"]
    lines = [
        f"Event-driven, webhooks on, worker prefork with {figures['worker_processes']} "
        f"processes (sandbox {figures['sandbox_url']}).",
        f"Requests per invoice, one send with a new customer ({one['sends']} sends, one at a "
        f"time): {_both(one, 'requests_per_invoice')}",
        f"Send → in both ledgers, p95 over {one['sends']}: {_seconds(one['p95_seconds']['both'])}"
        f" (QuickBooks {_seconds(one['p95_seconds']['quickbooks'])}, Xero "
        f"{_seconds(one['p95_seconds']['xero'])}; not arrived {one['not_arrived']})",
    ]
    for direction, edit in edits.items():
        source, target = direction.split("_to_")
        lines.append(
            f"Edit in {LABELS[source]} → in {LABELS[target]}, p95 over {edit['edits']}: "
            f"{_seconds(edit['p95_seconds'])} (not arrived {edit['not_arrived']})"
        )
    lines += [
        f"Burst of {burst['sends']} sends (issued in {burst['issued_seconds']} s) → all in both "
        f"ledgers: {_seconds(burst['seconds_until_all_in_both'])}; requests per invoice "
        f"{_both(burst, 'requests_per_invoice')}; refused with 429 "
        f"{_both(burst, 'refused_429')}; not arrived {burst['not_arrived']}",
    ]
    for fair in (fair_one, fair_two):
        lines.append(
            f"{len_organisations(fair)} with {fair['worker_processes']} worker "
            f"process(es): every organisation's first invoice in both ledgers within "
            f"{_seconds(fair['first_invoice_in_both_max_seconds'])} "
            f"({fair['organisations_without_any_after_30_s']} waited over 30 s, "
            f"{fair['organisations_with_an_invoice_in_both']} had one); all in "
            f"{_seconds(fair['seconds_until_all_in_both'])}, {fair['invoices_per_second']} "
            f"invoices/s; not arrived {fair['not_arrived']}; the machine's cores "
            f"{fair.get('machine_cpu_busy_percent', '?')} % busy"
        )
    for drained in figures["backlog"]:
        lines.append(
            f"Backlog of {drained['invoices']} sends, {drained['worker_processes']} worker "
            f"process(es) taking it: all in both ledgers in "
            f"{_seconds(drained['seconds_until_all_in_both'])}, "
            f"{drained['invoices_per_second']} invoices/s; not arrived {drained['not_arrived']}; "
            f"the machine's cores {drained['machine_cpu_busy_percent']} % busy"
        )
    lines += [
        f"Throughput, 2 worker processes / 1: {figures['throughput_ratio_2_to_1']} on a backlog, "
        f"{figures['staff_pace_ratio_2_to_1']} with staff sending at the same time",
        f"Hub CPU per invoice (worker processes): burst {burst['hub_cpu_ms_per_invoice']} ms, "
        f"one at a time {one['hub_cpu_ms_per_invoice']} ms, organisations "
        f"{fair_one['hub_cpu_ms_per_invoice']} / {fair_two['hub_cpu_ms_per_invoice']} ms, backlog "
        + " / ".join(f"{d['hub_cpu_ms_per_invoice']}" for d in figures["backlog"])
        + " ms",
    ]
    tally = figures["tally"]
    for provider, label in LABELS.items():
        lines.append(
            f"{label}: invoices {tally.get(f'{provider}_invoice_duplicates', 0)} duplicates, "
            f"{tally.get(f'{provider}_invoices_missing', 0)} missing; customers "
            f"{tally.get(f'{provider}_customer_duplicates', 0)} duplicates, "
            f"{tally.get(f'{provider}_customers_missing', 0)} missing"
        )
    lines.append(f"Hub: {tally.get('hub_duplicates', 0)} copies pulled back")
    return lines


def len_organisations(fair: dict) -> str:
    return f"{fair['organisations']} organisations × {fair['per_organisation']} invoices"


def events_all_landed(figures: dict) -> bool:
    """0 duplicates and 0 missing in every ledger and the hub, every send and edit arrived."""
    if any(figures["tally"].values()):
        return False
    one = figures["one_by_one"]
    waited = [one["not_arrived"], figures["burst"]["not_arrived"]]
    waited += [edit["not_arrived"] for edit in one["edits"].values()]
    waited += [fair["not_arrived"] for fair in figures["organisations"] + figures["backlog"]]
    return not any(waited)
