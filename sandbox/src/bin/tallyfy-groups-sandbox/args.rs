//! The server binary's command line (clap) and its translation into a
//! [`SandboxBuilder`]. Knobs come in groups (`ServerArgs`, `FaultArgs`, `LimitArgs`), each
//! a flattened struct with an `apply` step, so a new group of flags is one
//! more struct and one more `apply` call.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::NonEmptyStringValueParser;
use clap::{Args, Parser};
use tallyfy_groups_sandbox::{Sandbox, SandboxBuilder, SandboxLimit};

/// A local fake of Tallyfy's Groups API for any HTTP client (curl, other
/// languages' SDKs, test suites). Listens on 127.0.0.1 only.
///
/// The first line on stdout is `TALLYFY_BASE_URL=… TALLYFY_ORG_ID=…`, for
/// scripts; the rest goes to stderr. Stops cleanly on SIGINT (Ctrl-C) or
/// SIGTERM.
#[derive(Parser)]
#[command(name = "tallyfy-groups-sandbox", version)]
pub struct Cli {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub faults: FaultArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Where it listens, what it holds, whom it lets in.
#[derive(Args)]
pub struct ServerArgs {
    /// The port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Groups seeded into the sandbox organisation when there is no state to load.
    #[arg(long, default_value_t = 0)]
    pub seed: usize,
    /// Keep the groups in FILE: loaded on start, saved (atomically) before
    /// every answer to a change. Locked while the server runs.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// With --state: ignore what FILE holds and start over from the seed.
    #[arg(long, requires = "state")]
    pub reset_state: bool,
    /// Accept only this bearer token (default: any non-empty one).
    #[arg(
        long,
        env = "TALLYFY_SANDBOX_TOKEN",
        hide_env_values = true,
        value_parser = NonEmptyStringValueParser::new()
    )]
    pub token: Option<String>,
    /// Wait this long before handling each request.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// On SIGINT/SIGTERM, how long in-flight requests may still finish.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub grace_ms: u64,
}

/// Deterministic fault injection, by request number (1 for the first request).
#[derive(Args)]
#[command(next_help_heading = "Fault injection")]
pub struct FaultArgs {
    /// Answer 503 to the first N requests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub fail_first: u64,
    /// Answer 503 to this fraction (0 to 1) of requests, spread evenly.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = fraction)]
    pub fail_fraction: f64,
    /// Answer 429 to every N-th request (0: never).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub inject_429_every: u64,
    /// Answer 429 to the first N requests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub inject_429_first: u64,
    /// The Retry-After, in seconds, of injected 429s.
    #[arg(long, value_name = "SECS", default_value_t = 1)]
    pub retry_after_secs: u64,
}

/// A real rate limit, checked on every request after the injected faults and
/// before authentication; refusals are the API's 429 `RATE_LIMIT_EXCEEDED`.
#[derive(Args)]
#[command(next_help_heading = "Rate limit")]
pub struct LimitArgs {
    /// Enforce a rate limit: bucket:R[:B], window:N/SECONDS or
    /// laravel:N/SECONDS[,N/SECONDS...], optionally +headers.
    ///
    /// bucket:R[:B]: a token bucket of R per second, burst B (default R rounded
    /// up), full at the start. +headers adds X-RateLimit-Limit (B), -Remaining and
    /// -Reset (seconds until full); +next-second-reset instead sends -Reset as the
    /// Unix time of the next whole second, though the bucket refills continuously
    /// (a misleading server).
    ///
    /// window:N/SECONDS: N requests per window, windows counted from the start;
    /// +headers adds X-RateLimit-Limit, -Remaining and -Reset (seconds to the end).
    ///
    /// laravel:N/SECONDS[,N/SECONDS...]: Laravel's ThrottleRequests with up to 4
    /// limits in declaration order, e.g. laravel:100/60,1000/3600. Each window opens
    /// at its first request; a request counts against each limit it passes; passing
    /// answers carry the last limit's X-RateLimit-Limit and -Remaining (no Reset);
    /// the first exhausted limit answers 429 with Retry-After, X-RateLimit-Reset
    /// (Unix time of its window's end), its Limit and Remaining: 0.
    ///
    /// SECONDS may end in s (laravel:20/5s).
    #[arg(long, value_name = "SPEC")]
    pub limit: Option<SandboxLimit>,
}

impl Cli {
    /// The sandbox these arguments describe.
    pub fn builder(&self) -> SandboxBuilder {
        let builder = self.server.apply(Sandbox::builder());
        let builder = self.faults.apply(builder);
        self.limits.apply(builder)
    }
}

impl ServerArgs {
    fn apply(&self, builder: SandboxBuilder) -> SandboxBuilder {
        let mut builder = builder
            .port(self.port)
            .seed(self.seed)
            .token(self.token.clone())
            .latency(Duration::from_millis(self.latency_ms))
            .shutdown_grace(Duration::from_millis(self.grace_ms));
        if let Some(state) = &self.state {
            builder = builder.state_file(state).reset_state(self.reset_state);
        }
        builder
    }
}

impl FaultArgs {
    fn apply(&self, builder: SandboxBuilder) -> SandboxBuilder {
        builder
            .fail_first(self.fail_first)
            .fail_fraction(self.fail_fraction)
            .rate_limit_every(self.inject_429_every)
            .rate_limit_first(self.inject_429_first)
            .retry_after_secs(self.retry_after_secs)
    }
}

impl LimitArgs {
    fn apply(&self, builder: SandboxBuilder) -> SandboxBuilder {
        builder.limit(self.limit)
    }
}

/// A number from 0 to 1.
fn fraction(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("`{text}` is not a number from 0 to 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Proves the clap definition is consistent (no clashing names or bad
    /// defaults), that every flag of the issue parses, and that bad values
    /// are usage errors rather than panics.
    #[test]
    fn flags_parse() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "tallyfy-groups-sandbox",
            "--port",
            "8787",
            "--seed",
            "12",
            "--state",
            "s.json",
            "--token",
            "t",
            "--latency-ms",
            "5",
            "--fail-fraction",
            "0.25",
            "--inject-429-every",
            "3",
        ])
        .unwrap();
        assert_eq!(cli.server.port, 8787);
        assert_eq!(cli.server.seed, 12);
        assert_eq!(
            cli.server.state.as_deref(),
            Some(std::path::Path::new("s.json"))
        );
        assert_eq!(cli.faults.inject_429_every, 3);
        assert_eq!(cli.limits.limit, None);
        let laravel = Cli::try_parse_from(["x", "--limit", "laravel:20/5s,1000/3600s"]).unwrap();
        assert_eq!(
            laravel.limits.limit,
            Some(SandboxLimit::laravel(&[
                (20, Duration::from_secs(5)),
                (1000, Duration::from_secs(3600))
            ]))
        );
        let bucket = Cli::try_parse_from(["x", "--limit", "bucket:4+next-second-reset"]).unwrap();
        assert_eq!(
            bucket.limits.limit,
            Some(SandboxLimit::token_bucket_next_second_reset(4.0, 4))
        );
        for bad in [
            &["x", "--fail-fraction", "1.5"][..],
            &["x", "--token", ""],
            &["x", "--reset-state"],
            &["x", "--port", "70000"],
            &["x", "--limit", "laravel:0/60"],
            &["x", "--limit", "laravel"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }
}
