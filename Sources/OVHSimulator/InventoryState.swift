import Foundation
import OVHModels

/// Everything the simulated account holds. Plain value type, changed only under the
/// Inventory's lock; time is passed in, so tests can reason about it.
struct InventoryState {
    struct ServiceRecord {
        var uuid: String
        var description: String
        var interfaces: [Int64]
        var vrack: String?
        var pop: String
    }

    struct PopRecord {
        var id: Int64
        var service: String
        var interfaceId: Int64
        var type: PopType
        var customerBgpArea: Int64?
        var ovhBgpArea: Int64?
        var subnet: IPv4Block?
        var status: ConfigStatus
    }

    /// DC configs live at the vRack level: every OCC of the vRack with a PoP sees them
    /// (`users`), and one leaves only when its last user removes it.
    struct DatacenterRecord {
        var id: Int64
        var vrack: String
        var datacenterId: Int64
        var ovhBgpArea: Int64?
        var subnet: IPv4Block?
        var status: ConfigStatus
        var users: Set<String>
    }

    struct ExtraRecord {
        var id: Int64
        var datacenterConfigId: Int64
        var type: ExtraType
        var nextHop: IPv4Address?
        var subnet: IPv4Block?
        var bgpNeighborArea: Int64?
        var bgpNeighborIp: IPv4Address?
        var status: ConfigStatus
    }

    enum Effect {
        case activatePop(Int64), activateDatacenter(Int64), activateExtra(Int64)
        case deletePop(Int64), leaveDatacenter(Int64, service: String), deleteExtra(Int64)
        /// A task of the seeded history (`--task-history`): over long ago, nothing to apply.
        case past
    }

    struct TaskRecord {
        var id: Int64
        var service: String
        var function: TaskFunction
        var resourceId: Int64
        var created: ContinuousClock.Instant
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant
        var effect: Effect
        /// Wall-clock creation time, for `/_simulator/state` (the API's OCC task has no dates).
        var createdAt: Date
        var fails = false
        var applied = false
    }

    struct VrackTaskRecord {
        var id: Int64
        var vrack: String
        var service: String
        var function: String
        var attach: Bool
        var created: ContinuousClock.Instant
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant
        var createdAt: Date
        var applied = false
    }

    var services: [String: ServiceRecord] = [:]
    var serviceOrder: [String] = []
    var vracks: [String] = []
    var datacenters: [Datacenter] = []
    var pops: [Int64: PopRecord] = [:]
    var datacenterConfigs: [Int64: DatacenterRecord] = [:]
    var extras: [Int64: ExtraRecord] = [:]
    var tasks: [Int64: TaskRecord] = [:]
    /// Each service's task ids, oldest first: the `GET …/task` listing without a scan of every task.
    var serviceTasks: [String: [Int64]] = [:]
    /// OCC tasks whose effect is not applied yet: `advance` looks only at these, however long the history.
    var pendingTasks: Set<Int64> = []
    var vrackTasks: [Int64: VrackTaskRecord] = [:]
    var nextID: Int64 = 1000
    var nextTaskID: Int64 = 50_000
    /// The moment each service's (or vRack's) task queue is free again: tasks run one at a time, in order.
    var queueFreeAt: [String: ContinuousClock.Instant] = [:]
    var taskErrorRate = 0.0
    var random = SeededRandom(seed: 0)
    /// Draws task durations: apart from `random`, so a duration range leaves the error pattern of a seed as it was.
    var durationRandom = SeededRandom(seed: 0)

    mutating func newID() -> Int64 { nextID += 1; return nextID }

    static func seeded(_ options: SimulatorOptions) -> InventoryState {
        var random = SeededRandom(seed: options.seed)
        var state = InventoryState()
        state.taskErrorRate = options.taskErrorRate
        state.random = SeededRandom(seed: options.seed ^ 0x7A5C)
        state.durationRandom = SeededRandom(seed: options.seed ^ 0xD0_2A71)
        let pops = ["par-gsw", "rbx-rb", "fra-fr5", "lon-th2", "ams-ams1", "waw-waw1"]
        var interfaceID: Int64 = 100
        for index in 0..<options.services {
            let uuid = random.uuid()
            let ports = index % 3 == 2 ? 2 : 1
            var interfaces: [Int64] = []
            for _ in 0..<ports { interfaceID += 1; interfaces.append(interfaceID) }
            state.services[uuid] = ServiceRecord(uuid: uuid, description: "simulated OCC \(index + 1)", interfaces: interfaces,
                                                 vrack: nil, pop: pops[index % pops.count])
            state.serviceOrder.append(uuid)
            state.vracks.append("pn-\(10_001 + index)")
        }
        let names = [("GRA", "eu-west-gra"), ("RBX", "eu-west-rbx"), ("SBG", "eu-west-sbg"), ("LIM", "eu-central-lim"),
                     ("WAW", "eu-central-waw"), ("BHS", "ca-east-bhs"), ("PAR", "eu-west-par"), ("ERI", "eu-west-eri")]
        for index in 0..<options.datacenters {
            let (name, region) = names[index % names.count]
            state.datacenters.append(Datacenter(id: Int64(index + 1), name: "\(name)\(index / names.count + 1)", available: true,
                                                region: region, regionType: region.hasSuffix("par") ? "3-AZ" : "1-AZ"))
        }
        if options.taskHistory > 0 { state.seedTaskHistory(options, now: .now, date: Date()) }
        return state
    }
}
