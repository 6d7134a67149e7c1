//! Opt-in capture of the raw responses behind typed calls, for diagnostics and for
//! recording samples. Nothing is kept unless a call runs inside [`capture_responses`].

use std::cell::RefCell;
use std::future::Future;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// One response as it came off the wire (after retries, within the body-size limit).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CapturedResponse {
    /// The operation, as the generated client names it (e.g. `list_groups`).
    pub operation: &'static str,
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body.
    pub body: Bytes,
}

tokio::task_local! {
    static CAPTURED: RefCell<Vec<CapturedResponse>>;
}

/// Runs `calls` and returns, beside its output, every response its requests received,
/// in order. Bodies are shared, not copied.
///
/// ```no_run
/// # async fn demo(client: tallyfy_groups::Client) {
/// let (page, raw) = tallyfy_groups::capture_responses(client.groups().list().send()).await;
/// println!("{} bytes", raw[0].body.len());
/// # }
/// ```
pub async fn capture_responses<F: Future>(calls: F) -> (F::Output, Vec<CapturedResponse>) {
    CAPTURED
        .scope(RefCell::new(Vec::new()), async {
            let output = calls.await;
            (output, CAPTURED.with(|c| c.take()))
        })
        .await
}

/// Whether the current task runs inside [`capture_responses`].
pub(crate) fn active() -> bool {
    CAPTURED.try_with(|_| ()).is_ok()
}

/// Keeps a copy of a response when a capture is running; free otherwise.
pub(crate) fn keep(operation: &'static str, status: StatusCode, headers: &HeaderMap, body: &Bytes) {
    let _ = CAPTURED.try_with(|c| {
        c.borrow_mut().push(CapturedResponse {
            operation,
            status,
            headers: headers.clone(),
            body: body.clone(),
        })
    });
}
