//! An in-process, stateful fake of Tallyfy's Groups API, for testing clients.
//!
//! A [`Sandbox`] serves the five Groups endpoints of `spec/tallyfy-groups.yaml`
//! on `127.0.0.1` (a free port) under [`Sandbox::base_url`], which ends in
//! `/api` like the documented base URL `https://go.tallyfy.com/api`. It keeps
//! groups in memory, one list per organisation id, validates like the real
//! server, answers with the real API's bodies and error shapes, and can inject
//! latency, 429s and 503s deterministically. It does not use the
//! `tallyfy-groups` client crate, so tests of that client against it prove
//! something about the client.
//!
//! With [`SandboxBuilder::state_file`] the groups last: loaded on start,
//! saved atomically before every change is answered, the file locked against
//! a second sandbox. The `tallyfy-groups-sandbox` binary
//! (`cargo run -p tallyfy-groups-sandbox -- --help`) serves the same fake as a
//! local server for any HTTP client.
//!
//! The server runs on its own thread with its own Tokio runtime, so it works
//! from any test runtime (current-thread or multi-thread) and stops — the port
//! closed, every connection ended — before `drop` returns.
//!
//! ```
//! use tallyfy_groups_sandbox::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder()
//!     .seed(25)
//!     .token(Some("secret".into()))
//!     .start()
//!     .await;
//! let http = reqwest::Client::new();
//!
//! let page: serde_json::Value = http
//!     .get(sandbox.groups_url())
//!     .bearer_auth("secret")
//!     .query(&[("per_page", "10"), ("page", "3")])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(page["data"][0]["name"], "Group 0021");
//! assert_eq!(page["meta"]["pagination"]["total_pages"], 3);
//!
//! let created = http
//!     .post(sandbox.groups_url())
//!     .bearer_auth("secret")
//!     .json(&serde_json::json!({"name": "Sales Team", "description": "Deals."}))
//!     .send()
//!     .await?;
//! assert_eq!(created.status(), 201);
//! assert_eq!(sandbox.request_count(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! Error answers (all `application/json`, all with `X-Request-Id`):
//!
//! | case | status | body |
//! |---|---|---|
//! | no / empty / wrong bearer token | 401 (+ `WWW-Authenticate: Bearer`) | `{"error": "invalid_client"}` |
//! | unknown group or path | 404 | `{"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"}` |
//! | known path, other method | 405 | `{"error": true, "message": "Method not allowed", "code": "METHOD_NOT_ALLOWED"}` |
//! | body is not JSON | 400 | `{"error": true, "message": "The request body is not valid JSON.", "code": "INVALID_JSON"}` |
//! | invalid field or query parameter | 422 | `{"message": "The given data was invalid.", "errors": {"name": ["The name field is required."]}}` |
//! | injected rate limit | 429 (+ `Retry-After`, `X-RateLimit-Remaining: 0`) | `{"message": "You've reached the hourly limit for this organization. Please try again later.", "code": "RATE_LIMIT_EXCEEDED"}` |
//! | over a [`SandboxLimit`] (token bucket, fixed window, Laravel's limiter) | 429 (+ `Retry-After`, and `X-RateLimit-*` if chosen or Laravel's) | the same as the injected rate limit |
//! | injected failure | 503 | `{"error": true, "message": "Service unavailable"}` |
//! | a change the state file could not save (not kept) | 500 | `{"error": true, "message": "…", "code": "SANDBOX_STATE_NOT_SAVED"}` |

mod config;
mod errors;
mod limit;
mod query;
#[doc(hidden)]
pub mod redis_server;
mod routes;
mod server;
mod shared;
pub mod simulation;
mod state_file;
mod store;
mod validate;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use config::{RequestInfo, SandboxBuilder};
pub use errors::{RATE_LIMIT_MESSAGE, VALIDATION_MESSAGE};
pub use limit::SandboxLimit;
pub use query::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
pub use state_file::{STATE_FORMAT, STATE_VERSION};
pub use store::SEED_DESCRIPTIONS;
pub use validate::NAME_MAX_CHARS;

/// The organisation that [`SandboxBuilder::seed`] fills. Any other
/// organisation id works too and starts with no groups.
pub const SANDBOX_ORG_ID: &str = "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d";

/// A running fake of the Groups API; stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<shared::Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    loaded: bool,
}

impl Sandbox {
    /// A builder with no groups, any bearer token accepted, no latency and no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with `n` seeded groups and the other defaults.
    pub async fn start_seeded(n: usize) -> Sandbox {
        Sandbox::builder().seed(n).start().await
    }

    pub(crate) fn launch(config: SandboxBuilder) -> std::io::Result<Sandbox> {
        let (store, state, loaded) = match &config.state_file {
            None => (
                store::Store::seeded(SANDBOX_ORG_ID, config.seed),
                None,
                false,
            ),
            Some(path) => {
                let (file, stored) =
                    state_file::StateFile::open(path, config.state_lock_wait, config.reset_state)?;
                let loaded = stored.is_some();
                let store = match stored {
                    Some(store) => store,
                    None => {
                        let store = store::Store::seeded(SANDBOX_ORG_ID, config.seed);
                        file.save(&store)?;
                        store
                    }
                };
                (store, Some(file), loaded)
            }
        };
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let base_url = format!("http://{addr}/api");
        let shared = Arc::new(shared::Shared::new(config, store, state, base_url));
        let app = server::router(shared.clone());
        let (shutdown, signal) = oneshot::channel();
        let grace = shared.config.grace;
        let thread = std::thread::Builder::new()
            .name(format!("tallyfy-sandbox-{}", addr.port()))
            .spawn(move || server::run(runtime, listener, app, signal, grace))?;
        Ok(Sandbox {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
            loaded,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT/api`; the API's paths go under it.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// [`SANDBOX_ORG_ID`], the organisation holding the seeded groups.
    pub fn org_id(&self) -> &'static str {
        SANDBOX_ORG_ID
    }

    /// `{base_url}/organizations/{org_id}/groups` for [`org_id`](Self::org_id).
    pub fn groups_url(&self) -> String {
        self.shared.groups_url(SANDBOX_ORG_ID)
    }

    /// `{groups_url}/{group_id}`.
    pub fn group_url(&self, group_id: &str) -> String {
        format!("{}/{group_id}", self.groups_url())
    }

    /// Requests received so far, every one counted: rejected, failed and
    /// unknown-path requests included.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The state file, if [`SandboxBuilder::state_file`] set one.
    pub fn state_file(&self) -> Option<&Path> {
        self.shared.state_path()
    }

    /// Whether the groups were loaded from the state file (`false`: they
    /// are the seed, because there is no state file, it did not exist yet,
    /// or [`SandboxBuilder::reset_state`] asked to start over).
    pub fn state_loaded(&self) -> bool {
        self.loaded
    }

    /// Requests the [`SandboxLimit`] refused with 429 so far (0 without one).
    pub fn rate_limited_count(&self) -> u64 {
        self.shared.limiter.as_ref().map_or(0, |l| l.refused())
    }

    /// Stops the sandbox now; the same as dropping it.
    pub fn shutdown(self) {}
}

impl Drop for Sandbox {
    /// Asks the server to stop (it stops accepting at once and gives
    /// in-flight requests [`SandboxBuilder::shutdown_grace`], 100 ms by
    /// default), then waits for its thread, so the port is closed (and the
    /// state file's lock released) when this returns.
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .field("request_count", &self.request_count())
            .field("config", &self.shared.config)
            .finish()
    }
}
