// A second real Zendesk client (node-zendesk 6.0.1) against the shiftlead simulator.
//
// Run by tests/zendesk_judge.rs with NODE_PATH pointing at an install of node-zendesk, and
// JUDGE_URL (http://127.0.0.1:PORT/api/v2), JUDGE_EMAIL, JUDGE_TOKEN and JUDGE_EXPECT (a JSON
// object of what the world holds). node-zendesk pages by following `links.next` while it is
// truthy (not by `meta.has_more`, as zenpy does), always appends `.json`, and throws on an
// error status: together with the zenpy judge this pins both paging rules. Prints one JSON line
// of what it saw; exits non-zero on any mismatch.

const zendesk = require('node-zendesk');

async function main() {
  const expect = JSON.parse(process.env.JUDGE_EXPECT);
  const client = zendesk.createClient({
    username: process.env.JUDGE_EMAIL,
    token: process.env.JUDGE_TOKEN,
    endpointUri: process.env.JUDGE_URL,
  });
  const seen = {};
  const failures = [];
  const check = (name, got, want) => {
    seen[name] = got;
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(`${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  };

  const groups = await client.groups.list();
  check('groups', groups.length, expect.groups);
  const agents = await client.users.listWithFilter('role', 'agent');
  check('agents', agents.length, expect.agents);
  const memberships = await client.groupmemberships.list();
  check('memberships', memberships.length, expect.memberships);
  const inGroup = await client.groupmemberships.listByGroup(groups[0].id);
  check('memberships_in_first_group', inGroup.length, expect.first_group_members);
  // Cursor paging by links.next, to the end.
  const tickets = await client.tickets.list();
  check('tickets', tickets.length, expect.tickets);
  check('tickets_unique', new Set(tickets.map((t) => t.id)).size, expect.tickets);
  // Search (offset pages by next_page) and its count.
  const found = await client.search.queryAll('type:ticket status<solved');
  check('search', found.length, Math.min(expect.live, 1000));
  const count = await client.search.showResultsCount('type:ticket status<solved');
  check('search_count', count.result.count, expect.live);
  // The incremental cursor export: the first page by start_time (through the client's own
  // request path: `exportCursor` without a cursor sends `cursor=undefined`), the next by
  // `exportCursor(start, cursor)`, which sends both and must be read by its cursor.
  const start = expect.now - 7200;
  const first = await client.ticketexport.get(['incremental', 'tickets', 'cursor', { start_time: start }]);
  const next = await client.ticketexport.exportCursor(start, first.result.after_cursor);
  seen.incremental = first.result.tickets.length + next.result.tickets.length;
  if (first.result.tickets.length === 0) failures.push('incremental: no tickets');
  if (typeof next.result.end_of_stream !== 'boolean') failures.push('incremental: no end_of_stream');

  // A safe update with the stamp as read: it lands.
  const shown = await client.tickets.show(expect.ticket);
  const ticket = shown.result;
  await client.tickets.update(expect.ticket, {
    ticket: { assignee_id: null, safe_update: true, updated_stamp: ticket.updated_at },
  });
  const after = await client.tickets.show(expect.ticket);
  check('unassigned', after.result.assignee_id, null);
  // The same stamp again is stale now: node-zendesk throws with the status.
  let stale = null;
  try {
    await client.tickets.update(expect.ticket, {
      ticket: { assignee_id: ticket.assignee_id, safe_update: true, updated_stamp: '2000-01-01T00:00:00Z' },
    });
  } catch (error) {
    // node-zendesk throws `Error("… Zendesk Error (409): Conflict")`.
    const status = /\((\d{3})\)/.exec(String(error.message));
    stale = status ? Number(status[1]) : String(error.message);
  }
  check('stale_stamp', stale, 409);

  // A bulk update answered with a job, watched to the end.
  const bulk = await client.tickets.updateMany(expect.bulk, { ticket: { assignee_id: null } });
  const jobId = bulk.result.job_status.id;
  let job = null;
  for (let n = 0; n < 20; n += 1) {
    job = (await client.jobstatuses.show(jobId)).result.job_status;
    if (job.status === 'completed' || job.status === 'failed') break;
  }
  check('job', job.status, 'completed');
  check('job_results', (job.results || []).filter((r) => r.success).length, expect.bulk.length);

  // Make-default with no body.
  const mine = await client.groupmemberships.listByUser(expect.member);
  const target = mine.find((m) => !m.default) || mine[0];
  const made = await client.groupmemberships.makeDefault(expect.member, target.id);
  const list = made.result.group_memberships || made.result;
  check('one_default', list.filter((m) => m.default).map((m) => m.id), [target.id]);

  console.log(JSON.stringify(seen));
  if (failures.length) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`node-zendesk judge crashed: ${error.stack || error}`);
  process.exit(2);
});
