/// `popConfig.TypeEnum`.
public enum PopType: OpenEnum {
    case l2, l3, unknown(String)
    public static let known: [PopType] = [.l2, .l3]
    public var rawValue: String {
        switch self { case .l2: "l2"; case .l3: "l3"; case .unknown(let value): value }
    }
}

/// `popConfig.StatusEnum`, shared by PoP, datacenter and extra configs.
public enum ConfigStatus: OpenEnum {
    case initializing, active, toDelete, unknown(String)
    public static let known: [ConfigStatus] = [.initializing, .active, .toDelete]
    public var rawValue: String {
        switch self { case .initializing: "init"; case .active: "active"; case .toDelete: "toDelete"; case .unknown(let value): value }
    }
}

/// `datacenterExtraConfig.TypeEnum`: a static route (`network`) or a BGP session.
public enum ExtraType: OpenEnum {
    case network, bgp, unknown(String)
    public static let known: [ExtraType] = [.network, .bgp]
    public var rawValue: String {
        switch self { case .network: "network"; case .bgp: "bgp"; case .unknown(let value): value }
    }
}

/// `ovhcloudconnect.task.StatusEnum`.
public enum TaskStatus: OpenEnum {
    case todo, doing, done, error, pause, denied, unknown(String)
    public static let known: [TaskStatus] = [.todo, .doing, .done, .error, .pause, .denied]
    public var rawValue: String {
        switch self {
        case .todo: "todo"; case .doing: "doing"; case .done: "done"; case .error: "error"
        case .pause: "pause"; case .denied: "denied"; case .unknown(let value): value
        }
    }
    /// Still to be waited for (Terraform's pending states).
    public var isPending: Bool { self == .todo || self == .doing }
}

/// `ovhcloudconnect.task.FunctionEnum`.
public enum TaskFunction: OpenEnum {
    case addPopConfiguration, delPopConfiguration, addDatacenterConfiguration, delDatacenterConfiguration
    case addDatacenterExtraConfiguration, delDatacenterExtraConfiguration, addVrack, removeVrack
    case lockInterface, unlockInterface, unknown(String)
    public static let known: [TaskFunction] = [.addPopConfiguration, .delPopConfiguration, .addDatacenterConfiguration,
        .delDatacenterConfiguration, .addDatacenterExtraConfiguration, .delDatacenterExtraConfiguration, .addVrack,
        .removeVrack, .lockInterface, .unlockInterface]
    public var rawValue: String {
        switch self {
        case .addPopConfiguration: "addPopConfiguration"; case .delPopConfiguration: "delPopConfiguration"
        case .addDatacenterConfiguration: "addDatacenterConfiguration"; case .delDatacenterConfiguration: "delDatacenterConfiguration"
        case .addDatacenterExtraConfiguration: "addDatacenterExtraConfiguration"
        case .delDatacenterExtraConfiguration: "delDatacenterExtraConfiguration"
        case .addVrack: "addVrack"; case .removeVrack: "removeVrack"
        case .lockInterface: "lockInterface"; case .unlockInterface: "unlockInterface"
        case .unknown(let value): value
        }
    }
}

/// `vrack.TaskStatusEnum`.
public enum VrackTaskStatus: OpenEnum {
    case initializing, todo, doing, done, cancelled, unknown(String)
    public static let known: [VrackTaskStatus] = [.initializing, .todo, .doing, .done, .cancelled]
    public var rawValue: String {
        switch self {
        case .initializing: "init"; case .todo: "todo"; case .doing: "doing"; case .done: "done"
        case .cancelled: "cancelled"; case .unknown(let value): value
        }
    }
    public var isPending: Bool { self == .initializing || self == .todo || self == .doing }
}

/// `interface.StatusEnum`.
public enum InterfaceStatus: OpenEnum {
    case enabled, disabled, reserved, unknown(String)
    public static let known: [InterfaceStatus] = [.enabled, .disabled, .reserved]
    public var rawValue: String {
        switch self { case .enabled: "enabled"; case .disabled: "disabled"; case .reserved: "reserved"; case .unknown(let value): value }
    }
}

/// `interface.LightStatusEnum`; the API's own "unknown" is `.unknown("unknown")`.
public enum LightStatus: OpenEnum {
    case up, down, unknown(String)
    public static let known: [LightStatus] = [.up, .down]
    public var rawValue: String {
        switch self { case .up: "up"; case .down: "down"; case .unknown(let value): value }
    }
}

/// `service.StatusEnum`.
public enum ServiceStatus: OpenEnum {
    case active, closed, unknown(String)
    public static let known: [ServiceStatus] = [.active, .closed]
    public var rawValue: String {
        switch self { case .active: "active"; case .closed: "closed"; case .unknown(let value): value }
    }
}
