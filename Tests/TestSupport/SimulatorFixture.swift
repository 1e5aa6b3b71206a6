import Foundation
import Hummingbird
import Logging
import OVHClient
import OVHSimulator
import ServiceLifecycle

/// Test credentials shared by the simulator and the clients that talk to it.
public enum TestCredentials {
    public static let applicationKey = "testAppKey0000000"
    public static let applicationSecret = "testAppSecret-never-logged-0000"
    public static let consumerKey = "testConsumerKey-never-logged-00"

    public static func simulatorOptions() -> SimulatorOptions {
        var options = SimulatorOptions(applicationKey: applicationKey, applicationSecret: applicationSecret, consumerKey: consumerKey)
        options.taskDuration = .milliseconds(60)
        options.inspect = true
        return options
    }
}

/// An in-process ovh-simulator on a free loopback port for the duration of `body`.
public func withSimulator<T: Sendable>(_ configure: (inout SimulatorOptions) -> Void = { _ in },
                                       _ body: (SimulatorHandle) async throws -> T) async throws -> T {
    var options = TestCredentials.simulatorOptions()
    options.port = try freePort()
    configure(&options)
    var logger = Logger(label: "simulator")
    logger.logLevel = .critical
    let application = try Simulator(options: options).application()
    let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
    let handle = SimulatorHandle(options: options)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await eventually("simulator answers", timeout: .seconds(10)) {
                (try? await handle.rawGet("/1.0/auth/time"))?.status == 200
            }
            let result = try await body(handle)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            handle.transport.shutdown()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            handle.transport.shutdown()
            throw error
        }
    }
}

