"""Shared by the ops/ scripts that drive ovh-simulator (ops/bench/provision, ops/chaos):
its state endpoint (`--inspect`), its request log, the objects it holds, and the job
documents of one whole L3 service. Python standard library only.
"""
import json
import time
import urllib.request


def fetch_state(port, timeout=10.0):
    """GET /_simulator/state (the simulator runs with --inspect)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_simulator/state", timeout=timeout) as answer:
        return json.load(answer)


def wait_for_state(port, seconds=60.0):
    """The state once the simulator answers, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return fetch_state(port)
        except OSError:
            time.sleep(0.1)
    return None


def read_request_log(path):
    """The lines of --request-log, oldest first (time, method, path, status, consumerKeyHash)."""
    try:
        with open(path) as handle:
            log = [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []
    log.sort(key=lambda entry: entry["time"])
    return log


def objects(state):
    """What the simulator holds, flattened:
    links:  {service uuid: vrack or None}
    pops:   [(service, pop config)]
    dcs:    [(vrack, users, datacenter config)]
    extras: [(vrack, datacenter config id, extra config)]"""
    links = {entry["service"]["uuid"]: entry["service"].get("vrack") for entry in state["services"]}
    pops = [(entry["service"]["uuid"], pop) for entry in state["services"] for pop in entry["pops"]]
    dcs = [(entry["vrack"], entry["users"], entry["config"]) for entry in state["datacenterConfigs"]]
    extras = [(entry["vrack"], entry["config"]["id"], extra)
              for entry in state["datacenterConfigs"] for extra in entry["extras"]]
    return links, pops, dcs, extras


def vrack_of(index):
    """The vRack the simulator seeds for its index-th service (InventoryState.seeded)."""
    return f"pn-{10001 + index}"


def l3_bgp_service(name, uuid, vrack, interface, index, meta=None):
    """One whole L3 service as one `then` chain: link-vrack -> create-pop (l3, /30) ->
    add-datacenter (/28, datacenter 1 + index % 6) -> add-extra (bgp); ids `NAME-link`,
    `-pop`, `-dc`, `-bgp`."""
    meta = meta if meta is not None else {"service": name}
    a, b = divmod(index, 256)
    extra = {"type": "add-extra", "id": f"{name}-bgp", "meta": meta,
             "args": {"type": "bgp", "bgpNeighborArea": 65001, "bgpNeighborIp": f"10.{a}.{b}.5"}}
    datacenter = {"type": "add-datacenter", "id": f"{name}-dc", "meta": meta,
                  "args": {"datacenterId": 1 + index % 6, "ovhBgpArea": 65501, "subnet": f"10.{a}.{b}.0/28"},
                  "then": [extra]}
    pop = {"type": "create-pop", "id": f"{name}-pop", "meta": meta,
           "args": {"type": "l3", "interfaceId": interface, "customerBgpArea": 65001, "ovhBgpArea": 65500,
                    "subnet": "192.0.2.0/30"},
           "then": [datacenter]}
    return {"type": "link-vrack", "id": f"{name}-link", "meta": meta,
            "args": {"serviceName": uuid, "vrack": vrack}, "then": [pop]}
