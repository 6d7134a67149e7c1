//! The HTTP side: the router, the middleware that counts requests, injects
//! latency and faults, asks the limiter, checks the bearer token and stamps
//! `X-Request-Id`, and the server thread's run loop. The state it serves is
//! [`crate::shared`]'s.

use std::future::{IntoFuture, pending};
use std::sync::Arc;
use std::sync::atomic::Ordering;
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

use crate::config::RequestInfo;
use crate::errors::ApiError;
use crate::routes;
use crate::shared::Shared;

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
    let id = shared.request_id(n);
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
