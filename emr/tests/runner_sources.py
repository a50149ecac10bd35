"""Source CSVs for the logs the real runner writes in the emr tests: small, with known bad rows.

Three objects (Account, Contact, Invoice__c) per run and env, plus Lead in run 1 of dev for the ``Status``
field. Row counts differ by run and env so that counts by env and run mean something. Contact gains a
``Title`` column in run 3. Account has no bad rows, so it has no failure logs at all.
"""

from __future__ import annotations

import csv
import io
from typing import Dict, List, Sequence

from sfetl_processes import STACK_ENVS, runner_config  # test/python/support, on pytest's pythonpath

ENVS = STACK_ENVS
RUNS = ("run-1", "run-2", "run-3")
OBJECTS = ("Account", "Contact", "Invoice__c")


def _csv(header: Sequence[str], rows: List[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def sources(run_index: int, env_index: int) -> Dict[str, str]:
    """Object → CSV text for run ``run_index`` (1-based) in env ``ENVS[env_index]``."""
    accounts = 8 + 2 * env_index + run_index
    contacts = 10 + 2 * env_index + run_index
    invoices = 6 + env_index + run_index
    industries = ("Banking", "Energy", "Retail", "Technology")

    account_rows = [
        [f"A-{i:03d}", f"Account {i} r{run_index}", industries[i % len(industries)], f"+1 555 01{i:02d}"]
        for i in range(accounts)
    ]

    with_title = run_index == 3
    contact_header = ["Ext_Id__c", "FirstName", "LastName", "Email", "Account.Ext_Id__c"]
    if with_title:
        contact_header.append("Title")
    contact_rows: List[List[str]] = []
    for i in range(contacts):
        row = [f"C-{i:03d}", f"First {i}", f"Last, {i}", f"person{i}@example.com", f"A-{i % accounts:03d}"]
        if with_title:
            row.append(f"Title {i}")
        contact_rows.append(row)
    contact_rows[3][3] = "person3.example.com"  # INVALID_EMAIL_ADDRESS in the org
    if run_index == 2:
        contact_rows[5].append("surplus")  # SFETL_COLUMN_COUNT: rejected before upload

    invoice_rows = [
        [f"INV-{i:04d}", f"A-{i % accounts:03d}", f"{100 + i}.50", f"2025-0{run_index}-1{i % 9}", "Sent"]
        for i in range(invoices)
    ]
    invoice_rows[1][4] = "Bogus"  # INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST

    files = {
        "Account": _csv(["Ext_Id__c", "Name", "Industry", "Phone"], account_rows),
        "Contact": _csv(contact_header, contact_rows),
        "Invoice__c": _csv(
            ["Invoice_Number__c", "Account__r.Ext_Id__c", "Amount__c", "Invoice_Date__c", "Status__c"], invoice_rows
        ),
    }
    if run_index == 1 and env_index == 0:
        statuses = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted")
        files["Lead"] = _csv(
            ["LastName", "Company", "Status"], [[f"Lead {i}", f"Company {i}", statuses[i % 3]] for i in range(5)]
        )
    return files


def config(stack: Dict, sources_prefix: str, objects: Sequence[str]) -> Dict:
    """A runner configuration for the stack ``sfetl stack`` printed, loading ``objects`` from one prefix."""
    external_ids = {"Account": "Ext_Id__c", "Contact": "Ext_Id__c", "Invoice__c": "Invoice_Number__c"}
    # The bad rows are on purpose; a run with them is still a successful run here (the limits' threshold).
    return runner_config(
        stack,
        [
            {
                "name": name,
                "source": f"s3://{stack['buckets']['source']}/{sources_prefix}{name}/",
                **(
                    {"operation": "upsert", "externalIdField": external_ids[name]}
                    if name in external_ids
                    else {"operation": "insert"}
                ),
                "loadOrder": order,
            }
            for order, name in enumerate(objects, start=1)
        ],
    )
