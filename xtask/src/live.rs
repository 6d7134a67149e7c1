//! `spec-check --live`: calls the read-only operations of the real API (or any
//! server at `TALLYFY_BASE_URL`) through the crate's own client, captures each
//! raw response with a `tallyfy_groups::Capture`, and feeds it to
//! `Checker::check_response` exactly as a sample file would be.
//!
//! Owns the fixed list of calls, what each expects, and the mapping from the
//! generated client's operation names to the spec's operationIds (derived
//! from the spec with `naming`, the rule build.rs uses too). The credentials
//! and the retry policy are in `credentials`; writing the bodies as samples
//! is `record`'s job.

use std::collections::HashMap;

use tallyfy_groups::{Capture, CapturedResponse, Client, Error, ListGroups, SortBy};

pub use crate::credentials::{LiveConfig, retry_policy};
use crate::drift::Checker;
use crate::report::{Finding, Severity};
use crate::spec::Spec;

/// The group id asked for to provoke a 404.
pub const MISSING_GROUP_ID: &str = "00000000000000000000000000000000";
/// The search text of the `q` list call.
pub const SEARCH_TEXT: &str = "group";

/// One response the live run received.
#[derive(Debug, Clone)]
pub struct LiveResponse {
    pub operation_id: String,
    pub status: u16,
    /// Names the call in a recorded file: `<operationId>.<status>.live-<variant>.json`.
    pub variant: String,
    /// Names the response in findings, e.g. `live:listGroups.200 (per_page=5&page=1)`.
    pub label: String,
    pub body: Vec<u8>,
}

/// What a live run produced: the responses, and the findings about them.
#[derive(Debug, Default)]
pub struct LiveRun {
    pub responses: Vec<LiveResponse>,
    pub findings: Vec<Finding>,
}

/// The spec's operationIds, keyed by the name the generated client gives
/// them (progenitor's rule, shared with build.rs in `codegen/naming.rs`).
pub fn operation_ids(spec: &Spec) -> HashMap<String, String> {
    spec.operations()
        .into_iter()
        .filter_map(|op| op.operation_id)
        .map(|id| (crate::naming::method_name(&id), id))
        .collect()
}

/// Runs the live calls against the configured server and checks every
/// response. `Err` is a configuration problem (nothing was sent).
pub fn run(checker: &Checker, config: &LiveConfig) -> Result<LiveRun, String> {
    let capture = Capture::new();
    let client = config.client(capture.clone())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start an async runtime: {e}"))?;
    let mut runner = Runner {
        checker,
        capture,
        ops: operation_ids(checker.spec()),
        run: LiveRun::default(),
    };
    runtime.block_on(calls(&client, &mut runner));
    Ok(runner.run)
}

/// What a call should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Success,
    NotFound,
}

/// One call: the generated operation it uses, how it is named, what it expects.
struct Call {
    operation: &'static str,
    variant: &'static str,
    params: &'static str,
    expect: Expect,
}

impl Call {
    fn new(
        operation: &'static str,
        variant: &'static str,
        params: &'static str,
        expect: Expect,
    ) -> Call {
        Call {
            operation,
            variant,
            params,
            expect,
        }
    }
}

type ListVariant = (&'static str, &'static str, fn(ListGroups) -> ListGroups);

/// The list calls: variant, parameters as shown, and how to build the request.
const LISTS: [ListVariant; 5] = [
    ("default", "default", |l| l),
    ("per-page-5", "per_page=5&page=1", |l| {
        l.page_size(5).page(1)
    }),
    ("sort-by-name", "sort_by=name", |l| l.sort_by(SortBy::Name)),
    ("q", "q=group", |l| l.q(SEARCH_TEXT)),
    ("with-assets-users", "with=assets,users", |l| {
        l.with_assets().with_users()
    }),
];

/// The calls, one after the other: five lists, a get (with and without
/// assets) of the first listed group, and a get of a group that does not
/// exist. If the first list does not answer 200 the rest is skipped.
async fn calls(client: &Client, runner: &mut Runner<'_>) {
    let groups = client.groups();
    let mut group_id = None;
    for (i, (variant, params, build)) in LISTS.into_iter().enumerate() {
        let call = Call::new("list_groups", variant, params, Expect::Success);
        let answer = runner.call(call, build(groups.list()).send()).await;
        if i == 0 {
            match answer {
                Some((200, body)) => group_id = first_group_id(&body),
                other => {
                    let got = other.map_or("got no response".into(), |(status, _)| {
                        format!("answered {status}, not 200")
                    });
                    let message = format!("the first list {got}; the other calls were skipped");
                    runner.finding(Finding::error("live", "", message));
                    return;
                }
            }
        }
    }
    let (first, first_assets) = ("first listed group", "first listed group, with=assets");
    match group_id {
        Some(id) => {
            let call = Call::new("get_group", "default", first, Expect::Success);
            runner.call(call, groups.get(&id).send()).await;
            let call = Call::new("get_group", "with-assets", first_assets, Expect::Success);
            runner
                .call(call, groups.get(&id).with_assets().send())
                .await;
        }
        None => {
            let source = format!("live:{} ({first})", runner.op_id("get_group"));
            let message =
                "not checked: the first list returned no group, so there is no group id to get";
            runner.finding(Finding::warning(source, "", message));
        }
    }
    let missing = "a group that does not exist";
    let call = Call::new("get_group", "not-found", missing, Expect::NotFound);
    runner.call(call, groups.get(MISSING_GROUP_ID).send()).await;
}

/// `data[0].id` of a list body.
fn first_group_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("data")?.get(0)?.get("id")?;
    match id {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

struct Runner<'a> {
    checker: &'a Checker,
    /// Holds the responses of the client's calls; emptied after each call.
    capture: Capture,
    ops: HashMap<String, String>,
    run: LiveRun,
}

impl Runner<'_> {
    /// The spec's operationId for a generated operation name (the name itself
    /// when the spec has none, which `check_response` then reports).
    fn op_id(&self, operation: &str) -> String {
        self.ops
            .get(operation)
            .cloned()
            .unwrap_or_else(|| operation.to_string())
    }

    fn finding(&mut self, finding: Finding) {
        self.run.findings.push(finding);
    }

    /// Sends one call, capturing and checking what it received; returns the
    /// last response's status and body.
    async fn call<T>(
        &mut self,
        call: Call,
        request: impl Future<Output = Result<T, Error>>,
    ) -> Option<(u16, Vec<u8>)> {
        let result = request.await;
        let captured = self.capture.take();
        self.absorb(&call, result, captured)
    }

    /// Checks what one call received; returns the last response's status and body.
    fn absorb<T>(
        &mut self,
        call: &Call,
        result: Result<T, Error>,
        captured: Vec<CapturedResponse>,
    ) -> Option<(u16, Vec<u8>)> {
        if captured.is_empty() {
            let source = format!("live:{} ({})", self.op_id(call.operation), call.params);
            let why = match &result {
                Err(e) => e.to_string(),
                Ok(_) => "the call succeeded without a captured response".into(),
            };
            self.finding(Finding::error(source, "", format!("no response: {why}")));
            return None;
        }
        let mut last = None;
        let count = captured.len();
        for (n, response) in captured.into_iter().enumerate() {
            let operation_id = self.op_id(response.operation);
            let status = response.status.as_u16();
            let label = format!("live:{operation_id}.{status} ({})", call.params);
            let body = response.body.to_vec();
            let findings = self
                .checker
                .check_response(&label, &operation_id, status, &body);
            let body_ok = !findings.iter().any(|f| f.severity == Severity::Error);
            self.run.findings.extend(findings);
            let last_one = n + 1 == count;
            if last_one {
                self.expectation(call, &label, status, &result, body_ok);
            }
            let variant = match n {
                0 => call.variant.to_string(),
                _ => format!("{}-{}", call.variant, n + 1),
            };
            self.run.responses.push(LiveResponse {
                operation_id,
                status,
                variant,
                label,
                body: body.clone(),
            });
            last = Some((status, body));
        }
        last
    }

    /// Errors for a status other than the one expected, and for a success
    /// body the client refused although it matches the spec.
    fn expectation<T>(
        &mut self,
        call: &Call,
        label: &str,
        status: u16,
        result: &Result<T, Error>,
        body_ok: bool,
    ) {
        let error = result.as_ref().err();
        let message = match call.expect {
            Expect::Success if !(200..300).contains(&status) => Some(format!(
                "expected a success, got {status}{}",
                error.map(|e| format!(": {e}")).unwrap_or_default()
            )),
            Expect::Success => match error {
                Some(e) if body_ok => Some(format!(
                    "the body matches the spec, but the client rejected it: {e}"
                )),
                _ => None,
            },
            Expect::NotFound if status != 404 => Some(format!(
                "expected 404 for group {MISSING_GROUP_ID}, which does not exist; got {status}"
            )),
            Expect::NotFound => None,
        };
        if let Some(message) = message {
            self.finding(Finding::error(label, "", message));
        }
    }
}
