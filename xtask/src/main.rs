//! Developer tasks for the tallyfy-groups workspace, run as `cargo xtask <command>`.
//! Owns spec checks and benchmarks; it must never be a dependency of the library.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("--help") | Some("-h") | Some("help") => {
            println!("cargo xtask <command>\n\nCommands:\n  help    show this message");
        }
        Some(other) => {
            eprintln!("xtask: unknown command `{other}` (try `cargo xtask --help`)");
            std::process::exit(2);
        }
    }
}
