//! `cargo run -p tallyfy-groups-sandbox -- [--port N] [--seed N] [--state FILE] [--limit SPEC] …`:
//! the sandbox as a local server that anything can call.
//!
//! Starts the [`Sandbox`](tallyfy_groups_sandbox::Sandbox) the arguments
//! describe (see `args.rs`), prints `TALLYFY_BASE_URL=… TALLYFY_ORG_ID=…` as
//! the first line on stdout, serves until SIGINT or SIGTERM, then stops
//! accepting, lets in-flight requests finish (`--grace-ms`), releases the port
//! and the state file's lock, and exits 0 (a second signal exits at once, 130). Any failure to start (port taken,
//! state file corrupt, foreign or locked) is one `error:` line on stderr and
//! exit status 1. The token is never printed.

mod args;

use std::process::ExitCode;

use clap::Parser;

use args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(cli))
}

async fn serve(cli: Cli) -> ExitCode {
    // Listen for signals before saying where we are, so a script that reads
    // the first line and signals at once gets a clean stop.
    let stop = match StopSignal::new() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("error: cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sandbox = match cli.builder().try_start().await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("error: cannot start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "TALLYFY_BASE_URL={} TALLYFY_ORG_ID={}",
        sandbox.base_url(),
        sandbox.org_id()
    );
    let state = match sandbox.state_file() {
        Some(path) if sandbox.state_loaded() => format!("state loaded from {}", path.display()),
        Some(path) => format!(
            "{} seeded groups, state kept in {}",
            cli.server.seed,
            path.display()
        ),
        None => format!("{} seeded groups, in memory only", cli.server.seed),
    };
    let token = if cli.server.token.is_some() {
        "only the configured bearer token"
    } else {
        "any bearer token"
    };
    let limit = match cli.limits.limit {
        Some(limit) => format!("rate limit {limit}"),
        None => "no rate limit".to_owned(),
    };
    eprintln!(
        "tallyfy-groups sandbox: serving {} (organisation {}); {state}; accepts {token}; \
         {limit}; Ctrl-C or SIGTERM stops it",
        sandbox.groups_url(),
        sandbox.org_id()
    );
    let mut stop = stop;
    let signal = stop.recv().await;
    eprintln!("tallyfy-groups sandbox: {signal}, stopping (a second signal stops at once)");
    // Stops accepting, gives in-flight requests the grace period, closes the
    // port; the state file's lock goes with it.
    let stopping = tokio::task::spawn_blocking(move || drop(sandbox));
    tokio::select! {
        _ = stopping => {
            eprintln!("tallyfy-groups sandbox: stopped");
            ExitCode::SUCCESS
        }
        signal = stop.recv() => {
            // Saves are atomic, so leaving in the middle of one loses nothing
            // that was answered.
            eprintln!("tallyfy-groups sandbox: second {signal}, exiting without waiting");
            std::process::exit(130);
        }
    }
}

/// SIGINT and (on Unix) SIGTERM, registered up front.
struct StopSignal {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignal {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignal {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(StopSignal {})
    }

    /// Waits for the next stop signal and names it.
    #[cfg(unix)]
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
