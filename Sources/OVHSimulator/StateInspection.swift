import Foundation
import OVHModels

/// `GET /_simulator/state`: the whole inventory and task log, for tests and demos.
extension InventoryState {
    struct Snapshot: Encodable {
        struct ServiceEntry: Encodable {
            var service: Service
            var pops: [PopConfig]
        }
        struct DatacenterEntry: Encodable {
            var vrack: String
            var users: [String]
            var config: DatacenterConfig
            var extras: [DatacenterExtraConfig]
        }
        struct TaskEntry: Encodable {
            var serviceName: String
            var task: OCCTask
            /// Wall-clock creation time (the API's OCC task carries no date).
            var createdAt: String
            /// The run time it drew (`--task-duration`), queued time aside; nil for a task of the seeded history.
            var runMilliseconds: Int64?
        }
        /// Every vRack task ever created, the vanished ones too (the API only shows pending ones).
        struct VrackTaskEntry: Encodable {
            var id: Int64
            var vrack: String
            var serviceName: String
            var function: String
            var createdAt: String
            var runMilliseconds: Int64
            var vanished: Bool
        }
        var services: [ServiceEntry]
        var vracks: [String: [String]]
        var datacenterConfigs: [DatacenterEntry]
        var tasks: [TaskEntry]
        var pendingVrackTasks: [VrackTask]
        var vrackTasks: [VrackTaskEntry]
    }

    func snapshot(now: ContinuousClock.Instant) -> Snapshot {
        Snapshot(
            services: serviceOrder.compactMap { uuid in
                guard let service = try? serviceModel(uuid) else { return nil }
                return .init(service: service, pops: pops.values.filter { $0.service == uuid }.sorted { $0.id < $1.id }.map(popModel))
            },
            vracks: Dictionary(uniqueKeysWithValues: vracks.map { vrack in (vrack, serviceOrder.filter { services[$0]?.vrack == vrack }) }),
            datacenterConfigs: datacenterConfigs.values.sorted { $0.id < $1.id }.map { config in
                .init(vrack: config.vrack, users: config.users.sorted(), config: datacenterModel(config),
                      extras: extras.values.filter { $0.datacenterConfigId == config.id }.sorted { $0.id < $1.id }.map(extraModel))
            },
            tasks: tasks.keys.sorted().compactMap { id in
                guard let task = occTask(id, now: now), let record = tasks[id] else { return nil }
                let run: Int64? = if case .past = record.effect { nil } else { Self.milliseconds(record.end - record.start) }
                return .init(serviceName: record.service, task: task, createdAt: Self.date(record.createdAt), runMilliseconds: run)
            },
            pendingVrackTasks: vrackTasks.keys.sorted().compactMap { vrackTask($0, now: now) },
            vrackTasks: vrackTasks.values.sorted { $0.id < $1.id }.map { task in
                .init(id: task.id, vrack: task.vrack, serviceName: task.service, function: task.function, createdAt: Self.date(task.createdAt),
                      runMilliseconds: Self.milliseconds(task.end - task.start), vanished: task.applied)
            })
    }

    private static func milliseconds(_ duration: Duration) -> Int64 { Int64((duration / .milliseconds(1)).rounded()) }

    private static func date(_ date: Date) -> String { date.formatted(.iso8601) }
}
