//! `tallyfy-groups <command>` (`cargo run -p tallyfy-groups-cli -- <command>`): the
//! command-line client for the Groups API, built on the `tallyfy-groups` crate. With no `TALLYFY_ACCESS_TOKEN` it starts the local
//! sandbox (seeded with a few hundred groups, kept in a state file between
//! commands; see `sandbox.rs`), so it works on a fresh machine.

mod cli;
mod file;
mod output;
mod progress;
mod sandbox;
mod sync;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use futures::TryStreamExt;
use progress::Progress;
use tallyfy_groups::{Client, Coordinator, ENV_TOKEN, Error, RateLimiter};
use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

use cli::{Cli, Command, ListArgs};
use output::Output;

/// Why a command failed: the API (or the client) said no, or the local
/// sandbox could not start.
enum Failure {
    Api(Error),
    Sandbox(String),
    /// A desired-state file that cannot be read or planned: one line per problem.
    File(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Api(error)
    }
}

/// Environment variable giving the local sandbox a rate limit (see `SandboxLimit`'s
/// text form, e.g. `bucket:5:5` or `window:60/6+headers`).
const ENV_SANDBOX_LIMIT: &str = "GROUPS_SANDBOX_LIMIT";

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_none() && !cli.reset_sandbox {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingSubcommand,
                "a command is required (only --reset-sandbox may stand alone)",
            )
            .exit();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::Changes) => ExitCode::from(2),
        Err(Failure::Api(error)) => {
            eprintln!("error: {}", output::error_line(&error));
            ExitCode::FAILURE
        }
        Err(Failure::Sandbox(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
        Err(Failure::File(lines)) => {
            for line in lines.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

/// How a command that did not fail ended.
enum Done {
    Ok,
    /// `plan --detailed-exitcode` found changes: exit 2.
    Changes,
}

/// The client from the environment, or one pointed at the local sandbox (kept alive
/// by the returned handle, which also holds its state file's lock) when no token is set.
async fn connect(cli: &Cli, out: &Output) -> Result<(Client, Option<Sandbox>), Failure> {
    let coordinator = match cli.coordinator.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => {
            let mut redis = Coordinator::redis(url);
            if !cli.quota.is_empty() {
                redis = redis.quotas(&cli.quota);
            }
            if let Some(ttl) = cli.lock_ttl {
                let ttl = Duration::try_from_secs_f64(ttl).map_err(|_| {
                    Failure::Sandbox(format!("--lock-ttl {ttl}: not a number of seconds"))
                })?;
                redis = redis.lock_ttl(ttl);
            }
            Some(redis.connect().await.map_err(Error::from)?)
        }
        _ => None,
    };
    let limiter = if cli.no_pacing {
        RateLimiter::unpaced()
    } else if cli.quota.is_empty() {
        RateLimiter::new()
    } else {
        RateLimiter::with_quotas(&cli.quota)?
    };
    if std::env::var(ENV_TOKEN).is_ok_and(|t| !t.trim().is_empty()) {
        if cli.reset_sandbox {
            return Err(Failure::Sandbox(format!(
                "--reset-sandbox is for the local sandbox, but {ENV_TOKEN} is set"
            )));
        }
        let mut builder = tallyfy_groups::ClientBuilder::from_env()?.rate_limiter(limiter);
        if let Some(coordinator) = coordinator {
            builder = builder.coordinator(coordinator);
        }
        if let Some(capture) = out.capture() {
            builder = builder.capture(capture);
        }
        return Ok((builder.build()?, None));
    }
    let limit = match std::env::var(ENV_SANDBOX_LIMIT) {
        Ok(text) if !text.trim().is_empty() => Some(
            text.parse::<SandboxLimit>()
                .map_err(|e| Failure::Sandbox(format!("{ENV_SANDBOX_LIMIT}: {e}")))?,
        ),
        _ => None,
    };
    let state = sandbox::state_path(cli.sandbox_state.clone());
    let sandbox = sandbox::start(&state, cli.reset_sandbox, limit)
        .await
        .map_err(Failure::Sandbox)?;
    eprintln!("{}", sandbox::note(&sandbox, ENV_TOKEN));
    if let Some(limit) = limit {
        eprintln!("note: the local sandbox is rate-limited: {limit:?}");
    }
    let mut builder = Client::builder()
        .token("sandbox-token")
        .org_id(sandbox.org_id())
        .base_url(sandbox.base_url())
        .rate_limiter(limiter);
    if let Some(coordinator) = coordinator {
        builder = builder.coordinator(coordinator);
    }
    if let Some(capture) = out.capture() {
        builder = builder.capture(capture);
    }
    Ok((builder.build()?, Some(sandbox)))
}

async fn run(cli: Cli) -> Result<Done, Failure> {
    let json = cli.json;
    let out = Output::new(json);
    let (client, _sandbox) = connect(&cli, &out).await?;
    let command = match cli.command {
        Some(Command::Export { output }) => {
            return sync::export(&client, output).await.map(|()| Done::Ok);
        }
        Some(Command::Plan {
            file,
            detailed_exitcode,
            out,
        }) => {
            let changes = sync::plan(&client, file, json, out).await?;
            return Ok(if changes && detailed_exitcode {
                Done::Changes
            } else {
                Done::Ok
            });
        }
        Some(Command::Apply {
            file,
            plan,
            journal,
            resume,
            yes,
            max_removals,
            add_only,
            concurrency,
        }) => {
            let args = sync::ApplyArgs {
                yes,
                max_removals,
                add_only,
                concurrency,
                journal,
            };
            let applied = match (file, plan, resume) {
                (_, _, Some(journal)) => sync::resume(&client, journal, args).await,
                (_, Some(saved), None) => sync::apply_saved(&client, saved, args, json).await,
                (Some(file), None, None) => sync::apply(&client, file, args, json).await,
                (None, None, None) => Err(Failure::File(
                    "apply needs a FILE or --resume JOURNAL".into(),
                )),
            };
            return applied.map(|()| Done::Ok);
        }
        Some(Command::Undo {
            journal,
            yes,
            max_removals,
        }) => {
            return sync::undo(&client, journal, yes, max_removals)
                .await
                .map(|()| Done::Ok);
        }
        Some(command) => command,
        // `--reset-sandbox` alone: the reset was the whole job.
        None => return Ok(Done::Ok),
    };
    run_one(&client, command, &out).await.map(|()| Done::Ok)
}

/// The commands on one group or one listing (`export`, `plan`, `apply` are `run`'s).
async fn run_one(client: &Client, command: Command, out: &Output) -> Result<(), Failure> {
    let groups = client.groups();
    match command {
        Command::List(args) => Ok(list(client, args, out).await?),
        Command::Export { .. }
        | Command::Plan { .. }
        | Command::Apply { .. }
        | Command::Undo { .. } => Err(Failure::Sandbox(
            "export, plan, apply and undo are run on their own".into(),
        )),
        Command::Get { id, with } => {
            let mut request = groups.get(id);
            if with.is_some() {
                request = request.with_assets();
            }
            out.group(&request.send().await?);
            Ok(())
        }
        Command::Create {
            name,
            description,
            members,
            guests,
        } => {
            let mut request = groups.create(name);
            if let Some(description) = description {
                request = request.description(description);
            }
            let group = request.members(members).guests(guests).send().await?;
            out.group(&group);
            Ok(())
        }
        Command::Update {
            id,
            name,
            description,
            members,
            guests,
        } => {
            let mut request = groups.update(id);
            if let Some(name) = name {
                request = request.name(name);
            }
            if let Some(description) = description {
                request = request.description(description);
            }
            if !members.is_empty() {
                request = request.members(members);
            }
            if !guests.is_empty() {
                request = request.guests(guests);
            }
            out.group(&request.send().await?);
            Ok(())
        }
        Command::Delete { id } => {
            groups.delete(id.as_str()).send().await?;
            out.deleted(&id);
            Ok(())
        }
        Command::AddMembers { id, user_ids } => {
            out.group(&groups.add_members(&id, user_ids).await?);
            Ok(())
        }
        Command::RemoveMembers { id, user_ids } => {
            out.group(&groups.remove_members(&id, user_ids).await?);
            Ok(())
        }
        Command::AddGuests { id, emails } => {
            out.group(&groups.add_guests(&id, emails).await?);
            Ok(())
        }
        Command::RemoveGuests { id, emails } => {
            out.group(&groups.remove_guests(&id, emails).await?);
            Ok(())
        }
    }
}

async fn list(client: &Client, args: ListArgs, out: &Output) -> Result<(), Error> {
    let mut request = client.groups().list();
    if let Some(q) = args.q {
        request = request.q(q);
    }
    if let Some(sort_by) = args.sort_by {
        request = request.sort_by(sort_by.into());
    }
    if let Some(sort) = args.sort {
        request = request.sort(sort);
    }
    if let Some(per_page) = args.per_page {
        request = request.page_size(per_page);
    }
    if let Some(with) = args.with {
        for include in with.split(',').map(str::trim) {
            request = match include {
                "assets" => request.with_assets(),
                "users" => request.with_users(),
                "guests" => request.with_guests(),
                other => {
                    return Err(Error::InvalidArgument {
                        name: "with",
                        reason: format!("{other:?} is not one of assets, users, guests"),
                    });
                }
            };
        }
    }
    if let Some(page) = args.page {
        request = request.page(page);
    }
    if !args.all && args.max_items.is_none() {
        let page = request.send().await?;
        out.page(&page);
        return Ok(());
    }
    let mut paginator = request.into_paginator().concurrency(args.concurrency);
    if let Some(n) = args.max_items {
        paginator = paginator.max_items(n);
    }
    if args.allow_incomplete {
        paginator = paginator.allow_incomplete();
    }
    let mut pages = paginator.pages();
    let mut progress = Progress::new(
        std::io::stderr().is_terminal(),
        "{spinner} pages {pos}/{len} {wide_bar} {msg}",
    );
    let limiter = client.rate_limiter();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut all = Vec::new();
    let mut failed = None;
    loop {
        tokio::select! {
            page = pages.try_next() => {
                // A failed page ends the listing, but what was fetched is still printed.
                let page = match page {
                    Ok(Some(page)) => page,
                    Ok(None) => break,
                    Err(error) => { failed = Some(error); break }
                };
                if let Some(bar) = progress.bar() {
                    bar.set_length(page.total_pages().unwrap_or(0));
                    bar.inc(1);
                }
                all.extend(page.into_items());
            }
            _ = tick.tick() => progress.tick(limiter),
        }
    }
    progress.finish();
    out.groups(&all);
    let stats = limiter.stats();
    let summary = pages.summary();
    eprintln!(
        "{} pages; {} requests throttled (429), requests paused {:.1} s in all",
        summary.pages_fetched,
        stats.throttled,
        stats.paused.as_secs_f64()
    );
    if summary.duplicates_dropped > 0 {
        eprintln!(
            "{} duplicates dropped (groups that moved to a later page during the listing)",
            summary.duplicates_dropped
        );
    }
    if let Some(short) = summary.shortfall {
        eprintln!(
            "incomplete: {short} of the server's {} groups did not arrive",
            summary.expected_total.unwrap_or_default()
        );
    }
    failed.map_or(Ok(()), Err)
}
