"""A real Zendesk client (zenpy 2.0.57) against the shiftlead simulator.

Run by tests/zendesk_judge.rs with ZENPY_FORCE_NETLOC=127.0.0.1:PORT, ZENPY_FORCE_SCHEME=http,
JUDGE_EMAIL, JUDGE_TOKEN and JUDGE_EXPECT (a JSON object of counts the world holds). Prints one
JSON line of what it saw; exits non-zero on any mismatch.
"""

import json
import os
import sys

from zenpy import Zenpy
from zenpy.lib.api_objects import Ticket


def main():
    expect = json.loads(os.environ["JUDGE_EXPECT"])
    z = Zenpy(subdomain="sim", email=os.environ["JUDGE_EMAIL"], token=os.environ["JUDGE_TOKEN"])
    seen = {}
    failures = []

    def check(name, got, want):
        seen[name] = got
        if got != want:
            failures.append(f"{name}: got {got}, want {want}")

    groups = list(z.groups())
    check("groups", len(groups), expect["groups"])
    users = list(z.users(role=["agent", "admin"]))
    check("users", len(users), expect["users"])
    agents = list(z.users(role="agent"))
    check("agents", len(agents), expect["agents"])
    memberships = list(z.group_memberships())
    check("memberships", len(memberships), expect["memberships"])
    g = groups[0]
    in_group = list(z.groups.memberships(g))
    check("memberships_in_first_group", len(in_group), expect["first_group_members"])
    # Cursor paging to the end (zenpy continues while meta.has_more).
    tickets = list(z.tickets(cursor_pagination=7))
    check("tickets", len(tickets), expect["tickets"])
    check("tickets_unique", len({t.id for t in tickets}), expect["tickets"])
    # Search (offset) and search count.
    found = list(z.search(type="ticket", status_less_than="solved"))
    check("search", len(found), min(expect["live"], 1000))
    check("search_count", z.search.count(type="ticket", status_less_than="solved"), expect["live"])
    # Search export (cursor; zenpy sends type:ticket in the query and filter[type]).
    exported = list(z.search_export(type="ticket", status_less_than="solved"))
    check("export", len(exported), expect["live"])
    # The incremental cursor export, to the end of the stream.
    incremental = z.tickets.incremental(start_time=int(expect["now"]) - 7200, paginate_by_time=False)
    n = sum(1 for _ in incremental)
    seen["incremental"] = n
    if n == 0:
        failures.append("incremental: no tickets")
    # Update a ticket: unassign it, safely.
    t = z.tickets(id=expect["ticket"])
    stamp = t.updated_at
    t.assignee_id = None
    t.safe_update = True
    t.updated_stamp = stamp
    audit = z.tickets.update(t)
    after = z.tickets(id=expect["ticket"])
    check("unassigned", after.assignee_id, None)
    seen["audit_events"] = len(audit.audit.events or [])
    # SLA policies.
    check("sla_policies", len(list(z.sla_policies())), expect["sla_policies"])
    print(json.dumps(seen))
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
