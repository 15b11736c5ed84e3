// One call of Trigger.dev's official SDK against the server at TRIGGER_API_URL, with TRIGGER_SECRET_KEY (a secret key
// or a public access token): `echo '<arguments as JSON>' | node sdk.mjs <operation>`. Prints one JSON line:
// {"ok":true,"result":…} or {"ok":false,"status":…,"name":…,"message":…}. Used by tests/OrleansTasks.Tests/Api.
import { auth, batch, configure, queues, runs, schedules, tasks, wait } from "@trigger.dev/sdk";
import { apiClientManager } from "@trigger.dev/core/v3";

configure({ baseURL: process.env.TRIGGER_API_URL, accessToken: process.env.TRIGGER_SECRET_KEY });

// The operation's arguments come on stdin as JSON (a payload can be larger than a command line may be).
const [operation] = process.argv.slice(2);
let input = "";
for await (const chunk of process.stdin) {
  input += chunk;
}
const args = input.trim() ? JSON.parse(input) : {};

const operations = {
  trigger: () => tasks.trigger(args.task, args.payload, args.options),
  retrieve: () => runs.retrieve(args.id),
  poll: () => runs.poll(args.id, { pollIntervalMs: 200 }),
  list: async () => {
    const page = await runs.list(args.query);
    return { data: page.data, hasNextPage: page.hasNextPage() };
  },
  listAll: async () => {
    const ids = [];
    for await (const run of runs.list(args.query)) {
      ids.push(run.id);
    }
    return ids;
  },
  cancel: () => runs.cancel(args.id),
  replay: () => runs.replay(args.id),
  reschedule: () => runs.reschedule(args.id, { delay: args.delay }),
  createPublicToken: () => auth.createPublicToken(args),
  createTriggerToken: () => auth.createTriggerPublicToken(args.task, args.options),
  createSchedule: () => schedules.create(args),
  retrieveSchedule: () => schedules.retrieve(args.id),
  listSchedules: async () => ({ data: (await schedules.list(args)).data }),
  updateSchedule: () => schedules.update(args.id, args.options),
  activateSchedule: () => schedules.activate(args.id),
  deactivateSchedule: () => schedules.deactivate(args.id),
  deleteSchedule: () => schedules.del(args.id),
  timezones: () => schedules.timezones(args),
  listQueues: async () => ({ data: (await queues.list(args)).data }),
  retrieveQueue: () => queues.retrieve(args.queue),
  pauseQueue: () => queues.pause(args.queue),
  resumeQueue: () => queues.resume(args.queue),
  overrideQueue: () => queues.overrideConcurrencyLimit(args.queue, args.limit),
  resetQueue: () => queues.resetConcurrencyLimit(args.queue),
  // tags.add works only inside a task; from outside, the SDK's own API client makes the same request.
  addTags: () => apiClientManager.clientOrThrow().addTags(args.id, { tags: args.tags }),
  batchTrigger: () => tasks.batchTrigger(args.task, args.items, args.options),
  batchTriggerTasks: () => batch.trigger(args.items),
  retrieveBatch: () => batch.retrieve(args.id),
  // Follows a run until the SDK ends the subscription (at its final state); returns every state it yielded.
  subscribeRun: async () => {
    const seen = [];
    for await (const run of runs.subscribeToRun(args.id)) {
      process.stderr.write(`progress: ${run.status}\n`);
      seen.push({ id: run.id, status: run.status, output: run.output ?? null, payload: run.payload ?? null, tags: run.tags, finishedAt: run.finishedAt ?? null });
    }
    return seen;
  },
  // Follows runs with a tag until `count` of them have been seen final; returns the last state of each.
  subscribeTag: async () => {
    const last = {};
    for await (const run of runs.subscribeToRunsWithTag(args.tag)) {
      last[run.id] = { id: run.id, status: run.status, output: run.output ?? null };
      const finals = Object.values(last).filter((r) => ["COMPLETED", "FAILED", "CANCELED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"].includes(r.status));
      if (finals.length >= args.count) {
        break;
      }
    }
    return Object.values(last);
  },
  subscribeBatch: async () => {
    const last = {};
    for await (const run of runs.subscribeToBatch(args.id)) {
      last[run.id] = { id: run.id, status: run.status };
      if (Object.values(last).filter((r) => r.status === "COMPLETED").length >= args.count) {
        break;
      }
    }
    return Object.values(last);
  },
  createToken: () => wait.createToken(args),
  completeToken: () => wait.completeToken(args.id, args.data),
  retrieveToken: () => wait.retrieveToken(args.id),
  listTokens: async () => ({ data: (await wait.listTokens(args)).data }),
  postCallback: async () => {
    const response = await fetch(args.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(args.body) });
    return { status: response.status, body: await response.json() };
  },
};

try {
  if (!operations[operation]) {
    throw new Error(`unknown operation ${operation}`);
  }
  const result = await operations[operation]();
  console.log(JSON.stringify({ ok: true, result }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, status: error.status ?? null, name: error.name ?? null, message: String(error.message ?? error) }));
}
