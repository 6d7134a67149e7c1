//! Opt-in capture of the raw responses behind typed calls, for diagnostics and for
//! recording samples: a [`Capture`] given to [`ClientBuilder::capture`](crate::ClientBuilder::capture)
//! keeps every final response of that client. Owns the record only; the body guard
//! fills it.

use std::sync::{Arc, Mutex, PoisonError};

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

/// A record of the responses a client receives, in arrival order. Clones share one
/// record. Capturing buffers every body, so it costs a copy per response; a client
/// without one pays nothing.
///
/// ```no_run
/// # async fn demo() -> Result<(), tallyfy_groups::Error> {
/// use tallyfy_groups::{Capture, Client};
///
/// let capture = Capture::new();
/// let client = Client::builder()
///     .token("…")
///     .org_id("…")
///     .capture(capture.clone())
///     .build()?;
/// client.groups().list().send().await?;
/// let raw = capture.take();
/// println!("{} bytes", raw[0].body.len());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Capture {
    responses: Arc<Mutex<Vec<CapturedResponse>>>,
}

impl Capture {
    /// An empty record.
    pub fn new() -> Self {
        Capture::default()
    }

    /// Takes the responses recorded so far, leaving the record empty.
    pub fn take(&self) -> Vec<CapturedResponse> {
        std::mem::take(&mut *self.lock())
    }

    /// How many responses are recorded.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn keep(
        &self,
        operation: &'static str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &Bytes,
    ) {
        self.lock().push(CapturedResponse {
            operation,
            status,
            headers: headers.clone(),
            body: body.clone(),
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<CapturedResponse>> {
        // A panic while pushing cannot leave the Vec half-written; keep using it.
        self.responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
