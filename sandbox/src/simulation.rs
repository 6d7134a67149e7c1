//! A seam for the client crate's pacing simulation; **not a stable API**.
//!
//! The sandbox's server asks its limiter with the real clock. A simulation that
//! runs the client on tokio's paused clock needs the same limiter decided at the
//! instants it chooses, without a server: [`SandboxLimiter::starting_at`] (or
//! [`SandboxLimiter::starting_at_unix`], which also fixes the Unix time that
//! `X-RateLimit-Reset` values count from, for the same values on every run) and
//! [`SandboxLimiter::check_at`] do that, for every kind of
//! [`SandboxLimit`](crate::SandboxLimit), Laravel's included, and the
//! [`LimitVerdict`] says what the server would have answered. The
//! limit itself is the public [`SandboxLimit`](crate::SandboxLimit).
//!
//! Hidden from the documentation and free to change with the simulation that
//! uses it; tests of a client should go through a [`Sandbox`](crate::Sandbox).

pub use crate::limit::{LimitVerdict, SandboxLimiter};
