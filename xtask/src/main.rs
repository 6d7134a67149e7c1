//! `cargo xtask <command>`: developer tasks for the tallyfy-groups workspace.
//! Owns only the command line; the work is in the xtask library. It must never
//! be a dependency of the library crate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Developer tasks for the tallyfy-groups workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the OpenAPI spec and the recorded response samples against each other (and, with --live, the API's answers).
    ///
    /// Checks that every operation has an operationId, that every $ref resolves,
    /// that every example in the spec validates against its schema, and that every
    /// sample (<samples>/<operationId>.<status>.<variant>.json) validates against the
    /// response schema of its operation and status.
    ///
    /// Schema violations (a wrong type, a missing required field) are errors; fields
    /// a sample has but the schema does not declare are warnings. Each finding is
    /// one line: severity, file, JSON path, message; then a summary line.
    ///
    /// With --live, also calls the API's read-only operations (five lists with
    /// different parameters, a get with and without with=assets, a get of a
    /// group that does not exist; at most two retries on 429, 502, 503, 504 or
    /// a failed connection) and checks
    /// every raw response the same way; findings name them like
    /// `live:listGroups.200 (per_page=5&page=1)`. Needs TALLYFY_ACCESS_TOKEN and
    /// TALLYFY_ORG_ID, optionally TALLYFY_BASE_URL (default
    /// https://go.tallyfy.com/api). With --record DIR, each live body is also
    /// written, redacted (emails, names, descriptions, links, organisation id),
    /// as a sample, and checked as one; see spec/samples/README.md. The token is
    /// never printed or written.
    ///
    /// Exit status: 0 clean (warnings allowed), 1 errors (or warnings with
    /// --strict; with --live also an unexpected status or no response), 2 usage
    /// error (also: --live without the credentials, or a bad TALLYFY_BASE_URL).
    SpecCheck {
        /// The OpenAPI document [default: spec/tallyfy-groups.yaml in the repository]
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// The directory of sample bodies [default: spec/samples in the repository]
        #[arg(long, value_name = "DIR")]
        samples: Option<PathBuf>,
        /// Treat warnings (undeclared fields) as errors
        #[arg(long)]
        strict: bool,
        /// Print one JSON document instead of lines
        #[arg(long)]
        json: bool,
        /// Also check the live API's answers (needs TALLYFY_ACCESS_TOKEN and TALLYFY_ORG_ID)
        #[arg(long)]
        live: bool,
        /// With --live: write each live body, redacted, into DIR as
        /// <operationId>.<status>.live-<variant>.json (use spec/samples to add them to the repository)
        #[arg(long, value_name = "DIR", requires = "live")]
        record: Option<PathBuf>,
    },
    /// Show what an edit to the spec does to the API and to the crate, and the semver verdict.
    ///
    /// Compares the spec and the crate at --base (default HEAD) with the working
    /// tree: the OpenAPI changes, each classified (breaking for clients, breaking
    /// for the server, compatible, needs review) and placed (request or response,
    /// operations, JSON path); progenitor's output for both, as a unified diff;
    /// and the library's public API (rustdoc JSON of both, built in
    /// spec-diff/ of the target directory; slow the first time). Prints the
    /// verdict (breaking (major), minor, patch) and the lines that decide it
    /// first, then the details.
    ///
    /// When the working tree's library no longer compiles with the new spec,
    /// the report still has the OpenAPI changes and the generated-code diff,
    /// then each place that no longer compiles (file:line and the compiler's
    /// message), and the verdict is breaking (major).
    ///
    /// Exit status: 0 reviewed, 1 the crate does not build with the new spec or
    /// (with --check-version) Cargo.toml's version is not bumped enough, 2 usage
    /// error (also: a spec that does not parse, reported with its line and
    /// column, or does not generate; a base that does not build).
    SpecDiff {
        /// The git revision to compare the working tree with
        #[arg(long, value_name = "REV", default_value = "HEAD")]
        base: String,
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
        /// Fail unless Cargo.toml's version is bumped enough for the verdict
        #[arg(long)]
        check_version: bool,
        /// Skip the public API comparison (no rustdoc builds; the verdict is then a lower bound)
        #[arg(long, conflicts_with = "check_version")]
        no_api: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::SpecDiff {
            base,
            json,
            check_version,
            no_api,
        } => {
            let mut options = xtask::spec_diff::SpecDiffOptions::new(&xtask::repo_root(), &base);
            options.check_version = check_version;
            options.public_api = !no_api;
            let mut progress = |step: &str| eprintln!("spec-diff: {step}…");
            match xtask::spec_diff::run(&options, &mut progress) {
                Err(message) => {
                    eprintln!("spec-diff: {message}");
                    ExitCode::from(2)
                }
                Ok(diff) => {
                    if json {
                        print!("{}", xtask::spec_diff::render::json(&diff));
                    } else {
                        print!("{}", xtask::spec_diff::render::human(&diff));
                    }
                    ExitCode::from(diff.exit_code())
                }
            }
        }
        Command::SpecCheck {
            spec,
            samples,
            strict,
            json,
            live,
            record,
        } => {
            let mut options = xtask::SpecCheckOptions {
                strict,
                ..Default::default()
            };
            if live {
                match xtask::live::LiveConfig::from_env() {
                    Ok(config) => options.live = Some(xtask::LiveOptions { config, record }),
                    Err(missing) => {
                        eprintln!(
                            "spec-check --live: missing environment variable{} {}; set {} \
                             (and optionally TALLYFY_BASE_URL) to check the live API",
                            if missing.len() == 1 { "" } else { "s" },
                            missing.join(" and "),
                            if missing.len() == 1 { "it" } else { "them" },
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            if let Some(spec) = spec {
                options.spec_label = spec.display().to_string();
                options.spec = spec;
            }
            if let Some(samples) = samples {
                options.samples_label = samples.display().to_string();
                options.samples = samples;
            }
            match xtask::spec_check(&options) {
                Err(message) => {
                    eprintln!("spec-check: {message}");
                    ExitCode::from(2)
                }
                Ok(report) => {
                    if json {
                        print!("{}", report.render_json());
                    } else {
                        print!("{}", report.render_human());
                    }
                    ExitCode::from(report.exit_code())
                }
            }
        }
    }
}
