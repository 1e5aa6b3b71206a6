import ArgumentParser

@main
struct ConnectQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectq",
        abstract: "A Redis job queue that provisions OVHcloud Connect.",
        version: ConnectQVersion.current,
        subcommands: [WorkerCommand.self, EnqueueCommand.self, EventsCommand.self, JobCommand.self,
                      FailedCommand.self, StatsCommand.self, ReportCommand.self, CancelCommand.self,
                      PauseCommand.self, ResumeCommand.self, JobsCommand.self, QueuesCommand.self, WorkersCommand.self,
                      DashboardCommand.self, DoctorCommand.self, SettingsCommand.self,
                      APICommand.self, TokensCommand.self, WebhooksCommand.self, BatchCommand.self])

    /// `worker --config FILE` becomes the file's settings before the command line's.
    static func main() async {
        BrokenPipes.ignore()
        do {
            await main(try WorkerConfigFile.expand(Array(CommandLine.arguments.dropFirst())))
        } catch {
            exit(withError: error)
        }
    }

/// `connectq --version`; the wire contract's version follows it.
enum ConnectQVersion {
    static let current = "0.5.0 (wire contract version 5)"
}
}
