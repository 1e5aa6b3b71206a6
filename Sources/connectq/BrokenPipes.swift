import Glibc

/// SIGPIPE, ignored for the whole process before any command runs: hiredis writes with
/// write(2), so a Redis connection reset by the peer (Redis killed or restarted, a proxy,
/// a load balancer) would otherwise kill the process without a word, finished outcomes
/// unrecorded. Ignored, the write fails with EPIPE, and the client reconnects as for any
/// other broken connection. libcurl runs with CURLOPT_NOSIGNAL, which leaves SIGPIPE to the
/// program; SwiftNIO ignores it too, but only from its first socket on (the metrics or the
/// dashboard server), which a worker without `--metrics-port` never opens.
enum BrokenPipes {
    static func ignore() {
        signal(SIGPIPE, SIG_IGN)
    }
}
