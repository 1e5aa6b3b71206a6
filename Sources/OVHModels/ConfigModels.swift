/// `ovhcloudconnect.PopConfig`. Fields that do not apply come back as null.
public struct PopConfig: Codable, Sendable, Hashable {
    public var id: Int64
    public var interfaceId: Int64
    public var type: PopType
    public var customerBgpArea: Int64?
    public var ovhBgpArea: Int64?
    public var subnet: String?
    public var status: ConfigStatus

    public init(id: Int64, interfaceId: Int64, type: PopType, customerBgpArea: Int64?, ovhBgpArea: Int64?, subnet: String?, status: ConfigStatus) {
        self.id = id; self.interfaceId = interfaceId; self.type = type; self.customerBgpArea = customerBgpArea
        self.ovhBgpArea = ovhBgpArea; self.subnet = subnet; self.status = status
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(interfaceId, forKey: .interfaceId); try c.encode(type, forKey: .type)
        try c.encode(customerBgpArea, forKey: .customerBgpArea); try c.encode(ovhBgpArea, forKey: .ovhBgpArea)
        try c.encode(subnet, forKey: .subnet); try c.encode(status, forKey: .status)
    }
}

/// The writable fields of a PopConfig, as POSTed (read-only `id` and `status` are not sent).
public struct PopConfigCreation: Codable, Sendable, Hashable {
    public var interfaceId: Int64
    public var type: PopType
    public var customerBgpArea: Int64?
    public var ovhBgpArea: Int64?
    public var subnet: String?

    public init(interfaceId: Int64, type: PopType, customerBgpArea: Int64? = nil, ovhBgpArea: Int64? = nil, subnet: String? = nil) {
        self.interfaceId = interfaceId; self.type = type; self.customerBgpArea = customerBgpArea
        self.ovhBgpArea = ovhBgpArea; self.subnet = subnet
    }
}

/// `ovhcloudconnect.DatacenterConfig`; its `id` is the `{datacenterId}` of the paths below a PoP.
public struct DatacenterConfig: Codable, Sendable, Hashable {
    public var id: Int64
    /// The physical datacenter (`Datacenter.id`).
    public var datacenterId: Int64
    public var ovhBgpArea: Int64?
    public var subnet: String?
    public var status: ConfigStatus

    public init(id: Int64, datacenterId: Int64, ovhBgpArea: Int64?, subnet: String?, status: ConfigStatus) {
        self.id = id; self.datacenterId = datacenterId; self.ovhBgpArea = ovhBgpArea; self.subnet = subnet; self.status = status
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(datacenterId, forKey: .datacenterId)
        try c.encode(ovhBgpArea, forKey: .ovhBgpArea); try c.encode(subnet, forKey: .subnet); try c.encode(status, forKey: .status)
    }
}

public struct DatacenterConfigCreation: Codable, Sendable, Hashable {
    public var datacenterId: Int64
    public var ovhBgpArea: Int64?
    public var subnet: String?

    public init(datacenterId: Int64, ovhBgpArea: Int64? = nil, subnet: String? = nil) {
        self.datacenterId = datacenterId; self.ovhBgpArea = ovhBgpArea; self.subnet = subnet
    }
}

/// `ovhcloudconnect.DatacenterExtraConfig`: a static route or a BGP session on a DC config.
public struct DatacenterExtraConfig: Codable, Sendable, Hashable {
    public var id: Int64
    public var type: ExtraType
    public var nextHop: String?
    public var subnet: String?
    public var bgpNeighborArea: Int64?
    public var bgpNeighborIp: String?
    public var status: ConfigStatus

    public init(id: Int64, type: ExtraType, nextHop: String?, subnet: String?, bgpNeighborArea: Int64?, bgpNeighborIp: String?, status: ConfigStatus) {
        self.id = id; self.type = type; self.nextHop = nextHop; self.subnet = subnet
        self.bgpNeighborArea = bgpNeighborArea; self.bgpNeighborIp = bgpNeighborIp; self.status = status
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(type, forKey: .type); try c.encode(nextHop, forKey: .nextHop)
        try c.encode(subnet, forKey: .subnet); try c.encode(bgpNeighborArea, forKey: .bgpNeighborArea)
        try c.encode(bgpNeighborIp, forKey: .bgpNeighborIp); try c.encode(status, forKey: .status)
    }
}

public struct DatacenterExtraConfigCreation: Codable, Sendable, Hashable {
    public var type: ExtraType
    public var nextHop: String?
    public var subnet: String?
    public var bgpNeighborArea: Int64?
    public var bgpNeighborIp: String?

    public init(type: ExtraType, nextHop: String? = nil, subnet: String? = nil, bgpNeighborArea: Int64? = nil, bgpNeighborIp: String? = nil) {
        self.type = type; self.nextHop = nextHop; self.subnet = subnet; self.bgpNeighborArea = bgpNeighborArea; self.bgpNeighborIp = bgpNeighborIp
    }
}
