// swift-tools-version:6.1
import PackageDescription

// Layers (each imports only what is above it):
//   CHiredis → RedisClient → JobQueue ─────────────────┐
//   CCurl → HTTPTransport, OVHModels → OVHClient ──────┴→ ConnectJobs → connectq
//   JobQueue + HTTPTransport → Webhooks → Dashboard, connectq
//   OVHModels → OVHSimulator → ovh-simulator
let package = Package(
    name: "connectq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "connectq", targets: ["connectq"]),
        .library(name: "JobQueue", targets: ["JobQueue"]),
        .library(name: "RedisClient", targets: ["RedisClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "CHiredis",
            linkerSettings: [.linkedLibrary("hiredis")]
        ),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "HTTPTransport",
            dependencies: ["CCurl"]
        ),
        .target(
            name: "OVHModels"
        ),
        .target(
            name: "OVHClient",
            dependencies: ["HTTPTransport", "OVHModels", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")]
        ),
        .target(
            name: "OVHSimulator",
            dependencies: ["OVHModels", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "ovh-simulator",
            dependencies: ["OVHSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .target(
            name: "RedisClient",
            dependencies: ["CHiredis"]
        ),
        .plugin(name: "EmbedLua", capability: .buildTool()),
        .target(
            name: "JobQueue",
            dependencies: [
                "RedisClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            exclude: ["Lua"],
            plugins: ["EmbedLua"]
        ),
        .target(
            name: "Webhooks",
            dependencies: ["JobQueue", "RedisClient", "HTTPTransport", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(
            name: "ConnectJobs",
            dependencies: ["JobQueue", "RedisClient", "OVHClient", "OVHModels"]
        ),
        .target(
            name: "ServerSupport"
        ),
        .target(
            name: "Dashboard",
            dependencies: ["JobQueue", "RedisClient", "Webhooks", "ServerSupport", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "HTTPAPI",
            dependencies: ["JobQueue", "RedisClient", "ServerSupport", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "connectq",
            dependencies: [
                "ConnectJobs",
                "Dashboard",
                "Webhooks",
                "HTTPAPI",
                "OVHClient",
                "JobQueue",
                "RedisClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "connectq-bench",
            dependencies: ["JobQueue", "RedisClient", "HTTPTransport", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["RedisClient", "JobQueue", "OVHSimulator", "OVHClient", "HTTPTransport",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: ["RedisClient", "TestSupport"]
        ),
        .testTarget(
            name: "JobQueueTests",
            dependencies: ["JobQueue", "RedisClient", "TestSupport",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .testTarget(
            name: "OVHClientTests",
            dependencies: ["OVHClient", "OVHModels", "HTTPTransport", "OVHSimulator", "TestSupport"]
        ),
        .testTarget(
            name: "PropertyTests",
            dependencies: ["JobQueue", "OVHModels", "RedisClient", "CHiredis", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["JobQueue", "RedisClient", "TestSupport", "ConnectJobs", "OVHClient", "OVHModels", "OVHSimulator", "HTTPTransport"]
        ),
        .testTarget(
            name: "WebhooksTests",
            dependencies: ["Webhooks", "JobQueue", "RedisClient", "HTTPTransport", "TestSupport"]
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["ServerSupport", "Dashboard", "JobQueue", "RedisClient", "TestSupport", "Webhooks",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "APITests",
            dependencies: ["HTTPAPI", "JobQueue", "RedisClient", "TestSupport", "HTTPTransport",
                           .product(name: "Hummingbird", package: "hummingbird")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (docs/fuzzing.md), seen only when CONNECTQ_FUZZ=1: they must be built
// with `-sanitize=fuzzer,address -parse-as-library` (ops/fuzz does it), which a normal
// `swift build` does not pass, and libFuzzer supplies their `main`.
if Context.environment["CONNECTQ_FUZZ"] == "1" {
    package.targets += [
        .target(name: "FuzzSupport", dependencies: ["JobQueue", "ConnectJobs"]),
        .executableTarget(name: "FuzzJSON", dependencies: ["JobQueue"]),
        .executableTarget(name: "FuzzJobDocument", dependencies: ["JobQueue", "FuzzSupport"]),
        .executableTarget(name: "FuzzArgs", dependencies: ["JobQueue", "FuzzSupport"]),
        .executableTarget(name: "FuzzRedisReply", dependencies: ["RedisClient", "CHiredis"]),
    ]
    package.products += ["FuzzJSON", "FuzzJobDocument", "FuzzArgs", "FuzzRedisReply"].map {
        .executable(name: $0, targets: [$0])
    }
}
