// Stateful round trip in TypeScript against the sandbox server (the
// `tallyfy-groups-sandbox` binary), typed by the declarations openapi-typescript
// generates from the spec (.tools/gen/ts/tallyfy-groups.d.ts). Where contract.mts
// checks shapes against Prism, which remembers nothing, this checks that the
// operations fit together: create, get, list every page, update, get, delete, then
// 404, and the listing back to where it started.
//
// Run by run.sh (stage `roundtrip`) with SANDBOX_URL, SANDBOX_ORG_ID, SANDBOX_SEED
// and CONTRACT_TOKEN set; uses only Node's built-in fetch.

import type { components, operations } from "../../../.tools/gen/ts/tallyfy-groups";

declare const process: { env: Record<string, string | undefined>; exitCode: number | undefined; pid: number };

type Schemas = components["schemas"];
type Group = Schemas["Group"];
type GroupList = operations["listGroups"]["responses"][200]["content"]["application/json"];
type GroupResponse = Schemas["GroupResponse"];
type ErrorBody = Schemas["ErrorBody"];

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set (run this through scripts/contract/run.sh roundtrip)`);
  return value;
}

const baseUrl = env("SANDBOX_URL");
const org = env("SANDBOX_ORG_ID");
const seed = Number(env("SANDBOX_SEED"));
const token = env("CONTRACT_TOKEN");
const groupsPath = `/organizations/${encodeURIComponent(org)}/groups`;

function fail(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

async function request(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: { query?: Record<string, string | number>; body?: unknown } = {},
): Promise<{ status: number; json: unknown }> {
  const url = new URL(baseUrl + path);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    Accept: "application/json",
    "X-Tallyfy-Client": "APIClient",
  };
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  const json = text === "" ? undefined : (JSON.parse(text) as unknown);
  console.log(`  ${method.padEnd(6)} ${url.pathname}${url.search} -> ${res.status}`);
  return { status: res.status, json };
}

function expectStatus(where: string, got: number, ...expected: number[]): void {
  if (!expected.includes(got)) fail(where, `status ${got}, expected ${expected.join(" or ")}`);
}

function groupOf(where: string, json: unknown): Group {
  const data = (json as GroupResponse | undefined)?.data;
  if (data === undefined || typeof data.id !== "string" || data.id === "") fail(where, "no group with an id");
  return data;
}

/** Every page of the listing, following `meta.pagination` (at most 50 pages). */
async function listAll(where: string, perPage: number): Promise<{ ids: string[]; total: number }> {
  const ids: string[] = [];
  let total = -1;
  for (let page = 1; page <= 50; page++) {
    const { status, json } = await request("GET", groupsPath, { query: { per_page: perPage, page } });
    expectStatus(`${where} page ${page}`, status, 200);
    const list = json as GroupList;
    const p = list.meta?.pagination;
    if (p === undefined) fail(where, "no meta.pagination");
    if (p.current_page !== page) fail(where, `current_page ${p.current_page}, asked for ${page}`);
    if (p.count !== list.data.length) fail(where, `count ${p.count} but ${list.data.length} groups`);
    if (total === -1) total = p.total ?? fail(where, "no total");
    else if (p.total !== total) fail(where, `total changed from ${total} to ${p.total}`);
    ids.push(...list.data.map((g) => g.id));
    const last = page >= (p.total_pages ?? fail(where, "no total_pages"));
    const links = p.links;
    const next = links !== null && links !== undefined && !Array.isArray(links) ? links.next : undefined;
    if (last) {
      if (next !== undefined && next !== null) fail(where, "the last page links a next page");
      break;
    }
    if (typeof next !== "string") fail(where, `page ${page} of ${p.total_pages} has no next link`);
  }
  if (ids.length !== total) fail(where, `${ids.length} groups on all pages, total says ${total}`);
  if (new Set(ids).size !== ids.length) fail(where, "a group appears on two pages");
  return { ids, total };
}

async function main(): Promise<void> {
  console.log(`TypeScript round trip against the sandbox server ${baseUrl}`);
  const before = await listAll("list before", 10);
  if (before.total !== seed) fail("list before", `total ${before.total}, expected the seed's ${seed}`);

  const create: Schemas["CreateGroupRequest"] = {
    name: `Round trip TS ${process.pid}`,
    description: "Made by roundtrip.mts.",
    members: [1001, 1005],
    guests: ["roundtrip.ts@example.com"],
  };
  const created = await request("POST", groupsPath, { body: create });
  expectStatus("create", created.status, 201);
  const group = groupOf("create", created.json);
  if (group.name !== create.name) fail("create", `name ${group.name}`);
  const groupPath = `${groupsPath}/${encodeURIComponent(group.id)}`;

  const got = await request("GET", groupPath);
  expectStatus("get", got.status, 200);
  const fetched = groupOf("get", got.json);
  if (fetched.id !== group.id || fetched.name !== create.name || fetched.description !== create.description) {
    fail("get", "not the group just created");
  }
  if (JSON.stringify(fetched.members) !== JSON.stringify([1001, 1005])) fail("get", `members ${JSON.stringify(fetched.members)}`);

  const during = await listAll("list after create", 10);
  if (during.total !== seed + 1) fail("list after create", `total ${during.total}, expected ${seed + 1}`);
  if (during.ids.filter((id) => id === group.id).length !== 1) fail("list after create", "the new group is not listed once");

  const update: Schemas["UpdateGroupRequest"] = {
    name: `${create.name} (renamed)`,
    description: "Changed by roundtrip.mts.",
    members: [1007],
    guests: [],
  };
  const updated = await request("PUT", groupPath, { body: update });
  expectStatus("update", updated.status, 200, 201);
  if (groupOf("update", updated.json).name !== update.name) fail("update", "the answer has the old name");
  const reread = groupOf("get after update", (await request("GET", groupPath)).json);
  if (reread.name !== update.name || reread.description !== update.description) fail("get after update", "the change did not last");
  if (JSON.stringify(reread.members) !== "[1007]" || (reread.guests ?? []).length !== 0) fail("get after update", "members/guests not replaced");

  const deleted = await request("DELETE", groupPath);
  expectStatus("delete", deleted.status, 204);
  if (deleted.json !== undefined) fail("delete", "204 came with a body");

  const gone = await request("GET", groupPath);
  expectStatus("get after delete", gone.status, 404);
  const error = gone.json as ErrorBody;
  if (error.code !== "RESOURCE_NOT_FOUND") fail("get after delete", `code ${String(error.code)}`);
  expectStatus("delete again", (await request("DELETE", groupPath)).status, 404);

  const after = await listAll("list after delete", 7);
  if (after.total !== seed) fail("list after delete", `total ${after.total}, expected ${seed}`);
  if (after.ids.includes(group.id)) fail("list after delete", "the deleted group is still listed");
  if (JSON.stringify(after.ids) !== JSON.stringify(before.ids)) fail("list after delete", "the listing differs from before");

  console.log("TypeScript round trip: create, get, list, update, delete, 404 passed");
}

main().catch((error: unknown) => {
  console.error(`TypeScript round trip FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
