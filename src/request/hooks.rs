//! `impl ClientHooks` for the generated client, as light as oxide.rs's: one tracing
//! span around each call, whose attempts the parent module's loop sends. Never logs
//! header values or query strings, which may hold secrets.

use std::time::Instant;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use tracing::Instrument;

use super::Settings;
use crate::generated::Client as RawClient;
use crate::generated::spec::{OPERATIONS, Operation};

/// Stands in for an operation the spec facts do not list (never, for generated code).
const UNKNOWN: Operation = Operation {
    name: "?",
    method: "?",
    path: "?",
    success: &[],
};

impl ClientHooks<Settings> for RawClient {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = OPERATIONS
            .iter()
            .find(|op| op.name == info.operation_id)
            .unwrap_or(&UNKNOWN);
        let span = tracing::debug_span!(
            "tallyfy_groups.request",
            operation = operation.name,
            method = operation.method,
            path = operation.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let send = super::send(self.client(), self.inner(), request, operation, &span);
        let result = if span.is_disabled() {
            // Nobody listens to the span: skip its clock and instrumentation.
            send.await
        } else {
            let started = Instant::now();
            let result = send.instrument(span.clone()).await;
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            result
        };
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "request finished"),
            Err(error) => {
                tracing::debug!(parent: &span, kind = failure_kind(error), "request failed")
            }
        }
        result
    }
}

fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    }
}
