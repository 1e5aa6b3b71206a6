/*
 * ServiceNow: order an OVHcloud Connect service from connectq when its catalog request is approved.
 * Three records, global scope (docs/integrations.md walks through each):
 *
 *  1. Script Include  "ConnectqOrder" (Accessible from: All application scopes): the code below up to
 *     "2. Business Rule".
 *  2. Business Rule on Requested Item [sc_req_item]: When "async", Update ticked, Filter conditions
 *     "Approval | changes to | Approved" AND "Item | is | OVHcloud Connect", Advanced ticked, Script:
 *     the function after "2. Business Rule".
 *  3. Scheduled Script Execution "connectq: retry orders" (Run: Periodically, every 5 minutes): the
 *     script after "3. Scheduled Job". It re-sends the orders a timeout or an outage left unsent;
 *     the Idempotency-Key (the RITM number) makes connectq answer a re-sent order with the job ids
 *     it already gave, never a second service.
 *
 * Needs: the REST Message "connectq" with its HTTP method "enqueue" (docs/integrations.md), the
 * system properties x_connectq.api_token (the `cq_…` token, Private ticked, Read roles: admin)
 * and x_connectq.queue, a String field u_connectq_job on sc_req_item, and the catalog item's
 * variables occ_service_name, vrack, interface_id, datacenter_id.
 */

// ---- 1. Script Include: ConnectqOrder -------------------------------------------------------
var ConnectqOrder = Class.create();
ConnectqOrder.prototype = {
    initialize: function () {},

    // Every value is checked against its pattern before it is substituted into the JSON
    // template without escaping: nothing a requester types can change the document's shape.
    RULES: {
        ticket: /^[A-Za-z0-9._:-]{1,128}$/,
        service_name: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        vrack: /^pn-[0-9]{1,12}$/,
        interface_id: /^[0-9]{1,12}$/,
        datacenter_id: /^[0-9]{1,12}$/
    },

    /* Sends the order of one approved RITM. Returns 'ordered', 'refused' (connectq or the
     * checks said no: an agent must fix the request) or 'retry' (no answer, 429, 5xx). */
    order: function (ritm) {
        var v = ritm.variables;
        var values = {
            ticket: ritm.getValue('number'),
            service_name: String(v.occ_service_name),
            vrack: String(v.vrack),
            interface_id: String(v.interface_id),
            datacenter_id: String(v.datacenter_id)
        };
        for (var name in this.RULES) {
            if (!this.RULES[name].test(values[name])) {
                return this._note(ritm, 'refused', 'connectq: not ordered: variable ' + name + ' ("' + values[name] +
                    '") must match ' + this.RULES[name]);
            }
        }
        var status, body;
        try {
            var rm = new sn_ws.RESTMessageV2('connectq', 'enqueue');
            rm.setStringParameterNoEscape('queue', gs.getProperty('x_connectq.queue', 'prov'));
            rm.setStringParameterNoEscape('token', gs.getProperty('x_connectq.api_token'));
            for (var key in values) rm.setStringParameterNoEscape(key, values[key]);
            rm.setHttpTimeout(30000);
            var response = rm.execute();
            status = response.getStatusCode();
            body = response.haveError() && status == 0 ? response.getErrorMessage() : response.getBody();
        } catch (ex) {
            return this._note(ritm, 'retry', 'connectq: order not sent yet (' + (ex.getMessage ? ex.getMessage() : ex.message) + '); retried every 5 minutes');
        }
        if (status == 202) {
            var jobs = JSON.parse(body).jobs;
            ritm.u_connectq_job = jobs[0].id;
            var ids = [];
            for (var i = 0; i < jobs.length; i++) ids.push(jobs[i].id);
            return this._note(ritm, 'ordered', 'connectq: ordered as job ' + ids.join(', ') + ' (' + jobs[0].location + ')');
        }
        if (status == 0 || status == 429 || status >= 500) {
            return this._note(ritm, 'retry', 'connectq: answered ' + status + '; the order is retried every 5 minutes');
        }
        // 400, 401, 403, 409, 413, 415: an RFC 9457 problem naming each field and rule.
        var detail = body;
        try {
            var problem = JSON.parse(body);
            detail = problem.title + ': ' + (problem.detail || '');
            var errors = problem.errors || [];
            for (var e = 0; e < errors.length; e++) detail += '\n- ' + (errors[e].field || '') + ': ' + errors[e].message;
        } catch (notJSON) { /* keep the raw body */ }
        return this._note(ritm, 'refused', 'connectq refused the order (HTTP ' + status + '): ' + detail);
    },

    _note: function (ritm, outcome, text) {
        if (outcome == 'retry') {  // the system log, not a work note every 5 minutes
            gs.warn(ritm.getValue('number') + ': ' + text);
            return outcome;
        }
        ritm.work_notes = text;
        if (outcome == 'refused') ritm.u_connectq_job = 'refused';  // the scheduled job stops retrying it
        ritm.update();
        return outcome;
    },

    type: 'ConnectqOrder'
};

// ---- 2. Business Rule (sc_req_item, async, on update) -----------------------------------------
(function executeRule(current, previous /* null in an async rule */) {
    if (current.approval != 'approved' || !current.u_connectq_job.nil()) return;
    new global.ConnectqOrder().order(current);
})(current, previous);

// ---- 3. Scheduled Job: connectq: retry orders -------------------------------------------------
(function retryOrders() {
    var ritm = new GlideRecord('sc_req_item');
    ritm.addQuery('cat_item.name', 'OVHcloud Connect');
    ritm.addQuery('approval', 'approved');
    ritm.addQuery('active', true);
    ritm.addNullQuery('u_connectq_job');
    ritm.setLimit(50);
    ritm.query();
    var order = new global.ConnectqOrder();
    while (ritm.next()) {
        if (order.order(ritm) == 'retry') break;  // connectq is down: try the rest next time
    }
})();
