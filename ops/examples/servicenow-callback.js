/*
 * ServiceNow: receive connectq's signed webhooks and close the catalog task of the RITM named by
 * data.meta.ticket. A Scripted REST API (System Web Services > Scripted Web Services > Scripted
 * REST APIs), global scope:
 *   Name "connectq", API ID "connectq"  ->  base path /api/<your company namespace>/connectq
 *   Resource "events": HTTP method POST, Relative path /events; Security tab: Requires
 *   authentication, Requires ACL authorization and Requires SNC internal role unticked (the
 *   signature below is the authentication: connectq sends no ServiceNow credentials, so this
 *   runs as guest); Script: this file.
 * Subscribe it:  connectq webhooks add --queue prov --events completed,failed --meta source=servicenow \
 *                  --url https://<instance>.service-now.com/api/<namespace>/connectq/events
 * and keep the printed whsec_… in the system property x_connectq.webhook_secret (Private ticked).
 *
 * The check is the Standard Webhooks one (docs/integrations.md, "Verifying webhook signatures"):
 * HMAC-SHA256 over "webhook-id.webhook-timestamp.body" with the base64 key after "whsec_",
 * compared in constant time with each "v1,…" signature; timestamps more than 5 minutes away
 * refused; a webhook-id already written to the RITM's work notes is answered 200 and not acted on.
 * Answers 401 to anything unsigned (connectq retries, then gives up: `connectq webhooks deliveries
 * --failed`), 200 otherwise, so connectq stops re-sending events this script chose to ignore.
 */
(function process(/*RESTAPIRequest*/ request, /*RESTAPIResponse*/ response) {
    var TOLERANCE_MS = 5 * 60 * 1000;

    function answer(status, body) {
        response.setStatus(status);
        response.setContentType('application/json');
        response.setBody(body);
    }

    // Equal-length base64 strings compared without stopping at the first difference.
    function sameText(a, b) {
        if (a.length != b.length) return false;
        var diff = 0;
        for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
        return diff === 0;
    }

    var id = String(request.getHeader('webhook-id') || '');
    var stamp = String(request.getHeader('webhook-timestamp') || '');
    var signatures = String(request.getHeader('webhook-signature') || '');
    var body = request.body ? String(request.body.dataString) : '';  // the raw text: never re-serialise before checking
    if (!id || !stamp || !signatures) return answer(401, {error: 'missing webhook-id, webhook-timestamp or webhook-signature'});

    var seconds = Math.floor(Number(stamp));
    var now = new GlideDateTime().getNumericValue();
    if (!isFinite(seconds) || Math.abs(now - seconds * 1000) > TOLERANCE_MS) {
        return answer(401, {error: 'webhook-timestamp outside the 5-minute window'});
    }
    var secret = String(gs.getProperty('x_connectq.webhook_secret', ''));
    var key = secret.indexOf('whsec_') === 0 ? secret.substring(6) : secret;  // already base64, as generateMac wants
    var expected = new GlideCertificateEncryption().generateMac(key, 'HmacSHA256', id + '.' + seconds + '.' + body);
    var valid = false;
    var list = signatures.split(' ');
    for (var s = 0; s < list.length; s++) {
        var comma = list[s].indexOf(',');
        if (comma > 0 && list[s].substring(0, comma) == 'v1' && sameText(list[s].substring(comma + 1), String(expected))) valid = true;
    }
    if (!valid) return answer(401, {error: 'no valid v1 signature'});

    var event = JSON.parse(body);
    var data = event.data || {};
    var meta = data.meta || {};
    if ((event.type != 'job.completed' && event.type != 'job.failed') || !meta.ticket) {
        return answer(200, {status: 'ignored'});
    }
    var ritm = new GlideRecord('sc_req_item');
    if (!ritm.get('number', String(meta.ticket))) return answer(200, {status: 'ignored', detail: 'no such RITM'});

    // A redelivery (same webhook-id) after an answer that got lost: already handled.
    var seen = new GlideRecord('sys_journal_field');
    seen.addQuery('element_id', ritm.getUniqueValue());
    seen.addQuery('element', 'work_notes');
    seen.addQuery('value', 'CONTAINS', '[webhook ' + id + ']');
    seen.setLimit(1);
    seen.query();
    if (seen.hasNext()) return answer(200, {status: 'duplicate'});

    var job = 'connectq job ' + data.id + ' (' + data.type + ')';
    var text, closeTasks = false;
    if (event.type == 'job.completed') {
        text = job + ' completed: ' + JSON.stringify(data.result || {});
        closeTasks = meta.final === true || meta.final === 'true';
    } else {
        var error = data.error || {};
        text = job + ' failed: ' + error.code + ': ' + error.message + (error.field ? ' (field ' + error.field + ')' : '');
    }
    ritm.work_notes = text + ' [webhook ' + id + ']';
    ritm.update();

    if (closeTasks) {
        var task = new GlideRecord('sc_task');
        task.addQuery('request_item', ritm.getUniqueValue());
        task.addActiveQuery();
        task.query();
        while (task.next()) {
            task.state = 3;  // Closed Complete: the RITM's flow closes the request
            task.work_notes = 'Provisioned by connectq: ' + JSON.stringify(data.result || {});
            task.update();
        }
    }
    return answer(200, {status: 'handled', ticket: String(meta.ticket)});
})(request, response);
