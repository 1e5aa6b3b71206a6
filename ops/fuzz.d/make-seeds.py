#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (ops/fuzz.d/corpus/<target>/) from jobs/examples
and a few hand-written cases. Run from the repository root; the output is committed, so run
it again only when the examples or the job types change."""
import glob
import hashlib
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "ops", "fuzz.d", "corpus")
# FuzzArgs picks its type with the first byte: types in the registry's order (sorted names).
TYPES = sorted(["add-datacenter", "add-extra", "create-pop", "delete-datacenter", "delete-extra",
                "delete-pop", "delete-tree", "link-vrack", "noop"])


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def documents():
    for path in sorted(glob.glob(os.path.join(ROOT, "jobs", "examples", "*.json"))):
        loaded = json.load(open(path))
        yield from loaded if isinstance(loaded, list) else [loaded]


def walk(document, mode=0):
    yield document, mode
    for child in document.get("children", []):
        yield from walk(child, 0)
    for follow_up in document.get("then", []):
        yield from walk(follow_up, 1)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    seen_args = set()
    for document in documents():
        text = json.dumps(document, separators=(",", ":"))
        write("FuzzJobDocument", text)
        write("FuzzJSON", text)
        for job, mode in walk(document):
            if job.get("type") not in TYPES:
                continue
            args = json.dumps(job.get("args", {}), separators=(",", ":"), sort_keys=True)
            if (job["type"], mode, args) in seen_args:
                continue
            seen_args.add((job["type"], mode, args))
            write("FuzzArgs", bytes([TYPES.index(job["type"]) << 1 | mode]) + args.encode())
    for line in open(os.path.join(ROOT, "jobs", "examples", "noop-bad-inbox-entries.txt")):
        if line.strip():
            write("FuzzJobDocument", line.rstrip("\n"))
    for text in ['{"a":[1,-0,0.5,1e3,-1.5E-3,9223372036854775807,-9223372036854775808,18446744073709551616]}',
                 '["\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/",true,false,null,{}]', '"caf\u00e9"', '[[[[[]]]]]', '{"":{"":""}}']:
        write("FuzzJSON", text)
    write("FuzzJobDocument", '{"type":"noop","args":{},"runAt":"2026-11-24T03:00:00.250+01:00","timeout":"90s",'
                             '"priority":0,"maxAttempts":3,"idempotencyKey":"k","meta":{"m":1}}')
    for reply in ["+OK\r\n", "-ERR Function not found\r\n", ":-42\r\n", "$5\r\nhello\r\n", "$-1\r\n", "*-1\r\n",
                  "$0\r\n\r\n", "*0\r\n", "*3\r\n$3\r\nfoo\r\n:1\r\n*1\r\n+x\r\n",
                  "*2\r\n$4\r\nname\r\n$5\r\nvalue\r\n+OK\r\n:7\r\n",
                  "*1\r\n*2\r\n$6\r\nevents\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$4\r\ntype\r\n$4\r\ndone\r\n"]:
        write("FuzzRedisReply", reply)


if __name__ == "__main__":
    main()
