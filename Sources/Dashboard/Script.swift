import Hummingbird
import NIOCore

/// `/dashboard.js`: the optional script (served from here, as the CSP allows). Every page
/// works without it; with it, counts, charts and a job's state refresh every 5 s, a box
/// ticks every job of a list, and Cancel and Delete ask first.
enum Script {
    static let source = """
        (function () {
          "use strict";
          document.addEventListener("click", function (event) {
            var button = event.target.closest && event.target.closest("button[data-confirm]");
            if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
          });
          document.addEventListener("change", function (event) {
            if (!event.target.matches("input[data-select-all]")) return;
            var form = event.target.closest("form");
            form.querySelectorAll('input[name="ids[]"]').forEach(function (box) { box.checked = event.target.checked; });
          });
          document.querySelectorAll("input[data-select-all]").forEach(function (box) { box.hidden = false; });
          if (!document.querySelector("[data-live]")) return;
          function refresh() {
            if (document.hidden || !document.querySelector("[data-live]")) return;
            fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
              .then(function (answer) { return answer.ok ? answer.text() : null; })
              .then(function (text) {
                if (!text) return;
                var fresh = new DOMParser().parseFromString(text, "text/html");
                document.querySelectorAll("[data-live]").forEach(function (old) {
                  var next = old.id && fresh.getElementById(old.id);
                  if (next) old.replaceWith(document.importNode(next, true));
                });
              })
              .catch(function () {});
          }
          window.setInterval(refresh, 5000);
        })();
        """

    static func response() -> Response {
        Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: source)))
    }
}
