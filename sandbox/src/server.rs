//! The HTTP side: shared state, the router, the middleware that counts
//! requests, injects latency and faults, checks the bearer token and stamps
//! `X-Request-Id`, and the server thread's run loop.

use std::future::{IntoFuture, pending};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use crate::config::SandboxBuilder;
use crate::errors::ApiError;
use crate::limit::Limiter;
use crate::routes;
use crate::store::Store;

/// How long in-flight requests may finish after shutdown is asked for.
const GRACE: Duration = Duration::from_millis(100);

/// Numbers the sandboxes of this process, so request ids differ between them.
static INSTANCES: AtomicU64 = AtomicU64::new(1);

/// State shared by the handlers and the [`Sandbox`](crate::Sandbox) handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SandboxBuilder,
    store: Mutex<Store>,
    pub(crate) requests: AtomicU64,
    pub(crate) base_url: String,
    instance: u64,
    pub(crate) limiter: Option<Limiter>,
}

impl Shared {
    pub(crate) fn new(config: SandboxBuilder, base_url: String) -> Self {
        Shared {
            limiter: config.limit.map(Limiter::new),
            store: Mutex::new(Store::seeded(crate::SANDBOX_ORG_ID, config.seed)),
            config,
            requests: AtomicU64::new(0),
            base_url,
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
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

/// Percent-encodes a path segment (everything but RFC 3986 unreserved characters).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
/// dropped), stop accepting at once, give in-flight requests [`GRACE`], then
/// drop the runtime, which ends every connection still open.
pub(crate) fn run(
    runtime: Runtime,
    listener: TcpListener,
    app: Router,
    shutdown: oneshot::Receiver<()>,
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
                tokio::time::sleep(GRACE).await;
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
