import ArgumentParser

@main
struct ConnectQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectq",
        abstract: "A Redis job queue that provisions OVHcloud Connect.",
        subcommands: [WorkerCommand.self, EnqueueCommand.self, EventsCommand.self, JobCommand.self,
                      FailedCommand.self, StatsCommand.self, ReportCommand.self])
}
