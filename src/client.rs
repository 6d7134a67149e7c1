//! `Client` and `ClientBuilder`: configuration, header defaults, timeouts, and the
//! transport-safety check. Owns the token; never prints it.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::auth::Token;
use crate::capture::Capture;
use crate::coordinator::Coordinator;
use crate::core::{Core, Org};
use crate::error::Error;
use crate::generated::Client as RawClient;
use crate::generated::spec::{BASE_URL_DEFAULT, TALLYFY_CLIENT_DEFAULT, TALLYFY_CLIENT_HEADER};
use crate::groups::Groups;
use crate::pacing::RateLimiter;
use crate::request::{PerRequest, Settings};
use crate::retry::RetryPolicy;
use crate::validate;

/// The documented base URL of the Tallyfy API: the first of the spec's `servers`.
pub const DEFAULT_BASE_URL: &str = BASE_URL_DEFAULT;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// 8 MiB, far above any real Groups page.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
const THROTTLE_DEADLINE: Duration = Duration::from_secs(15 * 60);
const CONFLICT_RETRIES: u32 = 3;

/// Environment variable holding the access token.
pub const ENV_TOKEN: &str = "TALLYFY_ACCESS_TOKEN";
/// Environment variable holding the organisation id.
pub const ENV_ORG_ID: &str = "TALLYFY_ORG_ID";
/// Environment variable overriding the base URL.
pub const ENV_BASE_URL: &str = "TALLYFY_BASE_URL";

/// A client for one organisation's groups. Cheap to clone; clones share connections,
/// the rate limiter and the per-group write locks.
#[derive(Clone)]
pub struct Client {
    /// The core bound to the configured organisation.
    org: Org,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `TALLYFY_ACCESS_TOKEN`, `TALLYFY_ORG_ID` and the
    /// optional `TALLYFY_BASE_URL`.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The groups of the configured organisation.
    pub fn groups(&self) -> Groups {
        Groups::new(self.org.clone())
    }

    /// The groups of another organisation, with the same token and settings (and the
    /// same write locks and rate limiter).
    pub fn groups_of(&self, org_id: impl AsRef<str>) -> Groups {
        Groups::new(Org::new(self.org.core_arc(), org_id.as_ref()))
    }

    /// The configured organisation id.
    pub fn org_id(&self) -> &str {
        self.org.name()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(self.raw())
    }

    /// The generated client, for anything the typed layer does not cover. It carries
    /// the same headers, timeouts, retries and limits.
    pub fn raw(&self) -> &RawClient {
        self.org.core().raw()
    }

    /// The rate limiter pacing this client (shared with its clones): its
    /// [`stats`](RateLimiter::stats), the current pause, or to share it with another
    /// client through [`ClientBuilder::rate_limiter`].
    pub fn rate_limiter(&self) -> &RateLimiter {
        &progenitor_client::ClientInfo::inner(self.raw()).limiter
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("org_id", &self.org_id())
            .field("token", &Token::REDACTED)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]. Every setting but the token and organisation has a default.
#[derive(Clone)]
pub struct ClientBuilder {
    token: Option<Token>,
    org_id: Option<String>,
    base_url: String,
    user_agent: String,
    tallyfy_client: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
    allow_insecure_http: bool,
    extra_headers: Vec<(String, String)>,
    capture: Option<Capture>,
    http: Option<reqwest::Client>,
    limiter: Option<RateLimiter>,
    throttle_deadline: Duration,
    conflict_retries: u32,
    coordinator: Option<Coordinator>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            token: None,
            org_id: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            user_agent: concat!("tallyfy-groups/", env!("CARGO_PKG_VERSION")).to_string(),
            tallyfy_client: TALLYFY_CLIENT_DEFAULT.to_string(),
            connect_timeout: CONNECT_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            max_body_bytes: MAX_BODY_BYTES,
            allow_insecure_http: false,
            extra_headers: Vec::new(),
            capture: None,
            http: None,
            limiter: None,
            throttle_deadline: THROTTLE_DEADLINE,
            conflict_retries: CONFLICT_RETRIES,
            coordinator: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| Token::REDACTED))
            .field("org_id", &self.org_id)
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .field("tallyfy_client", &self.tallyfy_client)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field(
                "extra_headers",
                &self
                    .extra_headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("capture", &self.capture.is_some())
            .field("http_client", &self.http.is_some())
            .field("rate_limiter", &self.limiter)
            .field("throttle_deadline", &self.throttle_deadline)
            .field("conflict_retries", &self.conflict_retries)
            .field("coordinator", &self.coordinator)
            .finish()
    }
}

impl ClientBuilder {
    /// A builder filled from `TALLYFY_ACCESS_TOKEN`, `TALLYFY_ORG_ID` and `TALLYFY_BASE_URL`,
    /// for further settings before `build()`. Missing variables are named in the error.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut missing = Vec::new();
        let token = var(ENV_TOKEN);
        let org_id = var(ENV_ORG_ID);
        if token.is_none() {
            missing.push(ENV_TOKEN);
        }
        if org_id.is_none() {
            missing.push(ENV_ORG_ID);
        }
        if !missing.is_empty() {
            return Err(Error::Config(format!(
                "environment variable {} is not set",
                missing.join(" and ")
            )));
        }
        let mut builder = ClientBuilder {
            token: token.map(Token::new),
            org_id,
            ..ClientBuilder::default()
        };
        if let Some(url) = var(ENV_BASE_URL) {
            builder.base_url = url;
        }
        Ok(builder)
    }

    /// The bearer token (a personal access token or an application token).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Token::new(token.into()));
        self
    }

    /// The organisation whose groups [`Client::groups`] works on.
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// The base URL; default [`DEFAULT_BASE_URL`]. Tallyfy's own CLI uses `https://api.tallyfy.com`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The `User-Agent`; default `tallyfy-groups/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The `X-Tallyfy-Client` header; default `APIClient` (the spec's default).
    pub fn tallyfy_client(mut self, value: impl Into<String>) -> Self {
        self.tallyfy_client = value.into();
        self
    }

    /// How long to wait for a connection; default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, body included; default 30 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// When to retry; default [`RetryPolicy::default`]. [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body accepted; default 8 MiB.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Allows sending the token over plain `http://` to a host other than loopback.
    /// Off by default: anyone on the path could read the token.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Adds a header to every request (for a proxy, a test server's `Prefer`, …).
    /// It cannot replace `Authorization`; its value is never printed.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// Keeps a copy of every response this client receives in `capture` (see [`Capture`]).
    pub fn capture(mut self, capture: Capture) -> Self {
        self.capture = Some(capture);
        self
    }

    /// Sends through `http`, a `reqwest::Client` of your own (for a proxy, custom TLS
    /// roots, a shared connection pool). The crate then still sends its headers (the
    /// token, `Accept`, `X-Tallyfy-Client`, `User-Agent` and [`header`](Self::header)s)
    /// and the [`request_timeout`](Self::request_timeout) with every request, but no
    /// longer sets the connect timeout, TLS settings, proxy, redirect or pool
    /// behaviour: those are `http`'s own. (A default header `http` sets for one of
    /// the crate's header names is replaced.)
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Paces this client with `limiter`; default a [`RateLimiter::new`] of the
    /// client's own, shared by its clones. The one setting for rate limiting: give a
    /// [`RateLimiter::with_quota`] to declare a quota (Tallyfy publishes 100 per
    /// minute per organisation), the same limiter to several clients to share one
    /// (Tallyfy's quotas are per organisation and per user), or
    /// [`RateLimiter::unpaced`] to turn pacing off (a 429 is then retried by the
    /// [`RetryPolicy`] alone, using up its retries).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The longest one call may be held by rate limiting (pauses after 429s, pacing,
    /// waiting for a quota to reset, a long wait an hourly quota asks for) before it
    /// fails with [`Error::RateLimited`] (whose `resume_at` says when the server will
    /// take requests again); default 15 minutes. While paced, 429s do not
    /// use up the [`RetryPolicy`]'s retries; this deadline bounds them instead. Each
    /// page of a listing is one call: a listing fails only when one page is held
    /// this long, with the page's number in the error. The call fails as soon as a
    /// wait is known to end past the deadline, without sleeping through it.
    pub fn throttle_deadline(mut self, deadline: Duration) -> Self {
        self.throttle_deadline = deadline;
        self
    }

    /// How often a read-modify-write (`modify_membership`, the membership helpers, an
    /// `update` with unset fields, a sync's updates) re-applies its change when the
    /// read just before its PUT shows that someone else changed the group (then
    /// [`Error::Conflict`]), and, separately, when the read that confirms its PUT does
    /// not show the change (then [`Error::Unconfirmed`]); default 3. `0`: fail at the
    /// first change seen.
    pub fn conflict_retries(mut self, retries: u32) -> Self {
        self.conflict_retries = retries;
        self
    }

    /// Where the write locks of groups and the organisation's shared quota come from;
    /// default [`Coordinator::in_process`], this client's own (shared by its clones).
    /// With the `redis` feature, [`Coordinator::redis`] shares both with every
    /// process using the same Redis server: one read-modify-write (and plain PUT) per
    /// group at a time across all of them, and the organisation's quota, 429 pauses
    /// and the fixed windows learned from 429s paced together. The client's
    /// [`rate_limiter`](Self::rate_limiter) still paces this process on top.
    pub fn coordinator(mut self, coordinator: Coordinator) -> Self {
        self.coordinator = Some(coordinator);
        self
    }

    /// Checks the settings and builds the client. Sends nothing.
    pub fn build(self) -> Result<Client, Error> {
        let token = self.token.ok_or_else(|| {
            Error::Config(format!(
                "no access token: call .token(…) or set {ENV_TOKEN}"
            ))
        })?;
        let org_id = self.org_id.unwrap_or_default();
        validate::org_id(&org_id)?;
        // The spec declares the client header; its name comes from there.
        let client_header = header::HeaderName::from_static(TALLYFY_CLIENT_HEADER);
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        check_transport(&base_url, self.allow_insecure_http)?;

        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, token.header_value()?);
        // `Accept` is the generated code's, on every request.
        headers.insert(
            client_header,
            HeaderValue::from_str(&self.tallyfy_client)
                .map_err(|_| Error::invalid("tallyfy_client", "not a valid header value"))?,
        );
        for (name, value) in &self.extra_headers {
            let name = header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid("header", format!("{name:?} is not a header name")))?;
            if name == header::AUTHORIZATION {
                return Err(Error::invalid("header", "set the token with .token(…)"));
            }
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid("header", format!("the value of {name} is not valid"))
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::invalid("user_agent", "not a valid header value"))?;
        let (http, per_request) = match self.http {
            Some(http) => {
                headers.insert(header::USER_AGENT, user_agent);
                let per_request = PerRequest {
                    headers,
                    timeout: self.request_timeout,
                };
                (http, Some(per_request))
            }
            None => {
                let http = crate::tls::configure(reqwest::Client::builder())?
                    .default_headers(headers)
                    .user_agent(user_agent)
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.request_timeout)
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
                (http, None)
            }
        };
        let coordinator = self.coordinator.unwrap_or_default();
        let settings = Settings {
            retry: self.retry,
            max_body_bytes: self.max_body_bytes,
            capture: self.capture,
            per_request,
            limiter: self.limiter.unwrap_or_default(),
            throttle_deadline: self.throttle_deadline,
            coordinator: coordinator.clone(),
        };
        let raw = RawClient::new_with_client(&base_url, http, settings);
        let core = Arc::new(Core::new(raw, self.conflict_retries, coordinator));
        Ok(Client {
            org: Org::new(core, &org_id),
        })
    }
}

/// Refuses a base URL that would send the token in clear text to another machine.
fn check_transport(base_url: &str, allow_insecure_http: bool) -> Result<(), Error> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| Error::Config(format!("base URL {base_url:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(&url) => Ok(()),
        "http" => Err(Error::Config(format!(
            "refusing to send the token over plain http to {}; use https, or call \
             .allow_insecure_http(true) if you really mean it",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(Error::Config(format!(
            "base URL scheme {other:?} is not supported; use https"
        ))),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
