import OVHModels

/// The `/vrack` side: attaching OCCs, with tasks that vanish once done.
extension InventoryState {
    func checkVrack(_ name: String) throws(APIError) {
        guard vracks.contains(name) else { throw .notFound("This service does not exist") }
    }

    func vrackModel(_ name: String) throws(APIError) -> Vrack {
        try checkVrack(name)
        return Vrack(name: name, description: "simulated vRack")
    }

    func attachedServices(_ vrack: String) throws(APIError) -> [String] {
        try checkVrack(vrack)
        return serviceOrder.filter { services[$0]?.vrack == vrack }
    }

    mutating func attach(_ vrack: String, _ body: [UInt8], options: SimulatorOptions, now: ContinuousClock.Instant) throws(APIError) -> VrackTask {
        try checkVrack(vrack)
        let fields = try RequestBody(body, allowed: ["ovhCloudConnect"])
        let uuid = try fields.required("ovhCloudConnect", fields.string)
        let record = try service(uuid)
        if record.vrack == vrack { throw .conflict("OVHcloud Connect \(uuid) is already in vRack \(vrack)") }
        if let other = record.vrack { throw .badRequest("OVHcloud Connect \(uuid) is already in vRack \(other): an OCC is in one vRack only") }
        if vrackTasks.values.contains(where: { !$0.applied && $0.service == uuid }) {
            throw .conflict("A vRack task for OVHcloud Connect \(uuid) is already in progress")
        }
        return enqueueVrackTask(vrack: vrack, service: uuid, attach: true, work: drawTaskDuration(options), now: now)
    }

    mutating func detach(_ vrack: String, _ uuid: String, options: SimulatorOptions, now: ContinuousClock.Instant) throws(APIError) -> VrackTask {
        try checkVrack(vrack)
        guard services[uuid]?.vrack == vrack else { throw .notFound("OVHcloud Connect \(uuid) is not in vRack \(vrack)") }
        if pops.values.contains(where: { $0.service == uuid }) {
            throw .badRequest("OVHcloud Connect \(uuid) still has PoP configurations: delete them before leaving the vRack")
        }
        return enqueueVrackTask(vrack: vrack, service: uuid, attach: false, work: drawTaskDuration(options), now: now)
    }

    func vrackTaskIDs(_ vrack: String) throws(APIError) -> [Int64] {
        try checkVrack(vrack)
        return vrackTasks.values.filter { $0.vrack == vrack && !$0.applied }.map(\.id).sorted()
    }
}
