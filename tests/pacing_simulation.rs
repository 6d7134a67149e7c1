//! The pacer against simulated rate-limited servers on tokio's paused clock: the
//! sandbox's own limiters on virtual time (`simulate`), and the rate-limit scenarios
//! of #12 paced against retry-only (`scenarios`). Driven through the library's hidden
//! `simulation` seam (`RateLimiter::ready` / `observe`), without HTTP, so every time
//! asserted is virtual and exact.

#[path = "pacing_simulation/laravel.rs"]
mod laravel;
#[path = "pacing_simulation/misleading.rs"]
mod misleading;
#[path = "pacing_simulation/scenarios.rs"]
mod scenarios;
#[path = "pacing_simulation/simulate.rs"]
mod simulate;
