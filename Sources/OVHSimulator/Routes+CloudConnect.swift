import Hummingbird
import OVHModels

extension Simulator {
    func addCloudConnectRoutes(to api: RouterGroup<BasicRequestContext>) {
        let options = self.options
        // Every collection GET answers ids, or objects with X-Pagination-Mode (ObjectListing.swift).
        api.get("ovhCloudConnect") { request, _ in
            try listing(request, ids: { state, _ in state.serviceOrder }, object: { state, uuid, _ in try state.serviceModel(uuid) })
        }
        api.get("ovhCloudConnect/:sn") { _, context in try answer { state, _ in try state.serviceModel(try context.name("sn")) } }
        api.get("ovhCloudConnect/:sn/interface") { request, context in
            let uuid = try context.name("sn")
            return try listing(request, ids: { state, _ in try state.service(uuid).interfaces }, object: { state, id, _ in try state.interfaceModel(uuid, id) })
        }
        api.get("ovhCloudConnect/:sn/interface/:id") { _, context in
            try answer { state, _ in try state.interfaceModel(try context.name("sn"), try context.id("id")) }
        }
        api.get("ovhCloudConnect/:sn/datacenter") { request, context in
            let uuid = try context.name("sn")
            return try listing(request, ids: { state, _ in _ = try state.service(uuid); return state.datacenters.map(\.id) },
                               object: { state, id, _ in try state.datacenterModel(uuid, id) })
        }
        api.get("ovhCloudConnect/:sn/datacenter/:id") { _, context in
            try answer { state, _ in try state.datacenterModel(try context.name("sn"), try context.id("id")) }
        }
        api.get("ovhCloudConnect/:sn/task") { request, context in
            let uuid = try context.name("sn")
            return try listing(request, ids: { state, _ in _ = try state.service(uuid); return state.serviceTasks[uuid] ?? [] },
                               object: { state, id, now in state.occTask(id, now: now) })
        }
        api.get("ovhCloudConnect/:sn/task/:id") { _, context in
            try answer { state, now in
                let uuid = try context.name("sn"), id = try context.id("id")
                guard state.tasks[id]?.service == uuid, let task = state.occTask(id, now: now) else { throw APIError.notFound("Task \(id) does not exist") }
                return task
            }
        }

        let pop = "ovhCloudConnect/:sn/config/pop"
        api.get(RouterPath(pop)) { request, context in
            let uuid = try context.name("sn")
            return try listing(request, ids: { state, _ in
                _ = try state.service(uuid)
                return state.pops.values.filter { $0.service == uuid }.map(\.id).sorted()
            }, object: { state, id, _ in state.pops[id].map(state.popModel) })
        }
        api.post(RouterPath(pop)) { request, context in
            var request = request
            let body = try await request.bodyBytes()
            return try answer { state, now in try state.createPop(try context.name("sn"), body, options: options, now: now) }
        }
        api.get(RouterPath(pop + "/:popId")) { _, context in
            try answer { state, _ in state.popModel(try state.pop(try context.name("sn"), try context.id("popId"))) }
        }
        api.delete(RouterPath(pop + "/:popId")) { _, context in
            try answer { state, now in try state.deletePop(try context.name("sn"), try context.id("popId"), options: options, now: now) }
        }

        let datacenter = pop + "/:popId/datacenter"
        api.get(RouterPath(datacenter)) { request, context in
            let uuid = try context.name("sn"), popId = try context.id("popId")
            return try listing(request, ids: { state, _ in try state.datacenterConfigIDs(uuid, popId) },
                               object: { state, id, _ in state.datacenterConfigs[id].map(state.datacenterModel) })
        }
        api.post(RouterPath(datacenter)) { request, context in
            var request = request
            let body = try await request.bodyBytes()
            return try answer { state, now in
                try state.createDatacenterConfig(try context.name("sn"), try context.id("popId"), body, options: options, now: now)
            }
        }
        api.get(RouterPath(datacenter + "/:dcId")) { _, context in
            try answer { state, _ in
                state.datacenterModel(try state.datacenterConfig(try context.name("sn"), try context.id("popId"), try context.id("dcId")))
            }
        }
        api.delete(RouterPath(datacenter + "/:dcId")) { _, context in
            try answer { state, now in
                try state.deleteDatacenterConfig(try context.name("sn"), try context.id("popId"), try context.id("dcId"), options: options, now: now)
            }
        }

        let extra = datacenter + "/:dcId/extra"
        api.get(RouterPath(extra)) { request, context in
            let uuid = try context.name("sn"), popId = try context.id("popId"), dcId = try context.id("dcId")
            return try listing(request, ids: { state, _ in try state.extraIDs(uuid, popId, dcId) },
                               object: { state, id, _ in state.extras[id].map(state.extraModel) })
        }
        api.post(RouterPath(extra)) { request, context in
            var request = request
            let body = try await request.bodyBytes()
            return try answer { state, now in
                try state.createExtra(try context.name("sn"), try context.id("popId"), try context.id("dcId"), body, options: options, now: now)
            }
        }
        api.get(RouterPath(extra + "/:extraId")) { _, context in
            try answer { state, _ in
                state.extraModel(try state.extra(try context.name("sn"), try context.id("popId"), try context.id("dcId"), try context.id("extraId")))
            }
        }
        api.delete(RouterPath(extra + "/:extraId")) { _, context in
            try answer { state, now in
                try state.deleteExtra(try context.name("sn"), try context.id("popId"), try context.id("dcId"), try context.id("extraId"),
                                      options: options, now: now)
            }
        }
    }
}
