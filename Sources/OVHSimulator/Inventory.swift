import Foundation
import OVHModels
import Synchronization

/// The simulated account: state behind a lock, tasks that complete with time.
/// Every read first applies the effects of the tasks that are over by now, in order.
final class Inventory: Sendable {
    let options: SimulatorOptions
    private let state: Mutex<InventoryState>

    init(options: SimulatorOptions) {
        self.options = options
        self.state = Mutex(InventoryState.seeded(options))
    }

    /// Errors are `APIError`s (answered in the API's shapes by the error middleware).
    func withState<T>(_ body: (inout InventoryState) throws -> T) throws -> T {
        let now = ContinuousClock.now
        return try state.withLock { (state: inout InventoryState) throws -> T in
            state.advance(to: now)
            return try body(&state)
        }
    }
}

extension InventoryState {
    /// Applies every task whose time is up, oldest end first.
    mutating func advance(to now: ContinuousClock.Instant) {
        for id in pendingTasks.filter({ tasks[$0]!.end <= now }).sorted(by: { (tasks[$0]!.end, $0) < (tasks[$1]!.end, $1) }) {
            if tasks[id]!.fails { undo(tasks[id]!.effect) } else { apply(tasks[id]!.effect) }
            tasks[id]!.applied = true
            pendingTasks.remove(id)
        }
        for id in vrackTasks.values.filter({ !$0.applied && $0.end <= now }).map(\.id) {
            let task = vrackTasks[id]!
            if task.attach {
                services[task.service]?.vrack = task.vrack
            } else if services[task.service]?.vrack == task.vrack {
                services[task.service]?.vrack = nil
            }
            vrackTasks[id]!.applied = true
        }
    }

    private mutating func apply(_ effect: Effect) {
        switch effect {
        case .activatePop(let id): pops[id]?.status = .active
        case .activateDatacenter(let id): datacenterConfigs[id]?.status = .active
        case .activateExtra(let id): extras[id]?.status = .active
        case .deleteExtra(let id): extras[id] = nil
        case .leaveDatacenter(let id, let service): leave(datacenterConfig: id, service: service)
        case .deletePop(let id):
            guard let pop = pops.removeValue(forKey: id) else { return }
            for config in datacenterConfigs.values where config.users.contains(pop.service) {
                leave(datacenterConfig: config.id, service: pop.service)
            }
        case .past: break
        }
    }

    /// A task that ended in `error`: a create leaves nothing, a delete leaves the object as it was.
    private mutating func undo(_ effect: Effect) {
        switch effect {
        case .activatePop(let id): pops[id] = nil
        case .activateDatacenter(let id): datacenterConfigs[id] = nil
        case .activateExtra(let id): extras[id] = nil
        case .deletePop(let id):
            pops[id]?.status = .active
            for config in datacenterConfigs.values where config.status == .toDelete { datacenterConfigs[config.id]?.status = .active }
        case .leaveDatacenter(let id, _): datacenterConfigs[id]?.status = .active
        case .deleteExtra(let id): extras[id]?.status = .active
        case .past: break
        }
    }

    /// A service stops using a DC config; the config and its extras go with its last user.
    private mutating func leave(datacenterConfig id: Int64, service: String) {
        guard var config = datacenterConfigs[id] else { return }
        config.users.remove(service)
        if config.users.isEmpty {
            datacenterConfigs[id] = nil
            for extra in extras.values where extra.datacenterConfigId == id { extras[extra.id] = nil }
        } else {
            config.status = .active
            datacenterConfigs[id] = config
        }
    }

    /// `--busy-service conflict`: a call that would start a task on a service whose last
    /// task is not over is refused. Called once the call is valid, before it changes
    /// anything, so a refused call leaves no trace. In `queue` mode it never refuses.
    func ensureIdle(_ service: String, options: SimulatorOptions, now: ContinuousClock.Instant) throws(APIError) {
        guard options.busyService == .conflict, let free = queueFreeAt[service], free > now,
              let id = serviceTasks[service]?.last, let task = occTask(id, now: now) else { return }
        throw .business(409, "Client::Conflict::TaskInProgress",
                        "A task is already running on this service (task \(id), \(task.function), \(task.status)): wait for it to end before starting another")
    }

    /// One task's run time, drawn uniformly from `taskDurations` (no draw for a single value).
    mutating func drawTaskDuration(_ options: SimulatorOptions) -> Duration {
        let range = options.taskDurations
        guard range.lowerBound < range.upperBound else { return range.lowerBound }
        return range.lowerBound + (range.upperBound - range.lowerBound) * Double.random(in: 0...1, using: &durationRandom)
    }

    /// Queues an OCC task on the service: it starts when the service's previous task ends.
    mutating func enqueueTask(service: String, function: TaskFunction, resourceId: Int64, effect: Effect, work: Duration,
                              now: ContinuousClock.Instant) -> OCCTask {
        nextTaskID += 1
        let start = max(now, queueFreeAt[service] ?? now)
        let end = start + work
        queueFreeAt[service] = end
        let fails = taskErrorRate > 0 && Double.random(in: 0..<1, using: &random) < taskErrorRate
        tasks[nextTaskID] = TaskRecord(id: nextTaskID, service: service, function: function, resourceId: resourceId,
                                       created: now, start: start, end: end, effect: effect, createdAt: Date(), fails: fails)
        serviceTasks[service, default: []].append(nextTaskID)
        pendingTasks.insert(nextTaskID)
        return occTask(nextTaskID, now: now)!
    }

    mutating func enqueueVrackTask(vrack: String, service: String, attach: Bool, work: Duration, now: ContinuousClock.Instant) -> VrackTask {
        nextTaskID += 1
        let key = "vrack:" + vrack
        let start = max(now, queueFreeAt[key] ?? now)
        let end = start + work
        queueFreeAt[key] = end
        vrackTasks[nextTaskID] = VrackTaskRecord(id: nextTaskID, vrack: vrack, service: service,
                                                 function: attach ? "addOvhCloudConnect" : "removeOvhCloudConnect",
                                                 attach: attach, created: now, start: start, end: end, createdAt: Date())
        return vrackTask(nextTaskID, now: now)!
    }

    /// `todo` while queued and for the first quarter of its run, then `doing`, then `done`.
    func occTask(_ id: Int64, now: ContinuousClock.Instant) -> OCCTask? {
        guard let task = tasks[id] else { return nil }
        let status = Self.status(start: task.start, end: task.end, now: now)
        return OCCTask(id: id, function: task.function, resourceId: task.resourceId, status: status == .done && task.fails ? .error : status)
    }

    /// vRack tasks vanish once done.
    func vrackTask(_ id: Int64, now: ContinuousClock.Instant) -> VrackTask? {
        guard let task = vrackTasks[id], !task.applied else { return nil }
        let status: VrackTaskStatus = Self.status(start: task.start, end: task.end, now: now) == .todo ? .todo : .doing
        return VrackTask(id: id, function: task.function, status: status, serviceName: task.vrack, targetDomain: task.service)
    }

    private static func status(start: ContinuousClock.Instant, end: ContinuousClock.Instant, now: ContinuousClock.Instant) -> TaskStatus {
        if now >= end { return .done }
        if now >= start + (end - start) / 4 { return .doing }
        return .todo
    }
}
