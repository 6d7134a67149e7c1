//! `spec-check --live`: calls the read-only operations of the real API (or any
//! server at `TALLYFY_BASE_URL`) with the xtask's own HTTP client (`http`;
//! not the library's, so a spec edit that breaks the library cannot break
//! this check), and feeds each raw response to `Checker::check_response`
//! exactly as a sample file would be.
//!
//! Owns the fixed list of calls, what each expects, and which spec operation
//! each one is: found in the spec by method and path template, so the names
//! in findings are the spec's operationIds. The credentials and the retry
//! policy are in `credentials`; writing the bodies as samples is `record`'s
//! job.

pub use crate::credentials::LiveConfig;
use crate::credentials::retry_policy;
use crate::drift::Checker;
use crate::http::{Client, Exchange};
use crate::report::Finding;

/// The group id asked for to provoke a 404.
pub const MISSING_GROUP_ID: &str = "00000000000000000000000000000000";
/// The search text of the `q` list call.
pub const SEARCH_TEXT: &str = "group";

/// The path templates of the two operations called, as in the spec.
const LIST_PATH: &str = "/organizations/{org_id}/groups";
const GET_PATH: &str = "/organizations/{org_id}/groups/{group_id}";

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

/// The operationId the spec gives `GET path` (the method and path when it
/// has none: `check_response` then reports that there is no such operation).
pub fn operation_id(checker: &Checker, path: &str) -> String {
    checker
        .spec()
        .operations()
        .into_iter()
        .find(|op| op.method == "get" && op.path == path)
        .and_then(|op| op.operation_id)
        .unwrap_or_else(|| format!("GET {path}"))
}

/// Runs the live calls against the configured server and checks every
/// response. `Err` is a configuration problem (nothing was sent).
pub fn run(checker: &Checker, config: &LiveConfig) -> Result<LiveRun, String> {
    let client = Client::new(config, retry_policy())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start an async runtime: {e}"))?;
    let mut runner = Runner {
        checker,
        list_id: operation_id(checker, LIST_PATH),
        get_id: operation_id(checker, GET_PATH),
        run: LiveRun::default(),
    };
    runtime.block_on(calls(&client, config.org_id(), &mut runner));
    Ok(runner.run)
}

/// What a call should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Success,
    NotFound,
}

/// Which operation a call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    List,
    Get,
}

/// One call: the operation it uses, how it is named, what it expects.
struct Call {
    operation: Operation,
    variant: &'static str,
    params: &'static str,
    expect: Expect,
}

/// A query: (name, value) pairs.
type Query = &'static [(&'static str, &'static str)];

/// The list calls: variant, parameters as shown, and the query sent.
const LISTS: [(&str, &str, Query); 5] = [
    ("default", "default", &[]),
    (
        "per-page-5",
        "per_page=5&page=1",
        &[("per_page", "5"), ("page", "1")],
    ),
    ("sort-by-name", "sort_by=name", &[("sort_by", "name")]),
    ("q", "q=group", &[("q", SEARCH_TEXT)]),
    (
        "with-assets-users",
        "with=assets,users",
        &[("with", "assets,users")],
    ),
];

/// The calls, one after the other: five lists, a get (with and without
/// assets) of the first listed group, and a get of a group that does not
/// exist. If the first list does not answer 200 the rest is skipped.
async fn calls(client: &Client, org_id: &str, runner: &mut Runner<'_>) {
    let list = ["organizations", org_id, "groups"];
    let mut group_id = None;
    for (i, (variant, params, query)) in LISTS.into_iter().enumerate() {
        let call = Call {
            operation: Operation::List,
            variant,
            params,
            expect: Expect::Success,
        };
        let answer = runner.absorb(&call, client.get(&list, query).await);
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
    let get = |id: &str| ["organizations", org_id, "groups", id].map(str::to_string);
    let (first, first_assets) = ("first listed group", "first listed group, with=assets");
    match group_id {
        Some(id) => {
            let path = get(&id);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            for (variant, params, query) in [
                ("default", first, &[][..]),
                ("with-assets", first_assets, &[("with", "assets")][..]),
            ] {
                let call = Call {
                    operation: Operation::Get,
                    variant,
                    params,
                    expect: Expect::Success,
                };
                runner.absorb(&call, client.get(&path, query).await);
            }
        }
        None => {
            let source = format!("live:{} ({first})", runner.get_id);
            let message =
                "not checked: the first list returned no group, so there is no group id to get";
            runner.finding(Finding::warning(source, "", message));
        }
    }
    let call = Call {
        operation: Operation::Get,
        variant: "not-found",
        params: "a group that does not exist",
        expect: Expect::NotFound,
    };
    let path = get(MISSING_GROUP_ID);
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    runner.absorb(&call, client.get(&path, &[]).await);
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
    /// The spec's operationIds of the list and the get.
    list_id: String,
    get_id: String,
    run: LiveRun,
}

impl Runner<'_> {
    fn op_id(&self, operation: Operation) -> &str {
        match operation {
            Operation::List => &self.list_id,
            Operation::Get => &self.get_id,
        }
    }

    fn finding(&mut self, finding: Finding) {
        self.run.findings.push(finding);
    }

    /// Checks what one call received; returns the last response's status and body.
    fn absorb(&mut self, call: &Call, exchange: Exchange) -> Option<(u16, Vec<u8>)> {
        let operation_id = self.op_id(call.operation).to_string();
        if exchange.responses.is_empty() {
            let source = format!("live:{operation_id} ({})", call.params);
            let why = exchange
                .failure
                .unwrap_or_else(|| "nothing was sent".to_string());
            self.finding(Finding::error(source, "", format!("no response: {why}")));
            return None;
        }
        let mut last = None;
        let count = exchange.responses.len();
        for (n, response) in exchange.responses.into_iter().enumerate() {
            let status = response.status;
            let label = format!("live:{operation_id}.{status} ({})", call.params);
            let findings =
                self.checker
                    .check_response(&label, &operation_id, status, &response.body);
            self.run.findings.extend(findings);
            if n + 1 == count {
                self.expectation(call, &label, status, exchange.failure.as_deref());
            }
            let variant = match n {
                0 => call.variant.to_string(),
                _ => format!("{}-{}", call.variant, n + 1),
            };
            self.run.responses.push(LiveResponse {
                operation_id: operation_id.clone(),
                status,
                variant,
                label,
                body: response.body.clone(),
            });
            last = Some((status, response.body));
        }
        last
    }

    /// An error for a status other than the one expected; `failure` is why a
    /// later attempt got no response, if one did not.
    fn expectation(&mut self, call: &Call, label: &str, status: u16, failure: Option<&str>) {
        let message = match call.expect {
            Expect::Success if !(200..300).contains(&status) => Some(format!(
                "expected a success, got {status}{}",
                failure.map(|e| format!(" (then {e})")).unwrap_or_default()
            )),
            Expect::Success => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a call without any response is one error naming the call and
    // the failure, and that each retried response is kept under its own
    // variant, the last one deciding the expectation.
    #[test]
    fn responses_and_failures_are_absorbed() {
        let root = crate::repo_root();
        let spec = crate::spec::Spec::load(&root.join("spec/tallyfy-groups.yaml"), "spec").unwrap();
        let checker = Checker::new(spec);
        let mut runner = Runner {
            list_id: operation_id(&checker, LIST_PATH),
            get_id: operation_id(&checker, GET_PATH),
            checker: &checker,
            run: LiveRun::default(),
        };
        assert_eq!(runner.list_id, "listGroups");
        assert_eq!(runner.get_id, "getGroup");
        let call = Call {
            operation: Operation::Get,
            variant: "default",
            params: "p",
            expect: Expect::Success,
        };
        let failed = Exchange {
            responses: vec![],
            failure: Some("the request failed: refused".into()),
        };
        assert_eq!(runner.absorb(&call, failed), None);
        let message = &runner.run.findings[0].message;
        assert_eq!(message, "no response: the request failed: refused");
        let retried = Exchange {
            responses: vec![
                crate::http::Received {
                    status: 503,
                    body: b"{}".to_vec(),
                },
                crate::http::Received {
                    status: 503,
                    body: b"{}".to_vec(),
                },
            ],
            failure: None,
        };
        runner.run.findings.clear();
        assert_eq!(runner.absorb(&call, retried).map(|a| a.0), Some(503));
        let variants: Vec<&str> = runner
            .run
            .responses
            .iter()
            .map(|r| r.variant.as_str())
            .collect();
        assert_eq!(variants, ["default", "default-2"]);
        let expected: Vec<_> = runner
            .run
            .findings
            .iter()
            .filter(|f| f.message.starts_with("expected a success, got 503"))
            .collect();
        assert_eq!(expected.len(), 1, "{:#?}", runner.run.findings);
    }
}
