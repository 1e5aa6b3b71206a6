import Foundation
import OVHModels

/// `--task-history N`: every seeded service starts with N past OCC tasks, all `done`, so
/// `GET /ovhCloudConnect/{sn}/task` lists as many ids as on an account used for years.
/// They tell a consistent past: whole lifecycles of configurations (add PoP, DC, extra,
/// then delete them in reverse) and interface lock/unlock pairs, on resource ids that no
/// longer exist. vRack tasks get no history: they vanish once done (§5.2), so a vRack's
/// task listing never shows past ones.
extension InventoryState {
    /// One past lifecycle, in order; `nil` resource means the service's first interface.
    private static let pastLifecycle: [(TaskFunction, Int?)] = [
        (.addPopConfiguration, 0), (.addDatacenterConfiguration, 1), (.addDatacenterExtraConfiguration, 2),
        (.delDatacenterExtraConfiguration, 2), (.delDatacenterConfiguration, 1), (.delPopConfiguration, 0),
        (.lockInterface, nil), (.unlockInterface, nil),
    ]

    mutating func seedTaskHistory(_ options: SimulatorOptions, now: ContinuousClock.Instant, date: Date) {
        var random = SeededRandom(seed: options.seed ^ 0x415_7041)
        var pastID: Int64 = 0
        for uuid in serviceOrder {
            let interface = services[uuid]!.interfaces[0]
            // The newest past task is a month old; each earlier one 1 to 12 hours before the next.
            var gaps: [TimeInterval] = []
            for _ in 0..<options.taskHistory { gaps.append(Double.random(in: 3_600...43_200, using: &random)) }
            var age: TimeInterval = 30 * 86_400 + gaps.reduce(0, +)
            var resources: [Int64] = []
            var ids: [Int64] = []
            for index in 0..<options.taskHistory {
                let (function, slot) = Self.pastLifecycle[index % Self.pastLifecycle.count]
                if index % Self.pastLifecycle.count == 0 {
                    resources = (0..<3).map { _ in pastID += 1; return pastID }
                }
                nextTaskID += 1
                tasks[nextTaskID] = TaskRecord(id: nextTaskID, service: uuid, function: function, resourceId: slot.map { resources[$0] } ?? interface,
                                               created: now, start: now, end: now, effect: .past, createdAt: date - age, applied: true)
                ids.append(nextTaskID)
                age -= gaps[index]
            }
            serviceTasks[uuid] = ids
        }
        // Ids of objects created from now on stay clear of the ones the history names.
        nextID = max(nextID, pastID)
    }
}
