//! The HTTP client of `spec-check --live`: GETs to the API with the token and
//! the API's headers, retried by the `credentials::RetryPolicy`, each response
//! kept raw (status and body, every attempt) for the checks. It is the
//! xtask's own, not the library's: the xtask must build and run when a spec
//! edit breaks the library it checks.
//!
//! Owns the transport: headers (`Authorization: Bearer`, `Accept:
//! application/json`, `X-Tallyfy-Client: APIClient`), TLS (rustls with ring
//! and the platform's roots, the library's choice), timeouts, the body cap,
//! no redirects (a 3xx is an answer to check, and the token never follows
//! one), and when to retry. Not what to call (`live`) nor where
//! (`credentials`). The token is only ever in a sensitive header value:
//! no `Debug`, error or message here shows it.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};

use crate::credentials::{LiveConfig, RetryPolicy, TALLYFY_CLIENT};

/// The largest body read; a longer one is a failure, not a response.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const USER_AGENT: &str = concat!("tallyfy-groups-xtask/", env!("CARGO_PKG_VERSION"));

/// One response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub status: u16,
    pub body: Vec<u8>,
}

/// What one call got: every response, in order (a retried call has more
/// than one), and why the last attempt got none, if it did not.
#[derive(Debug, Default)]
pub struct Exchange {
    pub responses: Vec<Received>,
    pub failure: Option<String>,
}

/// Sends GETs below one base URL.
pub struct Client {
    http: reqwest::Client,
    base: Url,
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`'s base URL and token. `Err` is a base URL the
    /// token may not go to, a token that cannot be a header, or TLS setup.
    pub fn new(config: &LiveConfig, retry: RetryPolicy) -> Result<Client, String> {
        let base = config.base_url()?;
        if base.cannot_be_a_base() {
            return Err(format!("base URL {base} cannot have a path"));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token()))
            .map_err(|_| "the access token is not a valid header value".to_string())?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, auth);
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert("x-tallyfy-client", HeaderValue::from_static(TALLYFY_CLIENT));
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .default_headers(headers)
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client { http, base, retry })
    }

    /// The URL of `segments` (each one path segment, percent-encoded) below
    /// the base, with `query`. `Err` for an empty, `.` or `..` segment,
    /// which would address another path.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, String> {
        let mut url = self.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| format!("base URL {} cannot have a path", self.base))?;
            path.pop_if_empty();
            for segment in segments {
                if segment.trim().is_empty() || *segment == "." || *segment == ".." {
                    return Err(format!("{segment:?} is not a valid path segment"));
                }
                path.push(segment);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// GETs `segments` with `query`, retrying as the policy allows.
    pub async fn get(&self, segments: &[&str], query: &[(&str, &str)]) -> Exchange {
        let mut exchange = Exchange::default();
        let url = match self.url(segments, query) {
            Ok(url) => url,
            Err(message) => {
                exchange.failure = Some(message);
                return exchange;
            }
        };
        let mut retries = 0;
        loop {
            let wait = match self.once(url.clone()).await {
                Ok((received, headers)) => {
                    let status = StatusCode::from_u16(received.status).ok();
                    exchange.responses.push(received);
                    exchange.failure = None;
                    if !status.is_some_and(retried_status) {
                        return exchange;
                    }
                    retry_after(&headers, SystemTime::now())
                        .map(|wait| wait.min(self.retry.max_retry_after))
                        .unwrap_or_else(|| self.backoff(retries))
                }
                Err(Failure { message, retry }) => {
                    exchange.failure = Some(message);
                    if !retry {
                        return exchange;
                    }
                    self.backoff(retries)
                }
            };
            if retries >= self.retry.max_retries {
                return exchange;
            }
            retries += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: the response and its headers, or why there is none.
    async fn once(&self, url: Url) -> Result<(Received, HeaderMap), Failure> {
        let mut response = self.http.get(url).send().await.map_err(|e| Failure {
            retry: e.is_connect(),
            message: format!("the request failed: {}", without_url(&e)),
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        return Err(Failure {
                            retry: false,
                            message: format!(
                                "the body of the {status} response is longer than \
                                 {MAX_BODY_BYTES} bytes"
                            ),
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(Failure {
                        retry: false,
                        message: format!(
                            "the body of the {status} response could not be read: {}",
                            without_url(&e)
                        ),
                    });
                }
            }
        }
        Ok((Received { status, body }, headers))
    }

    /// The wait before retry number `retries + 1` when the server gave no
    /// `Retry-After`: the initial delay doubled per retry, capped, plus jitter.
    fn backoff(&self, retries: u32) -> Duration {
        let policy = &self.retry;
        let delay = policy
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retries))
            .min(policy.max_delay);
        if policy.jitter {
            delay + delay.mul_f64(random_fraction())
        } else {
            delay
        }
    }
}

/// Why an attempt got no response, and whether trying again is safe.
struct Failure {
    message: String,
    retry: bool,
}

/// 429 (not processed), and 502, 503, 504 (safe for a GET).
fn retried_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// The wait a `Retry-After` header asks for (seconds or an HTTP date);
/// `None` when there is none or it does not parse.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// reqwest's message without the URL it appends (the URL is in the finding's
/// label already, and a base URL may carry more than it should).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" ({url})"), "");
        text = text.replace(url.as_str(), "the URL");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A number in [0, 1) that differs between calls (for jitter only).
fn random_fraction() -> f64 {
    let bits = RandomState::new().build_hasher().finish() >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// rustls with the ring provider and the platform's roots, TLS 1.2 and 1.3,
/// ALPN `http/1.1`; nothing process-wide is installed.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let failed = |e: rustls::Error| format!("cannot set up TLS: {e}");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(failed)?
        .with_platform_verifier()
        .map_err(failed)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        let config = LiveConfig::from_lookup(|name| {
            Some(match name {
                "TALLYFY_BASE_URL" => base.to_string(),
                _ => "token-9d1c".to_string(),
            })
        })
        .unwrap();
        let retry = RetryPolicy {
            jitter: false,
            ..crate::credentials::retry_policy()
        };
        Client::new(&config, retry).unwrap()
    }

    // Proves URLs are built below the base path with each segment encoded
    // (a `/` in an id cannot reach another path), a trailing `/` of the base
    // does not double, `..` is refused, and Debug shows no token.
    #[test]
    fn urls_stay_below_the_base() {
        let c = client("https://api.example.test/api/");
        let url = c.url(
            &["organizations", "o 1", "a/b"],
            &[("with", "assets,users")],
        );
        assert_eq!(
            url.unwrap().as_str(),
            "https://api.example.test/api/organizations/o%201/a%2Fb?with=assets%2Cusers"
        );
        assert!(c.url(&["organizations", ".."], &[]).is_err());
        assert!(c.url(&[""], &[]).is_err());
        assert!(!format!("{c:?}").contains("token-9d1c"));
    }

    // Proves Retry-After is read as seconds or as an HTTP date (a date in the
    // past is no wait), and garbage is no Retry-After at all.
    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let headers = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            h
        };
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            retry_after(&headers(" 7 "), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:50:07 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("-1"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    // Proves the backoff doubles from the initial delay and stops at the cap.
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = client("https://api.example.test");
        let waits: Vec<u64> = (0..4).map(|n| c.backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 10]);
    }
}
