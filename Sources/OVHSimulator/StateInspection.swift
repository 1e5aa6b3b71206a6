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
        }
        var services: [ServiceEntry]
        var vracks: [String: [String]]
        var datacenterConfigs: [DatacenterEntry]
        var tasks: [TaskEntry]
        var pendingVrackTasks: [VrackTask]
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
            tasks: tasks.keys.sorted().compactMap { id in occTask(id, now: now).map { .init(serviceName: tasks[id]!.service, task: $0) } },
            pendingVrackTasks: vrackTasks.keys.sorted().compactMap { vrackTask($0, now: now) })
    }
}
