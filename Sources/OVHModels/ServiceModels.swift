/// `ovhcloudconnect.Task`: every config POST and DELETE returns one; it stays readable as `done`.
public struct OCCTask: Codable, Sendable, Hashable {
    public var id: Int64
    public var function: TaskFunction
    /// The created or targeted resource (a create's new config id).
    public var resourceId: Int64?
    public var status: TaskStatus

    public init(id: Int64, function: TaskFunction, resourceId: Int64?, status: TaskStatus) {
        self.id = id; self.function = function; self.resourceId = resourceId; self.status = status
    }
}

/// `vrack.Task`: it vanishes (404) once finished.
public struct VrackTask: Codable, Sendable, Hashable {
    public var id: Int64
    public var function: String
    public var status: VrackTaskStatus
    public var serviceName: String?
    public var targetDomain: String?
    public var orderId: Int64?
    public var lastUpdate: String?
    public var todoDate: String?

    public init(id: Int64, function: String, status: VrackTaskStatus, serviceName: String?, targetDomain: String?,
                orderId: Int64? = nil, lastUpdate: String? = nil, todoDate: String? = nil) {
        self.id = id; self.function = function; self.status = status; self.serviceName = serviceName
        self.targetDomain = targetDomain; self.orderId = orderId; self.lastUpdate = lastUpdate; self.todoDate = todoDate
    }
}

/// `vrack.ovhCloudConnect`: an OCC attached to a vRack.
public struct VrackOCC: Codable, Sendable, Hashable {
    public var vrack: String
    public var ovhCloudConnect: String
    public init(vrack: String, ovhCloudConnect: String) { self.vrack = vrack; self.ovhCloudConnect = ovhCloudConnect }
}

/// `vrack.vrack`.
public struct Vrack: Codable, Sendable, Hashable {
    public var name: String
    public var description: String
    public init(name: String, description: String) { self.name = name; self.description = description }
}

/// `ovhcloudconnect.Interface`.
public struct Interface: Codable, Sendable, Hashable {
    public var id: Int64
    public var status: InterfaceStatus
    public var incomingLightStatus: LightStatus
    public var outgoingLightStatus: LightStatus
    public var lightLastUpdate: String
    public var incomingLightValue: Double?
    public var outgoingLightValue: Double?
    public var interfaceStatus: LightStatus?
    public var interfaceStatusLastUpdate: String?
    public var deviceDisplayName: String?
    public var deviceRackDisplayName: String?
    public var interfaceName: String?
    public var interfaceTerminationType: String?

    public init(id: Int64, status: InterfaceStatus, incomingLightStatus: LightStatus, outgoingLightStatus: LightStatus,
                lightLastUpdate: String, incomingLightValue: Double?, outgoingLightValue: Double?, interfaceStatus: LightStatus?,
                interfaceStatusLastUpdate: String?, deviceDisplayName: String?, deviceRackDisplayName: String?,
                interfaceName: String?, interfaceTerminationType: String?) {
        self.id = id; self.status = status; self.incomingLightStatus = incomingLightStatus; self.outgoingLightStatus = outgoingLightStatus
        self.lightLastUpdate = lightLastUpdate; self.incomingLightValue = incomingLightValue; self.outgoingLightValue = outgoingLightValue
        self.interfaceStatus = interfaceStatus; self.interfaceStatusLastUpdate = interfaceStatusLastUpdate
        self.deviceDisplayName = deviceDisplayName; self.deviceRackDisplayName = deviceRackDisplayName
        self.interfaceName = interfaceName; self.interfaceTerminationType = interfaceTerminationType
    }
}

/// `ovhcloudconnect.Datacenter`: where a DC config may go (`available`).
public struct Datacenter: Codable, Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var available: Bool
    public var region: String?
    public var regionType: String?
    public init(id: Int64, name: String, available: Bool, region: String?, regionType: String?) {
        self.id = id; self.name = name; self.available = available; self.region = region; self.regionType = regionType
    }
}

/// `ovhcloudconnect.Service` (GET /ovhCloudConnect/{serviceName}).
public struct Service: Codable, Sendable, Hashable {
    public var uuid: String
    public var description: String
    public var status: ServiceStatus
    /// `service.BandwidthEnum` (`1g`, `10g`, …), kept as text: the list grows.
    public var bandwidth: String
    /// "1" or "2": a string in the API.
    public var portQuantity: String
    public var pop: String
    public var product: String
    public var provider: String
    public var interfaceList: [Int64]
    /// The vRack it is attached to; null until attached.
    public var vrack: String?

    public init(uuid: String, description: String, status: ServiceStatus, bandwidth: String, portQuantity: String, pop: String,
                product: String, provider: String, interfaceList: [Int64], vrack: String?) {
        self.uuid = uuid; self.description = description; self.status = status; self.bandwidth = bandwidth
        self.portQuantity = portQuantity; self.pop = pop; self.product = product; self.provider = provider
        self.interfaceList = interfaceList; self.vrack = vrack
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uuid, forKey: .uuid); try c.encode(description, forKey: .description); try c.encode(status, forKey: .status)
        try c.encode(bandwidth, forKey: .bandwidth); try c.encode(portQuantity, forKey: .portQuantity); try c.encode(pop, forKey: .pop)
        try c.encode(product, forKey: .product); try c.encode(provider, forKey: .provider)
        try c.encode(interfaceList, forKey: .interfaceList); try c.encode(vrack, forKey: .vrack)
    }
}

/// Both error shapes of the API: `{"class","message"}` for business and routing errors,
/// `{"errorCode","httpCode","message"}` for the authentication layer.
public struct OVHErrorBody: Codable, Sendable, Hashable {
    public var errorClass: String?
    public var message: String
    public var errorCode: String?
    public var httpCode: String?

    enum CodingKeys: String, CodingKey {
        case errorClass = "class", message, errorCode, httpCode
    }

    public init(errorClass: String? = nil, message: String, errorCode: String? = nil, httpCode: String? = nil) {
        self.errorClass = errorClass; self.message = message; self.errorCode = errorCode; self.httpCode = httpCode
    }
}
