//! The raw client and types that build.rs generates from `spec/tallyfy-groups.yaml`.
//! Nothing hand-written lives here; change the spec instead.
#![allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// Operation metadata generated from the spec (used for tracing spans).
pub mod operations {
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}
