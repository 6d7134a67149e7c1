//! The crate's one error type, and the conversion from the generated client's errors.
//! Owns how responses become errors; it never holds or prints the token.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::generated::types::{ErrorBody, ErrorFlag, FieldErrors};

/// How many characters of an unexpected body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Everything that can go wrong when calling the Groups API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status (4xx or 5xx).
    #[error(transparent)]
    Api(Box<ApiError>),

    /// An argument was rejected before any request was sent.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name, as the builder method that takes it.
        name: &'static str,
        /// Why it was rejected.
        reason: String,
    },

    /// The client could not be configured (missing variable, bad base URL, TLS setup).
    #[error("client configuration: {0}")]
    Config(String),

    /// The connect or request timeout elapsed.
    #[error("request timed out: {0}")]
    Timeout(#[source] reqwest::Error),

    /// The request failed before a complete response arrived (DNS, connect, reset, truncated body).
    #[error("transport error: {source}")]
    Transport {
        /// The request's method.
        method: Method,
        /// The status, when the response head had arrived before the failure.
        status: Option<StatusCode>,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A success response whose body is not what the spec describes.
    #[error("cannot decode the {} response: {detail}; body starts: {snippet:?}", DisplayStatus(*status))]
    Decode {
        /// The response's status, where known: the generated decoder does not say
        /// which of an operation's success statuses it was given (update: 200 or 201).
        status: Option<StatusCode>,
        /// What did not fit.
        detail: String,
        /// The first characters of the body.
        snippet: String,
    },

    /// The response body was larger than the configured limit.
    #[error("the {status} response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The response's status.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
    },

    /// Paging stopped because the server's answers could not be trusted to end.
    #[error("paging stopped: {0}")]
    Paging(String),

    /// A listing ended with fewer items than the server's last `total` said: items
    /// were missed (deleted or moved to an earlier page while the listing ran, or
    /// pages the server did not serve). It is the last item of the stream, after
    /// everything that did arrive; list again, or opt in to a short listing with
    /// [`Paginator::allow_incomplete`](crate::Paginator::allow_incomplete).
    #[error(
        "incomplete listing: got {got} of the {expected} items the server last counted \
         (pages fetched: {pages}); list again, or allow an incomplete listing"
    )]
    #[non_exhaustive]
    Incomplete {
        /// The `total` of the freshest page.
        expected: u64,
        /// The items got: those yielded (duplicates not counted) plus those in the
        /// pages before the stream's first page (counted as full pages).
        got: u64,
        /// The pages the stream fetched.
        pages: u64,
    },

    /// Rate limiting would hold the call past its throttle deadline
    /// ([`ClientBuilder::throttle_deadline`](crate::ClientBuilder::throttle_deadline)).
    /// Nothing already yielded is lost: in a listing the pages before `page` came
    /// through, and `.page(page)` resumes there.
    #[error("{}", rate_limited_message(*page, *waited, *deadline, *resume_at))]
    RateLimited {
        /// The page of a listing that could not be fetched, when the call was one.
        page: Option<u32>,
        /// How long the call had been held.
        waited: Duration,
        /// The deadline that would have passed.
        deadline: Duration,
        /// The last 429 the call received, if it received one (another request's
        /// 429 may have held it instead).
        last: Option<Box<ApiError>>,
        /// When requests may be sent again, as the pacer knows it (a 429's
        /// `Retry-After`, a spent quota window): call again then. `None`: not known.
        resume_at: Option<std::time::SystemTime>,
    },

    /// A read-modify-write gave up: each time, the read just before the PUT showed that
    /// someone else had changed the group, so the change was not sent (nothing was
    /// overwritten). See [`ClientBuilder::conflict_retries`](crate::ClientBuilder::conflict_retries).
    #[error(
        "group {group_id}: {change} not applied: the group changed on the server before \
         each of {attempts} attempts to write it"
    )]
    Conflict {
        /// The group's id.
        group_id: String,
        /// What could not be applied, e.g. `add members [7]`.
        change: String,
        /// How many times the change was planned and found stale.
        attempts: u32,
    },

    /// A read-modify-write wrote its change, but a read after it did not show it
    /// (another writer that read the group before our PUT wrote after it), and the
    /// change applied again to the fresh copy was still not shown, each time. The
    /// change may or may not be in place now: read the group. See
    /// [`ClientBuilder::conflict_retries`](crate::ClientBuilder::conflict_retries).
    #[error(
        "group {group_id}: {change} not confirmed: after each of {attempts} writes, a \
         later read showed {missing} (another writer overwrote it)"
    )]
    Unconfirmed {
        /// The group's id.
        group_id: String,
        /// What was applied, e.g. `add members [7]`.
        change: String,
        /// What the last read lacked, e.g. `members [7] missing`.
        missing: String,
        /// How many times the change was written.
        attempts: u32,
    },

    /// The coordinator ([`ClientBuilder::coordinator`](crate::ClientBuilder::coordinator))
    /// could not serve the group's lock or the shared quota; nothing was written.
    #[error("{0}")]
    Coordinator(#[from] crate::coordinator::CoordinatorError),
}

fn rate_limited_message(
    page: Option<u32>,
    waited: Duration,
    deadline: Duration,
    resume_at: Option<std::time::SystemTime>,
) -> String {
    let what = page.map_or_else(|| "the request".to_owned(), |n| format!("page {n}"));
    let resume = page.map_or_else(String::new, |n| format!("; resume with .page({n})"));
    // When the server takes requests again, in seconds from now and as a UTC time of day.
    let when = resume_at.map_or_else(String::new, |at| {
        let left = at
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default();
        let day = (at.duration_since(std::time::UNIX_EPOCH))
            .map(|d| d.as_secs() % 86_400)
            .unwrap_or(0);
        format!(
            "; the server takes requests again in {} s (at {:02}:{:02}:{:02} UTC)",
            left.as_secs(),
            day / 3600,
            day / 60 % 60,
            day % 60
        )
    });
    format!(
        "rate limited: {what} would be held past the throttle deadline of {} s \
         (held {} s){when}{resume}",
        deadline.as_secs_f64(),
        waited.as_secs()
    )
}

/// An error response from the API, with everything the six known body shapes carry.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The request's method.
    pub method: Method,
    /// The human-readable message (`message`, or `error.message`, or an `error` string).
    pub message: Option<String>,
    /// The machine-readable code (`code` or `error.code`), e.g. `RESOURCE_NOT_FOUND`.
    pub code: Option<String>,
    /// Field errors from a validation failure, field name → messages.
    pub field_errors: BTreeMap<String, Vec<String>>,
    /// The `X-Request-Id` header, to quote to Tallyfy support.
    pub request_id: Option<String>,
    /// The `Retry-After` header, in seconds or as an HTTP date.
    pub retry_after: Option<Duration>,
    /// The decoded body, when it was JSON of a known shape.
    pub body: Option<ErrorBody>,
    /// The first characters of a body that was not the JSON error shape (an HTML gateway page).
    pub snippet: Option<String>,
}

impl ApiError {
    /// Builds the error from a response's status, headers and (possibly undecodable) body.
    pub(crate) fn new(
        method: Method,
        status: StatusCode,
        headers: &HeaderMap,
        body: Option<ErrorBody>,
    ) -> Self {
        let mut error = ApiError {
            status,
            method,
            message: None,
            code: None,
            field_errors: BTreeMap::new(),
            request_id: header_str(headers, "x-request-id").map(str::to_owned),
            retry_after: crate::retry_after::read(headers, std::time::SystemTime::now).duration(),
            body: None,
            snippet: None,
        };
        if let Some(body) = body {
            error.absorb(&body);
            error.body = Some(body);
        }
        error
    }

    fn absorb(&mut self, body: &ErrorBody) {
        self.message = body.message.clone();
        self.code = body.code.clone();
        match &body.error {
            Some(ErrorFlag::ErrorDetail(detail)) => {
                self.message = self.message.take().or_else(|| detail.message.clone());
                self.code = self.code.take().or_else(|| detail.code.clone());
            }
            Some(ErrorFlag::String(name)) if self.message.is_none() => {
                self.message = Some(name.clone());
            }
            _ => {}
        }
        for (field, errors) in &body.errors {
            self.field_errors.insert(field.clone(), flatten(errors));
        }
    }

    /// Whether the retry policy sends such a request again: a 429 for every method,
    /// a 502, 503 or 504 for GET, HEAD, PUT and DELETE. (An error a client returns has
    /// already been retried as often as its policy allows.)
    pub fn is_retryable(&self) -> bool {
        crate::retry::retries_status(&self.method, self.status)
    }
}

fn flatten(errors: &FieldErrors) -> Vec<String> {
    match errors {
        FieldErrors::Array(list) => list.clone(),
        FieldErrors::String(one) => vec![one.clone()],
        FieldErrors::Object(map) => {
            let mut out = Vec::new();
            for (key, value) in map {
                collect_strings(key, value, &mut out);
            }
            out
        }
    }
}

fn collect_strings(key: &str, value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(format!("{key}: {s}")),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(key, v, out)),
        serde_json::Value::Object(map) => {
            for (inner, v) in map {
                collect_strings(&format!("{key}.{inner}"), v, out);
            }
        }
        other => out.push(format!("{key}: {other}")),
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        for (field, messages) in &self.field_errors {
            write!(f, "; {field}: {}", messages.join(" "))?;
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "; body starts: {snippet:?}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("method", &self.method)
            .field("message", &self.message)
            .field("code", &self.code)
            .field("field_errors", &self.field_errors)
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .field("snippet", &self.snippet)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for ApiError {}

impl Error {
    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::BodyTooLarge { status, .. } => Some(*status),
            Error::Decode { status, .. } | Error::Transport { status, .. } => *status,
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    /// Whether the retry policy sends such a request again, the same answer the
    /// client's own retries follow: a 429 for every method; a 502, 503 or 504 and a
    /// connection that could not be made for GET, HEAD, PUT and DELETE only (a POST
    /// that may have reached the server is never sent twice); never a timeout, a
    /// truncated body or a bad argument.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.is_retryable(),
            Error::Transport { method, source, .. } => {
                crate::retry::retries_transport(method, source)
            }
            // A 429 is retried for every method; this one outlasted the deadline.
            Error::RateLimited { .. } => true,
            _ => false,
        }
    }

    /// The API error details, when the API answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::RateLimited { last, .. } => last.as_deref(),
            _ => None,
        }
    }

    /// The listing page the error is about, when it is [`Error::RateLimited`] on one.
    pub fn page(&self) -> Option<u32> {
        match self {
            Error::RateLimited { page, .. } => *page,
            _ => None,
        }
    }

    /// Says which page of a listing a rate-limit error is about.
    pub(crate) fn on_page(mut self, number: u32) -> Self {
        if let Error::RateLimited { page, .. } = &mut self {
            page.get_or_insert(number);
        }
        self
    }

    /// Field errors of a validation failure (422), field name → messages; empty otherwise.
    pub fn field_errors(&self) -> &BTreeMap<String, Vec<String>> {
        static NONE: BTreeMap<String, Vec<String>> = BTreeMap::new();
        self.api().map_or(&NONE, |a| &a.field_errors)
    }

    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            reason: reason.into(),
        }
    }

    pub(crate) fn transport(
        method: Method,
        status: Option<StatusCode>,
        source: reqwest::Error,
    ) -> Self {
        if source.is_timeout() {
            Error::Timeout(source.without_url())
        } else {
            Error::Transport {
                method,
                status,
                source: source.without_url(),
            }
        }
    }
}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Error::Api(Box::new(api))
    }
}

/// Prints an optional status as the status or "success".
struct DisplayStatus(Option<StatusCode>);

impl fmt::Display for DisplayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(status) => status.fmt(f),
            None => f.write_str("success"),
        }
    }
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The first [`SNIPPET_CHARS`] characters of a body, lossily decoded.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
}
