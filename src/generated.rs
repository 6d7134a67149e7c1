//! The raw client and types that build.rs generates from `spec/tallyfy-groups.yaml`.
//! Nothing hand-written lives here; change the spec instead.
#![allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// Facts of the spec the hand-written layer needs beyond the generated types: each
/// operation's method name, HTTP method and path, and defaults and limits.
pub mod spec {
    include!(concat!(env!("OUT_DIR"), "/spec_facts.rs"));
}
