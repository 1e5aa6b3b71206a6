"""The job documents docs/integrations.md tells ticketing systems to send are valid orders:
every JSON block parses once its placeholders (ServiceNow `${…}`, Jira `{{…}}`) are filled,
each order's jobs all carry meta.ticket and only the last one `"final": true`, and the
documents pass the job schemas (ops/lib/check-job-schemas.py, when python3-jsonschema is
installed, as ops/test makes sure).

    python3 -m unittest discover -s ops/examples -p 'test_*.py'
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrations.md"

# What a ticketing system would put in each placeholder.
SERVICENOW = {"service_name": "6f9b6dae-6f4c-47a8-8ac2-ce17a5794a3b", "vrack": "pn-10008", "interface_id": "110",
              "datacenter_id": "1", "ticket": "RITM0010001", "queue": "prov", "token": "cq_x"}
JIRA = [(r"customfield_10050", "6f9b6dae-6f4c-47a8-8ac2-ce17a5794a3b"), (r"customfield_10051", "pn-10008"),
        (r"customfield_10052", "1"), (r"issue\.key", "SD-123")]


def fill(text: str) -> str:
    def servicenow(match: re.Match) -> str:
        return SERVICENOW[match.group(1)]

    def jira(match: re.Match) -> str:
        for pattern, value in JIRA:
            if re.search(pattern, match.group(1)):
                return value
        raise AssertionError(f"no sample value for the smart value {match.group(0)}")

    return re.sub(r"\{\{([^}]+)\}\}", jira, re.sub(r"\$\{(\w+)\}", servicenow, text))


def json_blocks() -> list[str]:
    return re.findall(r"^\s*```json\n(.*?)^\s*```", DOC.read_text(), flags=re.S | re.M)


def chain(document: dict) -> list[dict]:
    jobs = [document]
    for follow_up in document.get("then", []):
        jobs += chain(follow_up)
    return jobs


class IntegrationDocsTests(unittest.TestCase):
    def orders(self) -> list[dict]:
        orders = [json.loads(fill(block)) for block in json_blocks()]
        self.assertGreaterEqual(len(orders), 3, "the curl, ServiceNow and Jira orders")
        return orders

    def test_each_order_tells_its_ticket_and_its_end(self):
        for order in self.orders():
            jobs = chain(order)
            tickets = {job.get("meta", {}).get("ticket") for job in jobs}
            self.assertEqual(len(tickets), 1, order)
            self.assertNotIn(None, tickets, order)
            finals = [job["type"] for job in jobs if job.get("meta", {}).get("final") is True]
            self.assertEqual(finals, [jobs[-1]["type"]], "only the last job is final")
            self.assertEqual(len({job["meta"].get("source") for job in jobs}), 1, order)

    @unittest.skipUnless(shutil.which("python3") and subprocess.run(
        ["python3", "-c", "import jsonschema"], capture_output=True).returncode == 0, "python3-jsonschema not installed")
    def test_orders_pass_the_job_schemas(self):
        for order in self.orders():
            checked = subprocess.run(["python3", str(ROOT / "ops" / "lib" / "check-job-schemas.py")],
                                     input=json.dumps(order), capture_output=True, text=True)
            self.assertEqual(checked.stdout.strip(), "ok", (order, checked.stdout, checked.stderr))


if __name__ == "__main__":
    unittest.main()
