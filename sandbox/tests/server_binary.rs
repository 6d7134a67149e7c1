//! The `tallyfy-groups-sandbox` binary as a separate process: it starts,
//! answers, saves its state file, stops cleanly on SIGTERM, survives SIGKILL
//! in the middle of writes without losing an acknowledged change, refuses
//! corrupt and foreign state files, refuses a second server on one file, and
//! enforces the rate limit `--limit` names.
//! Every server is stopped by its pid; every loop is bounded.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{TOKEN, http, send, send_raw};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_tallyfy-groups-sandbox");

/// A running server process; killed (by pid) if the test did not stop it.
struct Server {
    child: Child,
    base_url: String,
    org_id: String,
}

impl Server {
    /// Starts the binary and reads its first stdout line
    /// (`TALLYFY_BASE_URL=… TALLYFY_ORG_ID=…`).
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        // Returns at the first newline or when the process exits (EOF).
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("stdout is readable");
        let mut base_url = None;
        let mut org_id = None;
        for pair in line.split_whitespace() {
            match pair.split_once('=') {
                Some(("TALLYFY_BASE_URL", v)) => base_url = Some(v.to_owned()),
                Some(("TALLYFY_ORG_ID", v)) => org_id = Some(v.to_owned()),
                _ => {}
            }
        }
        let (Some(base_url), Some(org_id)) = (base_url, org_id) else {
            let _ = child.kill();
            let output = child.wait_with_output().expect("the process ends");
            panic!(
                "no address line ({line:?}); stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        Server {
            child,
            base_url,
            org_id,
        }
    }

    fn groups_url(&self) -> String {
        format!("{}/organizations/{}/groups", self.base_url, self.org_id)
    }

    fn port(&self) -> u16 {
        let authority = self.base_url.trim_start_matches("http://");
        let host_port = authority.split('/').next().unwrap();
        host_port.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Sends SIGTERM to the server's pid and waits for it to exit.
    fn terminate(mut self) -> Output {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let child = std::mem::replace(&mut self.child, dummy_child());
        child.wait_with_output().expect("the server exits")
    }

    /// SIGKILL (std's `Child::kill` on Unix) and reap.
    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL is delivered");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An already-finished child, to move the real one out of a `Server`.
fn dummy_child() -> Child {
    let mut child = Command::new("true").spawn().expect("`true` runs");
    child.wait().expect("`true` ends");
    child
}

/// Runs the binary to completion (for the cases where it must refuse to start).
fn run_to_exit(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every group name of the sandbox organisation, page by page (bounded).
async fn all_names(server: &Server) -> Vec<String> {
    let client = http();
    let mut names = Vec::new();
    for page in 1..=100 {
        let answer = send(
            client
                .get(server.groups_url())
                .query(&[("per_page", "100"), ("page", &page.to_string())]),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.raw);
        names.extend(common::names(&answer));
        let pagination = &answer.body["meta"]["pagination"];
        if pagination["current_page"] == pagination["total_pages"] {
            return names;
        }
    }
    panic!("more than 100 pages");
}

fn state_names(path: &Path, org_id: &str) -> Vec<String> {
    let state: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    assert_eq!(state["format"], "tallyfy-groups-sandbox-state");
    assert_eq!(state["version"], 1);
    state["store"]["orgs"][org_id]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Proves the binary starts with the flags of the issue, prints a usable
/// address line, answers (token checked), has saved a change to the state
/// file by the time the change is answered, stops on SIGTERM with exit 0
/// and releases its port, and that a restart on the same file loads the
/// change.
#[tokio::test]
async fn starts_answers_saves_stops_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let args = [
        "--seed",
        "5",
        "--state",
        state_arg,
        "--token",
        TOKEN,
        "--latency-ms",
        "1",
    ];
    let server = Server::start(&args);
    let client = http();

    let list = send(client.get(server.groups_url())).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    assert_eq!(list.body["meta"]["pagination"]["total"], 5);
    let anonymous = send_raw(client.get(server.groups_url()).bearer_auth("other")).await;
    assert_eq!(anonymous.status, 401);
    // The seed is on disk from the start.
    assert_eq!(state_names(&state, &server.org_id).len(), 5);

    let created = send(
        client
            .post(server.groups_url())
            .json(&json!({"name": "Ops", "description": "On call."})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    // Read after the answer arrived: the change was saved before it was sent.
    assert!(state_names(&state, &server.org_id).contains(&"Ops".to_owned()));

    let port = server.port();
    let output = server.terminate();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("SIGTERM, stopping"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains(TOKEN),
        "the token is never printed"
    );
    // The port is free again.
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port was released");

    let again = Server::start(&args);
    let names = all_names(&again).await;
    assert_eq!(names.len(), 6);
    assert!(names.contains(&"Ops".to_owned()));
    let output = again.terminate();
    assert!(
        stderr(&output).contains("state loaded from"),
        "{}",
        stderr(&output)
    );
}

/// Proves that SIGKILL at a random point of a burst of writes loses no
/// acknowledged change and never leaves a half-written file: three rounds,
/// each four concurrent writers sending up to 200 creates in all, killed
/// with SIGKILL once a random number of them has been answered (the writers
/// keep sending, so the kill lands among saves); each restart loads the
/// file, and every name answered 201 is in it, nothing that was never sent
/// is, and at most the four in flight at the kill may be there unanswered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_keeps_every_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let args = ["--state", state.to_str().unwrap(), "--seed", "3"];
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    eprintln!("kill points from seed {seed}");
    let mut acknowledged: BTreeSet<String> = (1..=3).map(|i| format!("Group {i:04}")).collect();
    let mut sent: BTreeSet<String> = acknowledged.clone();

    for round in 0..3 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let kill_after = 1 + (seed >> 33) as usize % 199;
        let server = Server::start(&args);
        let url = server.groups_url();
        let acked = Arc::new(AtomicUsize::new(0));
        let mut writers = Vec::new();
        for writer in 0..4 {
            let (url, acked) = (url.clone(), acked.clone());
            writers.push(tokio::spawn(async move {
                let client = http();
                let mut sent = Vec::new();
                let mut answered = Vec::new();
                for i in 0..50 {
                    let name = format!("r{round}-w{writer}-{i:02}");
                    sent.push(name.clone());
                    let response = client
                        .post(&url)
                        .bearer_auth(TOKEN)
                        .json(&json!({"name": name, "description": "burst"}))
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status() == 201 => {
                            answered.push(name);
                            acked.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(r) => panic!("unexpected status {}", r.status()),
                        Err(_) => break, // the server is gone
                    }
                }
                (sent, answered)
            }));
        }
        let mut polls = 0;
        while acked.load(Ordering::SeqCst) < kill_after && polls < 60_000 {
            tokio::time::sleep(Duration::from_millis(1)).await;
            polls += 1;
        }
        assert!(acked.load(Ordering::SeqCst) >= kill_after, "writes stalled");
        server.kill_9();
        let mut round_acked = 0;
        for writer in writers {
            let (w_sent, w_answered) = writer.await.unwrap();
            round_acked += w_answered.len();
            sent.extend(w_sent);
            acknowledged.extend(w_answered);
        }
        eprintln!("round {round}: killed after {kill_after}, {round_acked} acknowledged");

        let restarted = Server::start(&args);
        let present: BTreeSet<String> = all_names(&restarted).await.into_iter().collect();
        let missing: Vec<_> = acknowledged.difference(&present).collect();
        assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
        let invented: Vec<_> = present.difference(&sent).collect();
        assert!(invented.is_empty(), "never sent: {invented:?}");
        let unanswered = present.difference(&acknowledged).count();
        assert!(unanswered <= 4, "{unanswered} unanswered creates were kept");
        // What the restarted server holds is now the baseline of the next round.
        acknowledged = present;
        restarted.kill_9();
    }
}

/// Proves a corrupt and a foreign state file each stop the binary with a
/// non-zero exit and a message naming the file, and are left byte for byte
/// as they were; and that `--reset-state` is the explicit way to start over.
#[test]
fn corrupt_or_foreign_state_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents, expected) in [
        (
            "corrupt.json",
            "{\"format\": \"tallyfy-groups-sandbox-state\", \"version\": 1, \"store\": {\"or",
            "is corrupt",
        ),
        (
            "foreign.json",
            "{\"users\": []}\n",
            "is not a sandbox state file",
        ),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, contents).unwrap();
        let output = run_to_exit(&["--state", path.to_str().unwrap()]);
        assert!(!output.status.success());
        let message = stderr(&output);
        assert!(message.contains(expected), "{message}");
        assert!(message.contains(path.to_str().unwrap()), "{message}");
        assert!(
            output.stdout.is_empty(),
            "no address line for a refused start"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), contents);
    }

    let path = dir.path().join("corrupt.json");
    let server = Server::start(&[
        "--state",
        path.to_str().unwrap(),
        "--reset-state",
        "--seed",
        "4",
    ]);
    assert_eq!(state_names(&path, &server.org_id).len(), 4);
    server.kill_9();
}

/// Proves a second server on the same state file is refused (non-zero exit,
/// a message naming the file and its lock) while the first keeps serving,
/// and that the file is usable again once the first has stopped.
#[tokio::test]
async fn second_server_on_one_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let args = ["--state", state.to_str().unwrap(), "--seed", "2"];
    let first = Server::start(&args);

    let second = run_to_exit(&args);
    assert!(!second.status.success());
    let message = stderr(&second);
    assert!(message.contains("in use by another sandbox"), "{message}");
    assert!(message.contains("state.json.lock"), "{message}");

    let answer = send(http().get(first.groups_url())).await;
    assert_eq!(answer.status, 200);
    let output = first.terminate();
    assert!(output.status.success());

    let third = Server::start(&args);
    assert_eq!(all_names(&third).await.len(), 2);
    third.kill_9();
}

/// Proves `--limit laravel:…` runs Laravel's limiter in the binary: passing answers
/// carry the last limit's counts (Limit 5, Remaining 4 then 3), the third request
/// meets the first limit's 429 (Limit 2, Remaining 0, Retry-After within the hour,
/// X-RateLimit-Reset a Unix time), the startup line on stderr names the limit, and
/// the process still stops cleanly on SIGTERM.
#[tokio::test]
async fn limit_flag_runs_laravels_limiter() {
    let server = Server::start(&["--limit", "laravel:2/3600s,5/3600"]);
    let client = http();
    for remaining in ["4", "3"] {
        let answer = send(client.get(server.groups_url())).await;
        assert_eq!(answer.status, 200, "{}", answer.raw);
        assert_eq!(answer.header("x-ratelimit-limit"), Some("5"));
        assert_eq!(answer.header("x-ratelimit-remaining"), Some(remaining));
        assert_eq!(answer.header("x-ratelimit-reset"), None);
    }
    let refused = send(client.get(server.groups_url())).await;
    assert_eq!(refused.status, 429, "{}", refused.raw);
    assert_eq!(refused.body["code"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(refused.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
    let reset: u64 = refused
        .header("x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        reset.abs_diff(now + retry_after) <= 2,
        "{reset} vs {now} + {retry_after}"
    );
    let output = server.terminate();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("rate limit laravel:2/3600,5/3600"),
        "{}",
        stderr(&output)
    );
}

/// Proves `--help` documents `--limit` and each of its forms, and that a malformed
/// limit is a usage error (exit status 2) that says which forms there are (or, for
/// too many Laravel limits, how many it takes).
#[test]
fn limit_flag_is_documented_and_checked() {
    let help = run_to_exit(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--limit <SPEC>",
        "bucket:R[:B]",
        "+next-second-reset",
        "window:N/SECONDS",
        "laravel:N/SECONDS[,N/SECONDS...]",
        "laravel:100/60,1000/3600",
    ] {
        assert!(text.contains(needle), "--help lacks {needle:?}:\n{text}");
    }
    for (bad, says) in [
        ("laravel:0/60", "laravel:N/SECONDS"),
        ("bucket:4+nonsense", "laravel:N/SECONDS"),
        ("laravel:1/1,2/2,3/3,4/4,5/5", "at most 4 limits"),
    ] {
        let output = run_to_exit(&["--limit", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        assert!(stderr(&output).contains(says), "{bad}: {}", stderr(&output));
    }
}
