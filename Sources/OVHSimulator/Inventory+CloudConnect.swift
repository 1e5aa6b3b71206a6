import OVHModels

/// The `/ovhCloudConnect` side: reads, and creates and deletes under the business rules
/// of the API description (§3), each change queued as a task on its service.
extension InventoryState {
    func service(_ uuid: String) throws(APIError) -> ServiceRecord {
        guard let service = services[uuid] else { throw .notFound("This service does not exist") }
        return service
    }

    func serviceModel(_ uuid: String) throws(APIError) -> Service {
        let record = try service(uuid)
        return Service(uuid: uuid, description: record.description, status: .active, bandwidth: "1g",
                       portQuantity: String(record.interfaces.count), pop: record.pop, product: "OVHcloud Connect Direct",
                       provider: "OVHcloud", interfaceList: record.interfaces, vrack: record.vrack)
    }

    func interfaceModel(_ uuid: String, _ id: Int64) throws(APIError) -> Interface {
        let record = try service(uuid)
        guard record.interfaces.contains(id) else { throw .notFound("Interface \(id) does not exist on this service") }
        return Interface(id: id, status: .enabled, incomingLightStatus: .up, outgoingLightStatus: .up, lightLastUpdate: "2026-11-24T00:00:00+00:00",
                         incomingLightValue: -2.1, outgoingLightValue: -1.9, interfaceStatus: .up,
                         interfaceStatusLastUpdate: "2026-11-24T00:00:00+00:00", deviceDisplayName: "sim-dev-\(id)",
                         deviceRackDisplayName: "sim-rack-\(id % 7)", interfaceName: "Ethernet\(id)", interfaceTerminationType: "LC/PC")
    }

    /// A DC is available to a service unless its vRack already has a config for it.
    func datacenterModel(_ uuid: String, _ id: Int64) throws(APIError) -> Datacenter {
        let record = try service(uuid)
        guard var datacenter = datacenters.first(where: { $0.id == id }) else { throw .notFound("Datacenter \(id) does not exist") }
        datacenter.available = !datacenterConfigs.values.contains { $0.vrack == record.vrack && $0.datacenterId == id }
        return datacenter
    }

    // MARK: PoP configs

    func pop(_ uuid: String, _ id: Int64) throws(APIError) -> PopRecord {
        _ = try service(uuid)
        guard let pop = pops[id], pop.service == uuid else { throw .notFound("PoP configuration \(id) does not exist") }
        return pop
    }

    func popModel(_ pop: PopRecord) -> PopConfig {
        PopConfig(id: pop.id, interfaceId: pop.interfaceId, type: pop.type, customerBgpArea: pop.customerBgpArea,
                  ovhBgpArea: pop.ovhBgpArea, subnet: pop.subnet?.description, status: pop.status)
    }

    mutating func createPop(_ uuid: String, _ body: [UInt8], options: SimulatorOptions, now: ContinuousClock.Instant) throws(APIError) -> OCCTask {
        let record = try service(uuid)
        let fields = try RequestBody(body, allowed: ["interfaceId", "type", "customerBgpArea", "ovhBgpArea", "subnet"])
        let interfaceId = try fields.required("interfaceId", fields.int64)
        let type = PopType(rawValue: try fields.required("type", fields.string))
        guard let vrack = record.vrack else {
            throw .badRequest("This OVHcloud Connect service is not attached to a vRack: attach it before configuring it")
        }
        guard record.interfaces.contains(interfaceId) else { throw .badRequest("Interface \(interfaceId) does not belong to this service") }
        let own = pops.values.filter { $0.service == uuid }
        if let existing = own.first(where: { $0.interfaceId == interfaceId }) {
            throw .conflict("A PoP configuration already exists on interface \(interfaceId) (id \(existing.id))")
        }
        if let other = own.first, other.type != type {
            throw .badRequest("This service is configured in \(other.type): L2 and L3 cannot be mixed; delete the configuration to switch")
        }
        var customerBgpArea: Int64?, ovhBgpArea: Int64?, subnet: IPv4Block?
        switch type {
        case .l2:
            for field in ["customerBgpArea", "ovhBgpArea", "subnet"] where try fields.int64OrString(field) {
                throw .badRequest("\(field) is only for an L3 configuration")
            }
            let l2Elsewhere = pops.values.contains { $0.type == .l2 && $0.service != uuid && services[$0.service]?.vrack == vrack }
            if l2Elsewhere { throw .badRequest("vRack \(vrack) already has an L2 OVHcloud Connect: one per vRack") }
        case .l3:
            customerBgpArea = try Self.asn(fields, "customerBgpArea")
            ovhBgpArea = try Self.asn(fields, "ovhBgpArea")
            subnet = try Self.block(fields, "subnet")
            guard subnet!.prefixLength == 30 else { throw .badRequest("subnet \(subnet!) must be a /30 for a PoP configuration") }
        case .unknown(let value):
            throw .badRequest("Invalid value for parameter type: '\(value)' (l2, l3)")
        }
        try ensureIdle(uuid, options: options, now: now)
        let id = newID()
        pops[id] = PopRecord(id: id, service: uuid, interfaceId: interfaceId, type: type, customerBgpArea: customerBgpArea,
                             ovhBgpArea: ovhBgpArea, subnet: subnet, status: .initializing)
        // A new OCC of the vRack inherits the vRack's DC configs.
        for config in datacenterConfigs.values where config.vrack == vrack { datacenterConfigs[config.id]?.users.insert(uuid) }
        return enqueueTask(service: uuid, function: .addPopConfiguration, resourceId: id, effect: .activatePop(id),
                           work: drawTaskDuration(options), now: now)
    }

    mutating func deletePop(_ uuid: String, _ id: Int64, options: SimulatorOptions, now: ContinuousClock.Instant) throws(APIError) -> OCCTask {
        let pop = try pop(uuid, id)
        if pop.status == .toDelete { throw .badRequest("PoP configuration \(id) is already being deleted") }
        // Children of this PoP that go with it: DC configs it alone uses, and their extras.
        let leaving = datacenterConfigs.values.filter { $0.users == [uuid] }
        let objects = 1 + leaving.count + leaving.reduce(0) { total, config in total + extras.values.filter { $0.datacenterConfigId == config.id }.count }
        try ensureIdle(uuid, options: options, now: now)
        pops[id]?.status = .toDelete
        for config in leaving { datacenterConfigs[config.id]?.status = .toDelete }
        return enqueueTask(service: uuid, function: .delPopConfiguration, resourceId: id, effect: .deletePop(id),
                           work: work(objects: objects, recursive: objects > 1, options), now: now)
    }

    // MARK: Datacenter configs

    func datacenterConfig(_ uuid: String, _ popId: Int64, _ id: Int64) throws(APIError) -> DatacenterRecord {
        _ = try pop(uuid, popId)
        guard let config = datacenterConfigs[id], config.users.contains(uuid) else {
            throw .notFound("Datacenter configuration \(id) does not exist")
        }
        return config
    }

    func datacenterConfigIDs(_ uuid: String, _ popId: Int64) throws(APIError) -> [Int64] {
        _ = try pop(uuid, popId)
        return datacenterConfigs.values.filter { $0.users.contains(uuid) }.map(\.id).sorted()
    }

    func datacenterModel(_ config: DatacenterRecord) -> DatacenterConfig {
        DatacenterConfig(id: config.id, datacenterId: config.datacenterId, ovhBgpArea: config.ovhBgpArea,
                         subnet: config.subnet?.description, status: config.status)
    }

    mutating func createDatacenterConfig(_ uuid: String, _ popId: Int64, _ body: [UInt8], options: SimulatorOptions,
                                         now: ContinuousClock.Instant) throws(APIError) -> OCCTask {
        let pop = try pop(uuid, popId)
        let vrack = try service(uuid).vrack ?? ""
        let fields = try RequestBody(body, allowed: ["datacenterId", "ovhBgpArea", "subnet"])
        let datacenterId = try fields.required("datacenterId", fields.int64)
        guard datacenters.contains(where: { $0.id == datacenterId }) else { throw .badRequest("Datacenter \(datacenterId) does not exist") }
        if pop.status == .toDelete { throw .badRequest("PoP configuration \(popId) is being deleted") }
        if let existing = datacenterConfigs.values.first(where: { $0.vrack == vrack && $0.datacenterId == datacenterId }) {
            throw .conflict("A configuration for datacenter \(datacenterId) already exists in vRack \(vrack) (id \(existing.id))")
        }
        var ovhBgpArea: Int64?, subnet: IPv4Block?
        if pop.type == .l3 {
            ovhBgpArea = try Self.asn(fields, "ovhBgpArea")
            subnet = try Self.block(fields, "subnet")
            guard subnet!.prefixLength <= 28 else { throw .badRequest("subnet \(subnet!) is too small: a datacenter configuration needs a /28 or larger") }
            if let clash = datacenterConfigs.values.first(where: { $0.vrack == vrack && $0.subnet.map { $0.overlaps(subnet!) } == true }) {
                throw .badRequest("subnet \(subnet!) overlaps \(clash.subnet!) of datacenter configuration \(clash.id)")
            }
        } else {
            for field in ["ovhBgpArea", "subnet"] where try fields.int64OrString(field) {
                throw .badRequest("\(field) is only for an L3 configuration")
            }
        }
        try ensureIdle(uuid, options: options, now: now)
        let id = newID()
        let users = Set(pops.values.filter { services[$0.service]?.vrack == vrack }.map(\.service))
        datacenterConfigs[id] = DatacenterRecord(id: id, vrack: vrack, datacenterId: datacenterId, ovhBgpArea: ovhBgpArea,
                                                 subnet: subnet, status: .initializing, users: users)
        return enqueueTask(service: uuid, function: .addDatacenterConfiguration, resourceId: id, effect: .activateDatacenter(id),
                           work: drawTaskDuration(options), now: now)
    }

    mutating func deleteDatacenterConfig(_ uuid: String, _ popId: Int64, _ id: Int64, options: SimulatorOptions,
                                         now: ContinuousClock.Instant) throws(APIError) -> OCCTask {
        let config = try datacenterConfig(uuid, popId, id)
        if config.status == .toDelete { throw .badRequest("Datacenter configuration \(id) is already being deleted") }
        let children = config.users == [uuid] ? extras.values.filter { $0.datacenterConfigId == id }.count : 0
        try ensureIdle(uuid, options: options, now: now)
        if config.users == [uuid] { datacenterConfigs[id]?.status = .toDelete }
        return enqueueTask(service: uuid, function: .delDatacenterConfiguration, resourceId: id, effect: .leaveDatacenter(id, service: uuid),
                           work: work(objects: 1 + children, recursive: children > 0, options), now: now)
    }

    // MARK: Extras

    func extra(_ uuid: String, _ popId: Int64, _ configId: Int64, _ id: Int64) throws(APIError) -> ExtraRecord {
        _ = try datacenterConfig(uuid, popId, configId)
        guard let extra = extras[id], extra.datacenterConfigId == configId else { throw .notFound("Extra configuration \(id) does not exist") }
        return extra
    }

    func extraIDs(_ uuid: String, _ popId: Int64, _ configId: Int64) throws(APIError) -> [Int64] {
        _ = try datacenterConfig(uuid, popId, configId)
        return extras.values.filter { $0.datacenterConfigId == configId }.map(\.id).sorted()
    }

    func extraModel(_ extra: ExtraRecord) -> DatacenterExtraConfig {
        DatacenterExtraConfig(id: extra.id, type: extra.type, nextHop: extra.nextHop?.description, subnet: extra.subnet?.description,
                              bgpNeighborArea: extra.bgpNeighborArea, bgpNeighborIp: extra.bgpNeighborIp?.description, status: extra.status)
    }

    mutating func createExtra(_ uuid: String, _ popId: Int64, _ configId: Int64, _ body: [UInt8], options: SimulatorOptions,
                              now: ContinuousClock.Instant) throws(APIError) -> OCCTask {
        let config = try datacenterConfig(uuid, popId, configId)
        let fields = try RequestBody(body, allowed: ["type", "nextHop", "subnet", "bgpNeighborArea", "bgpNeighborIp"])
        let type = ExtraType(rawValue: try fields.required("type", fields.string))
        guard let dcSubnet = config.subnet else { throw .badRequest("Extra configurations are only for L3 configurations") }
        if config.status == .toDelete { throw .badRequest("Datacenter configuration \(configId) is being deleted") }
        let siblings = extras.values.filter { $0.datacenterConfigId == configId }
        if let other = siblings.first(where: { $0.type != type }) {
            throw .badRequest("This datacenter configuration already has a \(other.type) extra (id \(other.id)): network and bgp extras cannot be mixed")
        }
        var record = ExtraRecord(id: 0, datacenterConfigId: configId, type: type, nextHop: nil, subnet: nil, bgpNeighborArea: nil,
                                 bgpNeighborIp: nil, status: .initializing)
        switch type {
        case .network:
            for field in ["bgpNeighborArea", "bgpNeighborIp"] where try fields.int64OrString(field) {
                throw .badRequest("\(field) is only for a bgp extra")
            }
            record.nextHop = try Self.address(fields, "nextHop")
            record.subnet = try Self.block(fields, "subnet")
            guard dcSubnet.contains(record.nextHop!) else { throw .badRequest("nextHop \(record.nextHop!) is not inside the datacenter subnet \(dcSubnet)") }
            if let same = siblings.first(where: { $0.subnet == record.subnet }) {
                throw .conflict("A static route to \(record.subnet!) already exists (id \(same.id))")
            }
        case .bgp:
            for field in ["nextHop", "subnet"] where try fields.int64OrString(field) {
                throw .badRequest("\(field) is only for a network extra")
            }
            record.bgpNeighborArea = try Self.asn(fields, "bgpNeighborArea")
            record.bgpNeighborIp = try Self.address(fields, "bgpNeighborIp")
            guard dcSubnet.contains(record.bgpNeighborIp!) else {
                throw .badRequest("bgpNeighborIp \(record.bgpNeighborIp!) is not inside the datacenter subnet \(dcSubnet)")
            }
            if let same = siblings.first(where: { $0.bgpNeighborIp == record.bgpNeighborIp }) {
                throw .conflict("A BGP session with \(record.bgpNeighborIp!) already exists (id \(same.id))")
            }
            guard siblings.count < 4 else { throw .badRequest("At most 4 BGP peers per datacenter configuration") }
        case .unknown(let value):
            throw .badRequest("Invalid value for parameter type: '\(value)' (network, bgp)")
        }
        try ensureIdle(uuid, options: options, now: now)
        record.id = newID()
        extras[record.id] = record
        return enqueueTask(service: uuid, function: .addDatacenterExtraConfiguration, resourceId: record.id,
                           effect: .activateExtra(record.id), work: drawTaskDuration(options), now: now)
    }

    mutating func deleteExtra(_ uuid: String, _ popId: Int64, _ configId: Int64, _ id: Int64, options: SimulatorOptions,
                              now: ContinuousClock.Instant) throws(APIError) -> OCCTask {
        let extra = try extra(uuid, popId, configId, id)
        if extra.status == .toDelete { throw .badRequest("Extra configuration \(id) is already being deleted") }
        try ensureIdle(uuid, options: options, now: now)
        extras[id]?.status = .toDelete
        return enqueueTask(service: uuid, function: .delDatacenterExtraConfiguration, resourceId: id, effect: .deleteExtra(id),
                           work: drawTaskDuration(options), now: now)
    }

    // MARK: Value checks

    /// A delete's run time: one drawn duration per object, times the factor when recursive.
    mutating func work(objects: Int, recursive: Bool, _ options: SimulatorOptions) -> Duration {
        drawTaskDuration(options) * (Double(objects) * (recursive ? options.recursiveDeleteFactor : 1))
    }

    static func asn(_ fields: RequestBody, _ key: String) throws(APIError) -> Int64 {
        let value = try fields.required(key, fields.int64)
        guard (1...4_294_967_295).contains(value) else { throw .badRequest("\(key) must be an AS number from 1 to 4294967295, got \(value)") }
        return value
    }

    static func block(_ fields: RequestBody, _ key: String) throws(APIError) -> IPv4Block {
        let text = try fields.required(key, fields.string)
        guard let block = IPv4Block(text) else { throw .badRequest("\(key) '\(text)' is not an IPv4 network such as 192.0.2.0/30") }
        return block
    }

    static func address(_ fields: RequestBody, _ key: String) throws(APIError) -> IPv4Address {
        let text = try fields.required(key, fields.string)
        guard let address = IPv4Address(text) else { throw .badRequest("\(key) '\(text)' is not an IPv4 address") }
        return address
    }
}

extension RequestBody {
    /// Whether a non-null value was sent for the key, whatever its type.
    func int64OrString(_ key: String) throws(APIError) -> Bool {
        if (try? int64(key)) ?? nil != nil { return true }
        return ((try? string(key)) ?? nil) != nil
    }
}
