// Contract check in TypeScript: calls the five Groups operations against a Prism
// mock of the spec, typed by the declarations openapi-typescript generates from it
// (.tools/gen/ts/tallyfy-groups.d.ts, made by scripts/contract/run.sh clients).
//
// If the spec and its examples disagree, this fails in one of three places: tsc
// (the request bodies below no longer fit the generated types), Prism (it flags
// the request or its own example response in an `sl-violations` header), or the
// runtime shape checks below (the JSON is not what the types promise).
//
// Run by run.sh with PRISM_URL set; uses only Node's built-in fetch.

import type { components, operations } from "../../../.tools/gen/ts/tallyfy-groups";

// Node globals used here (the project installs no @types/node).
declare const process: { env: Record<string, string | undefined>; exitCode: number | undefined };

type Schemas = components["schemas"];
type Group = Schemas["Group"];
type OpName = keyof operations;
type Op<N extends OpName> = operations[N];
type PathParams<N extends OpName> = Op<N>["parameters"]["path"];
type Query<N extends OpName> = NonNullable<Op<N>["parameters"]["query"]>;
type Body<N extends OpName> =
  NonNullable<Op<N>["requestBody"]> extends { content: { "application/json": infer B } } ? B : never;
type SuccessStatus<N extends OpName> = Extract<keyof Op<N>["responses"], 200 | 201 | 204>;
type Json<N extends OpName, S extends keyof Op<N>["responses"]> =
  Op<N>["responses"][S] extends { content: { "application/json": infer B } } ? B : undefined;

const routes = {
  listGroups: ["GET", "/organizations/{org_id}/groups"],
  createGroup: ["POST", "/organizations/{org_id}/groups"],
  getGroup: ["GET", "/organizations/{org_id}/groups/{group_id}"],
  updateGroup: ["PUT", "/organizations/{org_id}/groups/{group_id}"],
  deleteGroup: ["DELETE", "/organizations/{org_id}/groups/{group_id}"],
} as const satisfies Record<OpName, readonly [string, string]>;

const baseUrl = process.env["PRISM_URL"];
if (!baseUrl) throw new Error("PRISM_URL is not set (run this through scripts/contract/run.sh clients)");
const token = process.env["CONTRACT_TOKEN"] ?? "contract-dummy-token";

const ORG = "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d";
const GROUP = "53a4560dc877f9b4f709f97630efbb5a";

interface CallOptions<N extends OpName> {
  path: PathParams<N>;
  query?: Query<N>;
  body?: Body<N>;
  /** Prism's `Prefer` header: pick a named example (`example=NAME`) or a status (`code=201`). */
  prefer?: string;
}

interface Reply<N extends OpName, S extends SuccessStatus<N>> {
  status: S;
  body: Json<N, S>;
}

async function send<N extends OpName>(op: N, opts: CallOptions<N>): Promise<Response> {
  const [method, template] = routes[op];
  const pathParams = opts.path as Record<string, string>;
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = pathParams[name];
    if (value === undefined) throw new Error(`${op}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
  const url = new URL(baseUrl + path);
  for (const [key, value] of Object.entries(opts.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    Accept: "application/json",
    "X-Tallyfy-Client": "APIClient",
  };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.prefer !== undefined) headers["Prefer"] = opts.prefer;
  const init: RequestInit = { method, headers };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  return fetch(url, init);
}

async function call<N extends OpName, S extends SuccessStatus<N>>(
  op: N,
  expected: readonly S[],
  opts: CallOptions<N>,
): Promise<Reply<N, S>> {
  const res = await send(op, opts);
  const violations = res.headers.get("sl-violations");
  if (violations !== null) throw new Error(`${op}: Prism reports spec violations: ${violations}`);
  if (!(expected as readonly number[]).includes(res.status)) {
    throw new Error(`${op}: status ${res.status}, expected ${expected.join(" or ")}: ${await res.text()}`);
  }
  const text = await res.text();
  const body = text === "" ? undefined : (JSON.parse(text) as unknown);
  console.log(`  ${routes[op][0].padEnd(6)} ${op.padEnd(11)} -> ${res.status}${opts.prefer ? ` (Prefer: ${opts.prefer})` : ""}`);
  return { status: res.status as S, body: body as Json<N, S> };
}

function fail(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

// The generated types are compile-time only; check that the JSON really has them.
function checkGroup(g: Group, where: string): void {
  if (typeof g !== "object" || g === null) fail(where, "group is not an object");
  if (typeof g.id !== "string" || g.id === "") fail(where, "id is not a non-empty string");
  if (typeof g.name !== "string") fail(where, "name is not a string");
  const nullableStrings = ["description", "logo", "created_at", "last_updated", "updated_at", "deleted_at"] as const;
  for (const key of nullableStrings) {
    const v = g[key];
    if (v !== undefined && v !== null && typeof v !== "string") fail(where, `${key} is not a string or null`);
  }
  for (const m of g.members ?? []) {
    if (typeof m !== "number" && typeof m !== "string") fail(where, "a member id is neither a number nor a string");
  }
  for (const guest of g.guests ?? []) {
    if (typeof guest !== "string") fail(where, "a guest is not a string");
  }
}

function checkGroupResponse(r: Schemas["GroupResponse"] | undefined, where: string): Group {
  if (r === undefined) fail(where, "no body");
  checkGroup(r.data, where);
  return r.data;
}

function checkLinks(
  links: Schemas["PaginationLinks"] | null | undefined,
  where: string,
): "object" | "array" | "null" | "missing" {
  if (links === undefined) return "missing";
  if (links === null) return "null";
  if (Array.isArray(links)) {
    if (links.length !== 0) fail(where, "links is a non-empty array");
    return "array";
  }
  if (typeof links !== "object" || links === null) fail(where, "links is neither an object nor an array");
  const pageLinks: Schemas["PageLinks"] = links;
  for (const v of [pageLinks.previous, pageLinks.next]) {
    if (v !== undefined && v !== null && typeof v !== "string") fail(where, "a page link is not a string or null");
  }
  return "object";
}

async function main(): Promise<void> {
  console.log(`TypeScript contract check against ${baseUrl}`);

  // list, with every query parameter
  const list = await call("listGroups", [200], {
    path: { org_id: ORG },
    query: { q: "sales", per_page: 25, page: 1, sort_by: "name", with: "assets,users" },
  });
  if (list.body === undefined || !Array.isArray(list.body.data)) fail("listGroups", "data is not an array");
  list.body.data.forEach((g, i) => checkGroup(g, `listGroups data[${i}]`));
  const pagination = list.body.meta?.pagination;
  if (pagination === undefined) fail("listGroups", "meta.pagination is missing");
  if (checkLinks(pagination.links, "listGroups") !== "object") fail("listGroups", "links should be an object");

  // list, the example whose `links` is PHP's empty array
  const emptyLinks = await call("listGroups", [200], { path: { org_id: ORG }, prefer: "example=emptyLinksArray" });
  if (checkLinks(emptyLinks.body?.meta?.pagination?.links, "listGroups emptyLinksArray") !== "array") {
    fail("listGroups emptyLinksArray", "links should be an empty array");
  }
  emptyLinks.body?.data.forEach((g, i) => checkGroup(g, `listGroups emptyLinksArray data[${i}]`));

  // list, the example whose `links` is null (PageLinks' null, told apart from missing)
  const nullLinks = await call("listGroups", [200], { path: { org_id: ORG }, prefer: "example=nullLinks" });
  if (checkLinks(nullLinks.body?.meta?.pagination?.links, "listGroups nullLinks") !== "null") {
    fail("listGroups nullLinks", "links should be null");
  }

  // get, plain and with the logo asset
  const got = checkGroupResponse((await call("getGroup", [200], { path: { org_id: ORG, group_id: GROUP } })).body, "getGroup");
  if (got.id !== GROUP) fail("getGroup", `id ${got.id}, expected ${GROUP}`);
  const withAssets = checkGroupResponse(
    (await call("getGroup", [200], {
      path: { org_id: ORG, group_id: GROUP },
      query: { with: "assets" },
      prefer: "example=withAssets",
    })).body,
    "getGroup withAssets",
  );
  if (withAssets.assets === undefined) fail("getGroup withAssets", "assets is missing");

  // create
  const newGroup: Schemas["CreateGroupRequest"] = {
    name: "Sales Team",
    description: "Handles all sales inquiries.",
    members: [1001, 1005],
    guests: ["client.a@example.com"],
  };
  const created = await call("createGroup", [201], { path: { org_id: ORG }, body: newGroup });
  const createdGroup = checkGroupResponse(created.body, "createGroup");

  // update: the whole new field set; 200 (older docs) or 201 (current docs)
  const changes: Schemas["UpdateGroupRequest"] = {
    name: createdGroup.name,
    description: "Handles all sales inquiries and renewals.",
    members: [1001, 1005, 1007],
    guests: createdGroup.guests ?? [],
  };
  const path = { org_id: ORG, group_id: createdGroup.id };
  checkGroupResponse((await call("updateGroup", [200, 201], { path, body: changes })).body, "updateGroup");
  checkGroupResponse((await call("updateGroup", [201], { path, body: changes, prefer: "code=201" })).body, "updateGroup 201");

  // delete: 204, no body
  const deleted = await call("deleteGroup", [204], { path });
  if (deleted.body !== undefined) fail("deleteGroup", "204 came with a body");

  // The harness itself: Prism must flag a request that breaks the spec, or the
  // `sl-violations` checks above prove nothing.
  const bad = await send("createGroup", { path: { org_id: ORG }, body: { name: "Empty description", description: "" } as Schemas["CreateGroupRequest"] });
  if (bad.headers.get("sl-violations") === null) fail("harness", 'Prism did not flag a create with `"description": ""`');
  await bad.text();

  console.log("TypeScript contract check: all five operations passed");
}

main().catch((error: unknown) => {
  console.error(`TypeScript contract check FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
