import Hummingbird
import OVHModels

extension Simulator {
    func addVrackRoutes(to api: RouterGroup<BasicRequestContext>) {
        let options = self.options
        api.get("vrack") { request, _ in
            try listing(request, ids: { state, _ in state.vracks }, object: { state, name, _ in try state.vrackModel(name) })
        }
        api.get("vrack/:vrack") { _, context in try answer { state, _ in try state.vrackModel(try context.name("vrack")) } }
        api.get("vrack/:vrack/ovhCloudConnect") { request, context in
            let vrack = try context.name("vrack")
            return try listing(request, ids: { state, _ in try state.attachedServices(vrack) },
                               object: { _, uuid, _ in VrackOCC(vrack: vrack, ovhCloudConnect: uuid) })
        }
        api.post("vrack/:vrack/ovhCloudConnect") { request, context in
            var request = request
            let body = try await request.bodyBytes()
            return try answer { state, now in try state.attach(try context.name("vrack"), body, options: options, now: now) }
        }
        api.get("vrack/:vrack/ovhCloudConnect/:sn") { _, context in
            try answer { state, _ in
                let vrack = try context.name("vrack"), uuid = try context.name("sn")
                guard try state.attachedServices(vrack).contains(uuid) else { throw APIError.notFound("OVHcloud Connect \(uuid) is not in vRack \(vrack)") }
                return VrackOCC(vrack: vrack, ovhCloudConnect: uuid)
            }
        }
        api.delete("vrack/:vrack/ovhCloudConnect/:sn") { _, context in
            try answer { state, now in try state.detach(try context.name("vrack"), try context.name("sn"), options: options, now: now) }
        }
        api.get("vrack/:vrack/task") { request, context in
            let vrack = try context.name("vrack")
            return try listing(request, ids: { state, _ in try state.vrackTaskIDs(vrack) }, object: { state, id, now in state.vrackTask(id, now: now) })
        }
        api.get("vrack/:vrack/task/:id") { _, context in
            try answer { state, now in
                let vrack = try context.name("vrack"), id = try context.id("id")
                guard state.vrackTasks[id]?.vrack == vrack, let task = state.vrackTask(id, now: now) else {
                    throw APIError.notFound("The requested object (id = \(id)) does not exist")
                }
                return task
            }
        }
    }
}
