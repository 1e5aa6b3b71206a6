/// The resource keys of the OVH job types (`JobExecutor.resourceKeys`): the engine runs one
/// job at a time per key, in the order taken in, on any worker.
enum OVHResource {
    /// An OCC service: its configuration tree, whose tasks the API runs one at a time.
    static func service(_ serviceName: String) -> String { "ovh:occ:\(serviceName)" }

    /// A vRack: linking and unlinking are vRack tasks, queued per vRack.
    static func vrack(_ name: String) -> String { "ovh:vrack:\(name)" }
}
