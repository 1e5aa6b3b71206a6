import HTTPTypes
import Hummingbird
import NIOCore

/// The page around every view: header, flash message, styles (inline: nothing is loaded
/// from elsewhere) and the one optional script.
enum Layout {
    static func page(_ title: String, context: DashboardContext, queue: String? = nil, body: HTML) -> Response {
        let flash: HTML = context.flash.map { text in
            "<div class=\"flash\" role=\"status\" id=\"flash\">\(text.split(separator: "\n").map { line -> HTML in "<div>\(String(line))</div>" })</div>"
        } ?? .empty
        let crumbs: HTML = queue.map { "<a href=\"\(Link.queue($0))\">queue \($0)</a>" } ?? .empty
        return html(.ok, """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · connectq</title><style>\(HTML(raw: style))</style></head>
            <body><header><a class="brand" href="/">connectq</a> \(crumbs)
            <a class="refresh" href="">Refresh</a></header>
            <main>\(flash)<h1>\(title)</h1>
            \(body)</main>
            <footer>Times are UTC, from Redis's clock. <noscript>Without JavaScript the page does not refresh itself: use Refresh.</noscript></footer>
            <script src="/dashboard.js"></script></body></html>
            """)
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        html(status, """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(status.reasonPhrase) · connectq</title><style>\(HTML(raw: style))</style></head>
            <body><header><a class="brand" href="/">connectq</a></header>
            <main><h1>\(String(status.code)) \(status.reasonPhrase)</h1><p class="error">\(message)</p><p><a href="/">Back to the queues</a></p></main></body></html>
            """)
    }

    static func html(_ status: HTTPResponse.Status, _ page: HTML) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: page.text)))
    }

    /// Post/redirect/get: 303 to a page of this dashboard.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A hidden field with the CSRF token, for every form that posts.
    static func tokenField(_ context: DashboardContext) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(context.csrfToken)\">"
    }

    static let style = """
        :root{--fg:#1d232a;--muted:#66707a;--line:#d9dee3;--bg:#f6f7f9;--ok:#1f8a4c;--bad:#c23b30;--warn:#b7791f;--link:#1d5fbf}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
        header{display:flex;gap:1em;align-items:center;padding:.6em 1.2em;background:#20262d;color:#fff}
        header a{color:#cfe0ff;text-decoration:none}header .brand{font-weight:700;color:#fff}header .refresh{margin-left:auto}
        main{padding:1em 1.2em;max-width:1280px}footer{padding:1em 1.2em;color:var(--muted);font-size:12px}
        h1{font-size:20px;margin:.3em 0 .6em}h2{font-size:16px;margin:1.2em 0 .5em}h3{font-size:14px;margin:1em 0 .4em}
        a{color:var(--link)}table{border-collapse:collapse;background:#fff;border:1px solid var(--line);width:100%}
        th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid var(--line);vertical-align:top}
        th{background:#eef1f4;font-weight:600;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.8em 1em;margin-bottom:1em}.card>h2:first-child{margin-top:0}
        .counts{display:flex;flex-wrap:wrap;gap:.5em;margin:.5em 0}
        .count{display:block;min-width:7.5em;padding:.4em .7em;border:1px solid var(--line);border-radius:5px;text-decoration:none;color:var(--fg);background:#fafbfc}
        .count b{display:block;font-size:18px;font-variant-numeric:tabular-nums}.count.failed b{color:var(--bad)}.count.completed b{color:var(--ok)}
        .badge{display:inline-block;padding:.05em .5em;border-radius:9px;font-size:12px;background:#e4e8ec}
        .badge.paused,.badge.failed{background:#fde2df;color:var(--bad)}.badge.completed{background:#ddf3e5;color:var(--ok)}.badge.active{background:#dfeafc;color:#1d4f9c}
        .flash{background:#fff8db;border:1px solid #ecd97a;padding:.5em .8em;border-radius:5px;margin-bottom:1em;font-family:ui-monospace,monospace;font-size:13px}
        .error{color:var(--bad)}.muted{color:var(--muted)}pre.json{background:#f3f5f7;border:1px solid var(--line);padding:.6em;overflow:auto;max-height:28em;margin:0}
        form.inline{display:inline}button{font:inherit;padding:.25em .8em;border:1px solid #aab3bd;border-radius:4px;background:#fff;cursor:pointer}
        button.danger{border-color:var(--bad);color:var(--bad)}button:hover{background:#eef1f4}
        .filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin-bottom:.8em}.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
        .filters input,.filters select{font:inherit;padding:.2em .4em}.tabs{display:flex;flex-wrap:wrap;gap:.3em;margin-bottom:.8em}
        .tabs a{padding:.2em .6em;border:1px solid var(--line);border-radius:4px;text-decoration:none;background:#fff}.tabs a.on{background:#20262d;color:#fff}
        .bulk{display:flex;gap:.5em;align-items:center;margin:.6em 0}.mono{font-family:ui-monospace,monospace;font-size:13px}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
        svg.chart{background:#fff;border:1px solid var(--line);max-width:100%;height:auto}.legend{font-size:12px;color:var(--muted)}
        .legend i{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 .8em;vertical-align:-1px}
        """
}
