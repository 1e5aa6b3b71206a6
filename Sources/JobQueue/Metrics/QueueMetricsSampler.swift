import Logging
import Metrics
import RedisClient
import ServiceLifecycle

/// Refreshes the gauges that describe a queue as a whole (`connectq_queue_jobs`,
/// `connectq_queue_oldest_waiting_seconds`…) and the shared request budgets, from
/// `Queue.stats()`, every `interval`: read-only round trips, so any number of workers may
/// sample the same queue (each exports the same values; aggregate with `max`).
public struct QueueMetricsSampler: Service, CustomStringConvertible {
    let queue: Queue
    let budgets: [RateBudget]
    let interval: Duration
    let logger: Logger

    public init(queue: Queue, budgets: [RateBudget] = [], interval: Duration = .seconds(5), logger: Logger) {
        self.queue = queue
        self.budgets = budgets
        self.interval = interval
        self.logger = logger
    }

    public var description: String { "QueueMetricsSampler(queue: \(queue.keys.queue))" }

    public func run() async throws {
        // A graceful stop ends the sampling at once: it has nothing to finish.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sampleOnce()
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    /// One refresh; failures (Redis away: the worker says so itself) leave the last values.
    func sampleOnce() async {
        let name = queue.keys.queue
        do {
            let stats = try await queue.stats()
            let counts: [(JobStateLabel, Int)] = [
                (.inbox, stats.inbox), (.state(.waiting), stats.waiting), (.state(.delayed), stats.delayed),
                (.state(.active), stats.active), (.state(.waitingChildren), stats.waitingChildren),
                (.state(.waitingResource), stats.waitingResource), (.state(.completed), stats.completed),
                (.state(.failed), stats.failed),
            ]
            for (state, count) in counts {
                Gauge(label: MetricNames.queueJobs, dimensions: [("queue", name), ("state", state.text)]).record(count)
            }
            Gauge(label: MetricNames.queueOldestWaiting, dimensions: [("queue", name)]).record(Double(stats.oldestWaitingAgeMs ?? 0) / 1000)
            Gauge(label: MetricNames.queuePaused, dimensions: [("queue", name)]).record(stats.paused ? 1 : 0)
            Gauge(label: MetricNames.queueWorkers, dimensions: [("queue", name)]).record(stats.workers)
        } catch {
            logger.debug("sampling the queue's metrics: \(error)")
        }
        for budget in budgets {
            do {
                let sample = try await budget.sample()
                Gauge(label: MetricNames.budgetTokens, dimensions: [("budget", budget.name)]).record(sample.tokens)
                Gauge(label: MetricNames.budgetHeld, dimensions: [("budget", budget.name)]).record(Double(sample.heldFor.milliseconds) / 1000)
            } catch {
                logger.debug("sampling the request budget: \(error)")
            }
        }
    }

    /// The `state` label: the contract's state names, plus `inbox` (pushed, not yet taken in).
    enum JobStateLabel {
        case inbox
        case state(JobState)

        var text: String {
            switch self {
            case .inbox: return "inbox"
            case .state(let state): return state.rawValue
            }
        }
    }
}
