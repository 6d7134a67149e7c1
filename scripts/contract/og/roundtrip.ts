// Round trip through the TypeScript client that openapi-generator (`-g typescript-fetch`)
// generates from the spec (.tools/gen/og-typescript-fetch, made by
// scripts/contract/generators.sh). Compiled with tsc --strict together with the
// generated code, then run with node (its built-in fetch; no npm packages).
//
// Proves that the generated client drives the API the spec describes: every page of a
// listing (following meta.pagination until it ends), get, create, update (200 and 201),
// delete, and, against Prism, each documented `links` form and each error shape, decoded
// with the generated ErrorBodyFromJSON (typescript-fetch throws a ResponseError holding
// the raw Response and leaves the body to the caller).
//
// Environment: CONTRACT_BASE_URL (the server: Prism today, the sandbox server later),
// CONTRACT_TARGET (`prism`, the default, also asks for named examples and error statuses
// with Prism's `Prefer` header), CONTRACT_TOKEN (a dummy bearer token).

import {
  Configuration,
  ErrorBodyFromJSON,
  GroupsApi,
  ResponseError,
  type InitOverrideFunction,
  type ApiResponse,
  type ErrorBody,
  type Group,
  type Pagination,
} from "../../../.tools/gen/og-typescript-fetch/index.js";

declare const process: { env: Record<string, string | undefined>; exitCode: number | undefined };

const baseUrl = process.env["CONTRACT_BASE_URL"];
if (!baseUrl) throw new Error("CONTRACT_BASE_URL is not set (run this through scripts/contract/generators.sh)");
const prism = (process.env["CONTRACT_TARGET"] ?? "prism") === "prism";
const ORG = process.env["CONTRACT_ORG"] ?? "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d";
const GROUP = "53a4560dc877f9b4f709f97630efbb5a";
const MAX_PAGES = 100; // bound on the listing loop

const api = new GroupsApi(
  new Configuration({
    basePath: baseUrl,
    accessToken: process.env["CONTRACT_TOKEN"] ?? "contract-dummy-token",
    headers: { Accept: "application/json", "X-Tallyfy-Client": "APIClient" },
  }),
);

function fail(where: string, what: string): never {
  throw new Error(`${where}: ${what}`);
}

// Prism's `Prefer` header on one call. A plain RequestInit override would replace the
// generated headers (Authorization among them), so add it to them instead.
const prefer =
  (value: string): InitOverrideFunction =>
  async ({ init }) => ({ ...init, headers: { ...(init.headers as Record<string, string>), Prefer: value } });

// A success status and no `sl-violations` header (Prism's report that the request, or
// its own answer, breaks the spec); returns the decoded body.
async function ok<T>(reply: Promise<ApiResponse<T>>, where: string, ...statuses: number[]): Promise<T> {
  const res = await reply.catch(async (error: unknown) => {
    if (!(error instanceof ResponseError)) throw error;
    fail(where, `status ${error.response.status}, expected ${statuses.join(" or ")}: ${await error.response.text()}`);
  });
  const violations = res.raw.headers.get("sl-violations");
  if (violations !== null) fail(where, `Prism reports spec violations: ${violations}`);
  if (!statuses.includes(res.raw.status)) fail(where, `status ${res.raw.status}, expected ${statuses.join(" or ")}`);
  return res.value();
}

function checkGroup(g: Group, where: string): Group {
  if (typeof g.id !== "string" || g.id === "") fail(where, "id is not a non-empty string");
  if (typeof g.name !== "string") fail(where, "name is not a string");
  for (const key of ["createdAt", "lastUpdated", "updatedAt", "deletedAt"] as const) {
    const v = g[key];
    if (v !== undefined && v !== null && (!(v instanceof Date) || Number.isNaN(v.getTime()))) {
      fail(where, `${key} is not a valid date: ${String(v)}`);
    }
  }
  for (const m of g.members ?? []) {
    if (typeof m !== "number" && typeof m !== "string") fail(where, "a member id is neither a number nor a string");
  }
  return g;
}

// The form `links` decoded into, and its next URL. typescript-fetch maps a JSON null
// and a missing key both to undefined.
function links(p: Pagination, where: string): ["object" | "array" | "absent", string | undefined] {
  const l = p.links;
  if (l === undefined || l === null) return ["absent", undefined];
  if (Array.isArray(l)) {
    if (l.length !== 0) fail(where, "links is a non-empty array");
    return ["array", undefined];
  }
  for (const v of [l.previous, l.next]) {
    if (v !== undefined && v !== null && typeof v !== "string") fail(where, "a page link is not a string or null");
  }
  return ["object", l.next ?? undefined];
}

async function listAll(): Promise<Group[]> {
  const groups: Group[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const where = `listGroups page ${page}`;
    const body = await ok(api.listGroupsRaw({ orgId: ORG, page, perPage: 100, sortBy: "name" }), where, 200);
    body.data.forEach((g, i) => groups.push(checkGroup(g, `${where} data[${i}]`)));
    const p = body.meta?.pagination;
    if (p === undefined) fail(where, "meta.pagination is missing");
    const [, next] = links(p, where);
    const more = p.totalPages !== undefined ? (p.currentPage ?? page) < p.totalPages : next !== undefined;
    console.log(`  ${where}: ${body.data.length} groups, more: ${more}`);
    if (!more) {
      if (p.total !== undefined && p.total !== groups.length) fail(where, `${groups.length} listed, total says ${p.total}`);
      return groups;
    }
  }
  fail("listGroups", `more than ${MAX_PAGES} pages`);
}

// Each named listGroups example, and the form its `links` decodes into. typescript-fetch
// decodes `[]` as an empty PageLinks object (its oneOf decoder tries PageLinks first and
// PageLinks has no required property), so "array" is not expected: see README.md.
async function linksForms(): Promise<void> {
  for (const [example, want] of [["docs", "object"], ["emptyLinksArray", "object"], ["nullLinks", "absent"]] as const) {
    const where = `listGroups example=${example}`;
    const body = await ok(api.listGroupsRaw({ orgId: ORG }, prefer(`example=${example}`)), where, 200);
    const p = body.meta?.pagination;
    if (p === undefined) fail(where, "meta.pagination is missing");
    const [got, next] = links(p, where);
    if (got !== want) fail(where, `links decoded as ${got}, expected ${want}`);
    if (next !== undefined) fail(where, `next link ${next} on the last page`);
    console.log(`  ${where}: links ${got}`);
  }
}

type Shape = (e: ErrorBody) => boolean;
const flag = (kind: "string" | "boolean" | "object"): Shape => (e) => e.error !== undefined && typeof e.error === kind;
const ERRORS: [number, string, Shape][] = [
  [400, "code=400", flag("string")],
  [401, "code=401", flag("string")],
  [403, "code=403", (e) => flag("object")(e) && (e.error as { code?: string }).code === "SEAT_POOL_EXHAUSTED"],
  [404, "code=404", (e) => flag("boolean")(e) && e.code === "RESOURCE_NOT_FOUND"],
  [422, "code=422, example=laravel", (e) => e.error === undefined && e.errors?.["description"] !== undefined],
  [422, "code=422, example=flagged", (e) => flag("boolean")(e) && e.message === undefined && e.errors?.["name"] !== undefined],
  [429, "code=429", (e) => e.code === "RATE_LIMIT_EXCEEDED"],
  [500, "code=500", (e) => flag("boolean")(e) && e.message === "Server error"],
  [502, "code=502", flag("boolean")],
  [503, "code=503", flag("boolean")],
];

async function expectError(call: () => Promise<unknown>, status: number, where: string, shape: Shape): Promise<void> {
  try {
    await call();
  } catch (error: unknown) {
    if (!(error instanceof ResponseError)) throw error;
    if (error.response.status !== status) fail(where, `status ${error.response.status}, expected ${status}`);
    const body = ErrorBodyFromJSON(await error.response.json());
    if (!shape(body)) fail(where, `ErrorBody has the wrong shape: ${JSON.stringify(body)}`);
    console.log(`  ${where}: ${status} decoded`);
    return;
  }
  fail(where, `succeeded, expected ${status}`);
}

async function main(): Promise<void> {
  console.log(`openapi-generator typescript-fetch round trip against ${baseUrl} (${prism ? "Prism" : "server"})`);
  const listed = await listAll();
  if (prism) await linksForms();
  const target = listed[0]?.id ?? GROUP;
  checkGroup((await ok(api.getGroupRaw({ orgId: ORG, groupId: target }), "getGroup", 200)).data, "getGroup");
  if (prism) {
    const where = "getGroup withAssets";
    const g = (await ok(api.getGroupRaw({ orgId: ORG, groupId: GROUP, _with: "assets" }, prefer("example=withAssets")), where, 200)).data;
    if (checkGroup(g, where).assets === undefined) fail(where, "assets is missing");
  }
  const createGroupRequest = { name: "Contract round trip", description: "Made by og/roundtrip.ts.", members: [1001], guests: [] };
  const created = checkGroup((await ok(api.createGroupRaw({ orgId: ORG, createGroupRequest }), "createGroup", 201)).data, "createGroup");
  const updateGroupRequest = { name: created.name, description: "Updated.", members: [1001, 1005], guests: [] };
  const ids = { orgId: ORG, groupId: created.id };
  // update answers 200 (older docs) or 201 (current docs).
  checkGroup((await ok(api.updateGroupRaw({ ...ids, updateGroupRequest }), "updateGroup", 200, 201)).data, "updateGroup");
  if (prism) {
    const again = await ok(api.updateGroupRaw({ ...ids, updateGroupRequest }, prefer("code=201")), "updateGroup 201", 201);
    checkGroup(again.data, "updateGroup 201");
  }
  await ok(api.deleteGroupRaw(ids), "deleteGroup", 200, 204);
  console.log(`  create, update, delete: ${created.id}`);
  if (prism) {
    for (const [status, p, shape] of ERRORS) {
      await expectError(() => api.getGroup({ orgId: ORG, groupId: GROUP }, prefer(p)), status, `getGroup ${p}`, shape);
    }
  } else {
    await expectError(() => api.getGroup(ids), 404, "getGroup after delete", () => true);
  }
  console.log("openapi-generator typescript-fetch round trip: all five operations passed");
}

main().catch((error: unknown) => {
  console.error(`openapi-generator typescript-fetch round trip FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
