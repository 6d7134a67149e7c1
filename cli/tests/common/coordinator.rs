//! What the coordinator's process tests share (cli/tests/coordinator.rs and
//! coordinator_shared.rs): a sandbox with a token, the CLI run against it with or
//! without `--coordinator`, and Redis' keys read back to check what they hold.

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use tallyfy_groups_sandbox::redis_server::{RedisServer, Reply};
use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

use super::groups_exe;

/// The sandbox's token: no key or value in Redis may contain it.
pub const TOKEN: &str = "sandbox-secret-token-7f3a";

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A sandbox of `seed` groups requiring [`TOKEN`], with `latency` per request and
/// `limit`.
pub fn start(
    rt: &tokio::runtime::Runtime,
    seed: usize,
    latency: Duration,
    limit: Option<SandboxLimit>,
) -> Sandbox {
    rt.block_on(
        Sandbox::builder()
            .seed(seed)
            .token(Some(TOKEN.into()))
            .latency(latency)
            .limit(limit)
            .start(),
    )
}

/// The CLI against `sandbox`, with `--coordinator url` when given.
pub fn cli(sandbox: &Sandbox, coordinator: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(groups_exe());
    command
        .args(args)
        .env("TALLYFY_ACCESS_TOKEN", TOKEN)
        .env("TALLYFY_ORG_ID", sandbox.org_id())
        .env("TALLYFY_BASE_URL", sandbox.base_url())
        .env_remove("TALLYFY_COORDINATOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = coordinator {
        command.args(["--coordinator", url]);
    }
    command
}

pub fn wait_all(children: Vec<Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

/// Every key in Redis with its value (a string's, a hash's fields and values, a
/// sorted set's members), as text.
pub fn keys_and_values(redis: &RedisServer) -> Vec<(String, String)> {
    let Reply::Array(keys) = redis.command(&["KEYS", "*"]) else {
        panic!("KEYS")
    };
    keys.into_iter()
        .map(|k| {
            let Reply::Text(k) = k else { panic!("{k:?}") };
            let value = match redis.command(&["TYPE", &k]) {
                Reply::Text(t) if t == "hash" => redis.command(&["HGETALL", &k]),
                Reply::Text(t) if t == "zset" => redis.command(&["ZRANGE", &k, "0", "-1"]),
                _ => redis.command(&["GET", &k]),
            };
            (k, format!("{value:?}"))
        })
        .collect()
}
