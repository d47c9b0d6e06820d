"""Check results as JUnit XML, the report format CI systems read: a test suite per table and a
test case per rule (failed and error results as failures and errors, skipped ones skipped)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from itertools import groupby

from .results import CheckReport


def junit_xml(report: CheckReport) -> str:
    """The report as a JUnit XML document."""
    suites = ET.Element(
        "testsuites",
        name="dataops contract check",
        tests=str(report.summary.total),
        failures=str(report.summary.failed),
        errors=str(report.summary.error),
        skipped=str(report.summary.skipped),
        time=f"{report.duration:.3f}",
    )
    for table, grouped in groupby(report.results, key=lambda r: r.table):
        results = list(grouped)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=table,
            tests=str(len(results)),
            failures=str(sum(r.status == "failed" for r in results)),
            errors=str(sum(r.status == "error" for r in results)),
            skipped=str(sum(r.status == "skipped" for r in results)),
        )
        for result in results:
            case = ET.SubElement(suite, "testcase", classname=table, name=result.rule)
            detail = (
                f"{result.description}: measured {result.measured}, expected {result.threshold}"
            )
            if result.reason:
                detail += f" ({result.reason})"
            if result.status == "failed":
                failure = ET.SubElement(case, "failure", message=detail, type=result.kind)
                failure.text = _body(result.sql, result.samples)
            elif result.status == "error":
                ET.SubElement(case, "error", message=detail, type=result.kind).text = result.sql
            elif result.status == "skipped":
                ET.SubElement(case, "skipped", message=result.reason or "not evaluated")
            elif result.status == "warning":
                ET.SubElement(case, "system-out").text = "warning: " + detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _body(sql: str | None, samples: list[dict[str, object]]) -> str:
    lines = [sql or ""]
    lines += [json.dumps(sample, ensure_ascii=False) for sample in samples]
    return "\n".join(line for line in lines if line)
