import Hummingbird
import JobQueue
import RedisClient
import Webhooks

/// `/queues/Q/webhooks`: the queue's subscriptions (never a secret) and the deliveries that
/// gave up, each with a Redeliver button.
struct WebhooksPage {
    static let failedShown = 100

    let queue: Queue

    func render(_ context: DashboardContext) async throws -> Response {
        let name = queue.keys.queue
        let store = WebhookStore(redis: queue.redis, queue: name)
        let subscriptions = try await store.list()
        let failed = try await store.failed(limit: Self.failedShown)
        let subscriptionRows = subscriptions.map { subscription -> HTML in
            let filters = [(subscription.events ?? ["*"]).joined(separator: ","), subscription.type.map { "type=\($0)" } ?? ""]
                + subscription.meta.sorted { $0.key < $1.key }.map { "meta.\($0.key)=\($0.value)" }
            let status: HTML = subscription.disabled
                ? "<span class=\"badge failed\">disabled</span> \(subscription.disabledReason ?? "")"
                : "<span class=\"badge completed\">active</span>"
            return """
                <tr><td class="mono">\(subscription.id)</td><td class="mono">\(subscription.url)</td>\
                <td class="mono">\(filters.filter { !$0.isEmpty }.joined(separator: " "))</td><td>\(status)</td></tr>
                """
        }
        let failedRows = failed.map { entry -> HTML in
            let text = { (key: String) in entry[key].map { $0.stringValue ?? $0.jsonText } ?? "" }
            return """
                <tr><td class="mono">\(text("id"))</td><td class="num">\(text("attempt"))</td><td>\(text("gaveUp"))</td>\
                <td>\(text("error"))</td><td><form method="post" action="\(Link.queue(name))/webhooks/redeliver">\(Layout.tokenField(context))\
                <input type="hidden" name="id" value="\(text("id"))"><button type="submit">Redeliver</button></form></td></tr>
                """
        }
        let subscriptionTable: HTML = subscriptions.isEmpty
            ? "<p class=\"muted\">None: <code>connectq webhooks add --queue \(name) --url …</code></p>"
            : "<table><thead><tr><th>Id</th><th>URL</th><th>Filters</th><th>Status</th></tr></thead><tbody>\(subscriptionRows)</tbody></table>"
        let failedTable: HTML = failed.isEmpty
            ? "<p class=\"muted\">None.</p>"
            : "<table><thead><tr><th>Delivery</th><th>Attempts</th><th>Gave up</th><th>Last error</th><th></th></tr></thead><tbody>\(failedRows)</tbody></table>"
        let body: HTML = """
            <h2>Subscriptions</h2>\(subscriptionTable)
            <h2>Deliveries that gave up</h2>\(failedTable)
            <p class="muted">Redeliver tries again now, with a fresh schedule of retries. The latest \(Self.failedShown) are shown; \
            <code>connectq webhooks deliveries --failed</code> lists more.</p>
            """
        return Layout.page("Webhooks of \(name)", context: context, queue: name, body: body)
    }
}
