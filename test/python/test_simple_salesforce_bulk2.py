"""simple-salesforce, unmodified, loads data into the org emulator through Bulk API 2.0 (DESIGN.md §2.6).

Each test gets an empty `dev` org (see conftest.py) and checks what a user of the client sees: the job's
counts, the records in the org, and the rows of the result CSVs.
"""

import csv
import io
from pathlib import Path
from typing import Dict, List

from simple_salesforce import Salesforce

# Seconds between job status polls; the client's default (5 s) would make these tests slow for nothing.
POLL_SECONDS = 0.2


def result_rows(text: str) -> List[Dict[str, str]]:
    """The rows of a Bulk API 2.0 result CSV (successfulResults, failedResults)."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


def contacts_by_ext_id(sf: Salesforce) -> Dict[str, Dict[str, str]]:
    records = sf.query_all("SELECT Id, Ext_Id__c, LastName, Title FROM Contact")["records"]
    return {r["Ext_Id__c"]: r for r in records}


def test_insert_10000_contacts_all_succeed(sf: Salesforce) -> None:
    records = [
        {"FirstName": f"Ada{i}", "LastName": f"Lovelace{i}", "Email": f"ada{i}@example.com"}
        for i in range(10_000)
    ]

    results = sf.bulk2.Contact.insert(records=records, wait=POLL_SECONDS)

    assert len(results) == 1
    assert results[0]["numberRecordsProcessed"] == 10_000
    assert results[0]["numberRecordsFailed"] == 0
    assert results[0]["numberRecordsTotal"] == 10_000
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 10_000
    successes = result_rows(sf.bulk2.Contact.get_successful_records(results[0]["job_id"]))
    assert len(successes) == 10_000
    assert {row["sf__Created"] for row in successes} == {"true"}
    assert len({row["sf__Id"] for row in successes}) == 10_000


def test_bad_rows_fail_with_salesforce_error_codes(sf: Salesforce, tmp_path: Path) -> None:
    # Ext_Id__c names each row, because failedResults need not keep the upload order.
    rows = [
        # Ext_Id__c, LastName, Email, Birthdate, expected error code (None: the row loads)
        ("good", "Hopper", "grace@example.com", "1906-12-09", None),
        ("no-last-name", "", "no-name@example.com", "", "REQUIRED_FIELD_MISSING"),
        ("bad-email", "Turing", "alan(at)example.com", "", "INVALID_EMAIL_ADDRESS"),
        ("long-last-name", "L" * 81, "long@example.com", "", "STRING_TOO_LONG"),
        ("bad-birthdate", "Boole", "george@example.com", "1815-02-30", "INVALID_TYPE_ON_FIELD_IN_RECORD"),
    ]
    expected_field = {
        "no-last-name": "LastName",
        "bad-email": "Email",
        "long-last-name": "LastName",
        "bad-birthdate": "Birthdate",
    }
    source = tmp_path / "contacts.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["Ext_Id__c", "LastName", "Email", "Birthdate"])
        writer.writerows(row[:4] for row in rows)

    results = sf.bulk2.Contact.insert(csv_file=str(source), wait=POLL_SECONDS)

    assert results[0]["numberRecordsProcessed"] == 5
    assert results[0]["numberRecordsFailed"] == 4
    failures = {r["Ext_Id__c"]: r for r in result_rows(sf.bulk2.Contact.get_failed_records(results[0]["job_id"]))}
    assert {ext_id: r["sf__Error"].split(":", 1)[0] for ext_id, r in failures.items()} == {
        ext_id: code for ext_id, _, _, _, code in rows if code is not None
    }
    for ext_id, field in expected_field.items():
        # Salesforce's sf__Error ends with the fields at fault: "CODE:message:Field --".
        assert failures[ext_id]["sf__Error"].endswith(f":{field} --"), failures[ext_id]["sf__Error"]
        assert failures[ext_id]["sf__Id"] == ""
    assert failures["long-last-name"]["LastName"] == "L" * 81  # the uploaded values are echoed as sent
    assert list(contacts_by_ext_id(sf)) == ["good"]


def test_upsert_by_external_id_twice_updates_instead_of_duplicating(sf: Salesforce) -> None:
    first = [{"Ext_Id__c": f"C-{i:04d}", "LastName": f"Before{i}", "Title": "Engineer"} for i in range(500)]
    second = [{"Ext_Id__c": f"C-{i:04d}", "LastName": f"After{i}", "Title": "Manager"} for i in range(500)]

    first_run = sf.bulk2.Contact.upsert(records=first, external_id_field="Ext_Id__c", wait=POLL_SECONDS)
    ids_after_first = {ext_id: r["Id"] for ext_id, r in contacts_by_ext_id(sf).items()}
    second_run = sf.bulk2.Contact.upsert(records=second, external_id_field="Ext_Id__c", wait=POLL_SECONDS)

    assert [r["numberRecordsFailed"] for r in first_run + second_run] == [0, 0]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 500
    contacts = contacts_by_ext_id(sf)
    assert {ext_id: r["Id"] for ext_id, r in contacts.items()} == ids_after_first
    assert {(r["LastName"], r["Title"]) for r in contacts.values()} == {(f"After{i}", "Manager") for i in range(500)}
    first_results = result_rows(sf.bulk2.Contact.get_successful_records(first_run[0]["job_id"]))
    second_results = result_rows(sf.bulk2.Contact.get_successful_records(second_run[0]["job_id"]))
    assert {r["sf__Created"] for r in first_results} == {"true"}
    assert {r["sf__Created"] for r in second_results} == {"false"}
    assert {r["Ext_Id__c"]: r["sf__Id"] for r in second_results} == ids_after_first
