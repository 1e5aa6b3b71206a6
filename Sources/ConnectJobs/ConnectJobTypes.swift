import JobQueue
import OVHClient

/// The OVHcloud Connect job types: the five public ones and `delete-tree`'s internal steps.
public enum ConnectJobTypes {
    /// Every type, for a registry that only checks documents (`connectq enqueue`).
    public static let types: [any JobExecutor.Type] = [
        LinkVrack.self, CreatePop.self, AddDatacenter.self, AddExtra.self,
        DeleteTree.self, DeletePop.self, DeleteDatacenter.self, DeleteExtra.self,
    ]

    /// Every type's executor, for a worker's registry, each gated by its attempt's lease.
    public static func executors(client: OVHClient) -> [any JobExecutor] {
        [LeaseGated(inner: LinkVrack(client: client)), LeaseGated(inner: CreatePop(client: client)),
         LeaseGated(inner: AddDatacenter(client: client)), LeaseGated(inner: AddExtra(client: client)),
         LeaseGated(inner: DeleteTree(client: client)), LeaseGated(inner: DeletePop(client: client)),
         LeaseGated(inner: DeleteDatacenter(client: client)), LeaseGated(inner: DeleteExtra(client: client))]
    }
}
