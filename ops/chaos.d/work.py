"""The work ops/chaos gives its workers: whole services as job documents, in two queues,
some services in both at once (twins), and their tear-down. Python standard library only.
"""
import copy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ovhsim  # noqa: E402

QUEUES = ("chaos-a", "chaos-b")
SHAPES = ("l3-bgp", "l2-2dc", "l3-static", "l2-child")
# Every third service also gets a twin: the same document under other ids, in the other
# queue, so two independent jobs change one OCC service (and vRack) from two queues at
# once. Every executor adopts an object that already has its settings, so both complete
# with the same objects; the shapes cycle by 4, the twins by 3: every shape gets twins.
TWIN_EVERY = 3
TWIN_MARK = "twin"


def other_queue(queue):
    return QUEUES[1 - QUEUES.index(queue)]


def twin_id(job_id, name):
    """`svc003-pop` -> `svc003-twin-pop`: still a job of `svc003` by its prefix."""
    return f"{name}-{TWIN_MARK}-{job_id[len(name) + 1:]}"


def twin_of(document, name):
    twin = copy.deepcopy(document)
    for sub in walk(twin).values():
        sub[0]["id"] = twin_id(sub[0]["id"], name)
        sub[0]["meta"] = dict(sub[0].get("meta", {}), copy=TWIN_MARK)
    return twin


def plan_services(state, count):
    """Four shapes of service, in turn, each by `then` chains (and `children` for one):
    l3-bgp:    link -> L3 PoP -> L3 DC (/28) -> BGP extra (ops/lib/ovhsim.py, as the bench)
    l2-2dc:    link -> L2 PoP -> two L2 DCs (two follow-ups of one job)
    l3-static: link -> L3 PoP -> L3 DC (/27) -> two static routes
    l2-child:  L2 PoP whose child is the link (children run first) -> L2 DC
    Service i is the simulator's i-th, in its own vRack pn-(10001+i); its document goes to
    queue chaos-a (even i) or chaos-b (odd i), and its twin, when it has one, to the other."""
    services = []
    for index in range(count):
        entry = state["services"][index]["service"]
        uuid, interface = entry["uuid"], entry["interfaceList"][0]
        name, vrack = f"svc{index:03d}", ovhsim.vrack_of(index)
        meta = {"service": name, "run": "chaos"}
        a, b = divmod(index, 256)
        shape = SHAPES[index % 4]
        link = {"type": "link-vrack", "id": f"{name}-link", "meta": meta, "args": {"serviceName": uuid, "vrack": vrack}}
        if shape == "l3-bgp":
            root = ovhsim.l3_bgp_service(name, uuid, vrack, interface, index, meta)
        elif shape == "l2-2dc":
            dcs = [{"type": "add-datacenter", "id": f"{name}-dc{k}", "meta": meta,
                    "args": {"datacenterId": 1 + (index + k) % 6}} for k in (1, 2)]
            root = dict(link, then=[{"type": "create-pop", "id": f"{name}-pop", "meta": meta,
                                     "args": {"type": "l2", "interfaceId": interface}, "then": dcs}])
        elif shape == "l3-static":
            routes = [{"type": "add-extra", "id": f"{name}-route{k}", "meta": meta,
                       "args": {"type": "network", "nextHop": f"10.{a}.{b}.4", "subnet": f"172.{15 + k}.{b}.0/24"}}
                      for k in (1, 2)]
            dc = {"type": "add-datacenter", "id": f"{name}-dc", "meta": meta,
                  "args": {"datacenterId": 1 + index % 6, "ovhBgpArea": 65501, "subnet": f"10.{a}.{b}.0/27"},
                  "then": routes}
            root = dict(link, then=[{"type": "create-pop", "id": f"{name}-pop", "meta": meta,
                                     "args": {"type": "l3", "interfaceId": interface, "customerBgpArea": 65001,
                                              "ovhBgpArea": 65500, "subnet": "192.0.2.0/30"}, "then": [dc]}])
        else:
            root = {"type": "create-pop", "id": f"{name}-pop", "meta": meta,
                    "args": {"serviceName": uuid, "type": "l2", "interfaceId": interface},
                    "children": [link],
                    "then": [{"type": "add-datacenter", "id": f"{name}-dc", "meta": meta,
                              "args": {"datacenterId": 1 + index % 6}}]}
        queue = QUEUES[index % 2]
        roots = [(queue, root)]
        if index % TWIN_EVERY == 0:
            roots.append((other_queue(queue), twin_of(root, name)))
        services.append({"name": name, "uuid": uuid, "vrack": vrack, "shape": shape, "meta": meta,
                         "queue": queue, "twin": len(roots) > 1, "roots": roots})
    return services


def walk(document, parent=None, relation=None, out=None):
    """Every job of a document tree: id -> (document, parent id, 'then' or 'children')."""
    out = {} if out is None else out
    out[document["id"]] = (document, parent, relation)
    for key in ("then", "children"):
        for sub in document.get(key, []):
            walk(sub, document["id"], key, out)
    return out


def jobs_of(service, planned, job_type):
    """The planned jobs of one service (its own and its twin's) of one type."""
    prefix = service["name"] + "-"
    return [i for i, (d, _, _) in planned.items() if d["type"] == job_type and i.startswith(prefix)]


def teardown_ids(service):
    ids = [f"{service['name']}-teardown"]
    if service["twin"]:
        ids.append(twin_id(ids[0], service["name"]))
    return ids


def teardown_documents(services, results):
    """One delete-tree per service in its queue, and one more in the other queue for a
    twinned service (two delete-trees of one service from two queues at once); for
    l3-static services whose PoP was made, with its popId (the one-PoP form), for the
    others without (every PoP of the service). Returns [(queue, document)]."""
    documents = []
    for service in services:
        args = {"serviceName": service["uuid"]}
        name = service["name"]
        pop = results.get(f"{name}-pop") or results.get(twin_id(f"{name}-pop", name))
        if service["shape"] == "l3-static" and pop and "popId" in pop:
            args["popId"] = pop["popId"]
        queues = [service["queue"]] + ([other_queue(service["queue"])] if service["twin"] else [])
        for job_id, queue in zip(teardown_ids(service), queues):
            documents.append((queue, {"type": "delete-tree", "id": job_id, "meta": service["meta"], "args": dict(args)}))
    return documents
