import JobQueue
import OVHClient

/// The OVHcloud Connect job types. Without a client they still validate (for
/// `connectq enqueue`), and fail with `not_configured` if run.
public enum ConnectJobTypes {
    public static func executors(client: OVHClient?) -> [any JobExecutor] {
        [LinkVrack(client: client), CreatePop(client: client), AddDatacenter(client: client), AddExtra(client: client),
         DeleteTree(client: client), DeletePop(client: client), DeleteDatacenter(client: client), DeleteExtra(client: client)]
    }
}
