/// When a failed delivery is tried again: the n-th retry waits a random time between 0 and
/// the n-th delay (full jitter), the last delay repeating; a delivery gives up once every
/// delay was used AND `giveUpAfter` has passed since its first attempt, so it is retried
/// for at least that long whatever the draws. Times are counted on Redis's clock.
public struct RetrySchedule: Sendable, Equatable {
    public var delays: [Duration]
    public var giveUpAfter: Duration

    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h (≈ 23.7 h at most), then 8 h
    /// apart until 24 h have passed since the first attempt.
    public static let standard = RetrySchedule(
        delays: [.seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600),
                 .seconds(7200), .seconds(14_400), .seconds(28_800), .seconds(28_800)],
        giveUpAfter: .seconds(86_400))

    public init(delays: [Duration], giveUpAfter: Duration) {
        self.delays = delays
        self.giveUpAfter = giveUpAfter
    }

    var delaysMs: [Int64] { delays.map(\.ms) }
}

extension Duration {
    var ms: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
