#!/usr/bin/env python3
"""Checks job documents (one object or an array, on standard input) against jobs/schemas
with a JSON Schema 2020-12 validator; prints one line per document: `ok` or `invalid: …`.
Follow-ups (`then`) may lack the args their parent's result supplies, as in the engine.
Needs Debian's python3-jsonschema (ops/test installs it)."""
import copy
import json
import os
import sys

from jsonschema import Draft202012Validator

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "jobs", "schemas")
FLOW_FIELDS = {"serviceName", "vrack", "popId", "datacenterConfigId", "extraId"}
schemas = {name[: -len(".schema.json")]: json.load(open(os.path.join(SCHEMAS, name)))
           for name in os.listdir(SCHEMAS) if name.endswith(".schema.json")}


def follow_up(schema):
    relaxed = copy.deepcopy(schema)
    args = relaxed["properties"]["args"]
    args["required"] = [field for field in args.get("required", []) if field not in FLOW_FIELDS]
    return relaxed


def check(document, path, is_follow_up):
    kind = document.get("type") if isinstance(document, dict) else None
    if kind not in schemas:
        return [f"{path}type: no schema for {kind!r}"]
    schema = follow_up(schemas[kind]) if is_follow_up else schemas[kind]
    errors = [f"{path}{'.'.join(str(p) for p in error.absolute_path) or '(document)'}: {error.message}"
              for error in Draft202012Validator(schema).iter_errors(document)]
    for index, item in enumerate(document.get("then") or []):
        errors += check(item, f"{path}then[{index}].", True)
    for index, item in enumerate(document.get("children") or []):
        errors += check(item, f"{path}children[{index}].", False)
    return errors


documents = json.load(sys.stdin)
for document in documents if isinstance(documents, list) else [documents]:
    problems = check(document, "", False)
    print("ok" if not problems else "invalid: " + "; ".join(problems))
