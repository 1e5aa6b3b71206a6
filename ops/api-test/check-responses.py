#!/usr/bin/python3
"""Checks answers of the HTTP API against docs/openapi.json (APITests run it; Debian's
python3-jsonschema): each answer's status must be declared for its operation, its
content type declared for that status, and its body valid against that schema.

Input: JSON lines {"method", "path" (concrete, no query), "status", "contentType", "body"}.
Prints one line per disagreement and exits 1 when there is any."""
import json
import re
import sys

from jsonschema import Draft202012Validator, RefResolver

spec = json.load(open(sys.argv[1], encoding="utf-8"))
resolver = RefResolver("", spec)


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


routes = []
for template, item in spec["paths"].items():
    pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
    routes.append((re.compile(pattern), template, item))

failures = []
for number, line in enumerate(sys.stdin, 1):
    answer = json.loads(line)
    where = f"{answer['method']} {answer['path']} → {answer['status']}"
    matches = [(t, item) for (rx, t, item) in routes if rx.match(answer["path"])]
    if not matches:
        if answer["status"] != 404:
            failures.append(f"{where}: no path of the description matches")
        continue
    template, item = matches[0]
    operation = item.get(answer["method"].lower())
    if operation is None:
        if answer["status"] != 405:
            failures.append(f"{where}: {template} declares no {answer['method']}")
        continue
    responses = operation["responses"]
    response = responses.get(str(answer["status"])) or responses.get("default")
    if response is None:
        failures.append(f"{where}: status not declared for {operation['operationId']} (declared: {', '.join(responses)})")
        continue
    response = deref(response)
    content = response.get("content", {})
    media = (answer.get("contentType") or "").split(";")[0].strip()
    if not content:
        if answer.get("body"):
            failures.append(f"{where}: a body where the description declares none")
        continue
    if media not in content:
        failures.append(f"{where}: content type '{media}' not declared (declared: {', '.join(content)})")
        continue
    schema = content[media].get("schema")
    if schema is None or media == "text/event-stream":
        continue
    try:
        body = json.loads(answer.get("body") or "")
    except ValueError as error:
        failures.append(f"{where}: the body is not JSON: {error}")
        continue
    errors = sorted(Draft202012Validator(schema, resolver=resolver).iter_errors(body), key=str)
    for error in errors[:3]:
        failures.append(f"{where}: {'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message}")

for failure in failures:
    print(failure)
sys.exit(1 if failures else 0)
