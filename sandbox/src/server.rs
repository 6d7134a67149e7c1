//! The HTTP side: shared state (and the one way to change it, which saves
//! the state file), the router, the middleware that counts requests, injects
//! latency and faults, checks the bearer token and stamps `X-Request-Id`, and
//! the server thread's run loop.

use std::future::{IntoFuture, pending};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use crate::config::{RequestInfo, SandboxBuilder};
use crate::errors::ApiError;
use crate::limit::SandboxLimiter;
use crate::routes;
use crate::state_file::StateFile;
use crate::store::Store;

/// Numbers the sandboxes of this process, so request ids differ between them.
static INSTANCES: AtomicU64 = AtomicU64::new(1);

/// State shared by the handlers and the [`Sandbox`](crate::Sandbox) handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SandboxBuilder,
    store: Mutex<Store>,
    /// Where changes are saved, if anywhere; written only under `store`'s lock.
    state: Option<StateFile>,
    pub(crate) requests: AtomicU64,
    pub(crate) base_url: String,
    instance: u64,
    pub(crate) limiter: Option<SandboxLimiter>,
}

impl Shared {
    pub(crate) fn new(
        config: SandboxBuilder,
        store: Store,
        state: Option<StateFile>,
        base_url: String,
    ) -> Self {
        Shared {
            limiter: config.limit.map(SandboxLimiter::new),
            store: Mutex::new(store),
            state,
            config,
            requests: AtomicU64::new(0),
            base_url,
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The store, locked, for reading. Changes go through [`change`](Self::change).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `edit` to a copy of the store under the lock; if it succeeds,
    /// saves the copy to the state file (when there is one) and only then
    /// makes it the store. So an answer is sent only after its change is on
    /// disk, and a change that cannot be saved is not kept (500).
    pub(crate) fn change<T>(
        &self,
        edit: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut store = self.store();
        let Some(state) = &self.state else {
            return edit(&mut store);
        };
        let mut next = store.clone();
        let out = edit(&mut next)?;
        if let Err(e) = state.save(&next) {
            eprintln!(
                "tallyfy-groups sandbox: cannot save {}: {e}; the change was not kept",
                state.path().display()
            );
            return Err(ApiError::StateNotSaved);
        }
        *store = next;
        Ok(out)
    }

    /// The state file's path, if there is one.
    pub(crate) fn state_path(&self) -> Option<&Path> {
        self.state.as_ref().map(StateFile::path)
    }

    /// The absolute URL of an organisation's list endpoint.
    pub(crate) fn groups_url(&self, org_id: &str) -> String {
        format!(
            "{}/organizations/{}/groups",
            self.base_url,
            encode_segment(org_id)
        )
    }
}

/// What a path segment keeps as is: RFC 3986 unreserved characters only.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment (everything but RFC 3986 unreserved characters).
fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// The sandbox's routes, under `/api`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/api/organizations/{org_id}/groups",
            get(routes::list).post(routes::create),
        )
        .route(
            "/api/organizations/{org_id}/groups/{group_id}",
            get(routes::show)
                .put(routes::update)
                .delete(routes::destroy),
        )
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// Runs before every handler: count, wait, inject faults, authenticate,
/// then stamp `X-Request-Id` on whatever the answer is.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let config = &shared.config;
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    if let Some(hook) = &config.on_request {
        let info = RequestInfo {
            n,
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
        };
        hook(info).await;
    }
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let mut verdict = None;
    let mut response = if config.fails(n) {
        ApiError::Unavailable.into_response()
    } else if config.rate_limits(n) {
        ApiError::RateLimited {
            retry_after_secs: config.retry_after_secs,
        }
        .into_response()
    } else if let Some(refusal) = shared
        .limiter
        .as_ref()
        .and_then(|limiter| verdict.insert(limiter.check()).refusal())
    {
        refusal
    } else if !config.accepts(authorization) {
        ApiError::Unauthenticated.into_response()
    } else {
        next.run(request).await
    };
    if let Some(verdict) = verdict {
        verdict.stamp(response.headers_mut());
    }
    let id = format!("sbx{}-{n:06}", shared.instance);
    response.headers_mut().insert(
        "x-request-id",
        HeaderValue::from_str(&id).expect("request ids are ASCII"),
    );
    response
}

/// The server thread: serve until `shutdown` fires (or its sender is
/// dropped), stop accepting at once, give in-flight requests `grace`, then
/// drop the runtime, which ends every connection still open.
pub(crate) fn run(
    runtime: Runtime,
    listener: TcpListener,
    app: Router,
    shutdown: oneshot::Receiver<()>,
    grace: Duration,
) {
    runtime.block_on(async move {
        let (stopping_tx, stopping_rx) = oneshot::channel::<()>();
        let signal = async move {
            let _ = shutdown.await;
            let _ = stopping_tx.send(());
        };
        let serve = axum::serve(listener, app).with_graceful_shutdown(signal);
        let deadline = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                pending::<()>().await;
            }
        };
        tokio::select! {
            _ = serve.into_future() => {}
            () = deadline => {}
        }
    });
    drop(runtime);
}

#[cfg(test)]
mod tests {
    use super::encode_segment;

    // Proves a path segment keeps exactly the RFC 3986 unreserved characters
    // and percent-encodes every other byte (UTF-8, upper-case hex).
    #[test]
    fn segments_keep_only_unreserved_characters() {
        assert_eq!(encode_segment("aZ09-._~"), "aZ09-._~");
        assert_eq!(encode_segment("a b/ç?#%"), "a%20b%2F%C3%A7%3F%23%25");
    }
}
