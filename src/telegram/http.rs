//! HTTP for the two Bot API calls of every press (the card's edit and the
//! answer to the press, see `api::call_unread`): hyper's client itself,
//! not reqwest over it. On loopback reqwest spent about twice hyper's CPU
//! on each call (35–47 µs against 20–24, one small JSON POST and its
//! answer): it parses the URL three more times (building the request,
//! checking it for redirects, again for the response) and goes through
//! its layers of timeouts, redirects and proxies.
//!
//! The same connections as teloxide's own client make: HTTP/1.1, TLS by
//! rustls with the webpki roots (or plain HTTP to a local Bot API server),
//! no Nagle delay, 5 s to connect and 17 s for a whole call. reqwest also
//! goes through a proxy named in the environment; this client does not, so
//! where one is named every call stays with reqwest (see [`client`]).

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use teloxide::RequestError;

/// As teloxide's own client: `net::default_reqwest_settings`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const CALL_TIMEOUT: Duration = Duration::from_secs(17);

/// The variables reqwest reads a proxy from.
const PROXY_VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// A pool of kept-alive connections, shared by every call of the process.
pub(super) struct Http {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// The process's client; `None` where the environment names a proxy, which
/// only reqwest goes through. Made at the first call. A connection lives
/// in a task of the runtime that opened it; one whose runtime has ended
/// (a test's) is closed, and the pool does not hand it out again.
pub(super) fn client() -> Option<&'static Http> {
    static CLIENT: OnceLock<Option<Http>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            if proxy_named(|name| std::env::var_os(name)) {
                return None;
            }
            Http::new()
                .map_err(|e| log::warn!("the calls of a press stay with reqwest: {e}"))
                .ok()
        })
        .as_ref()
}

/// Whether any of [`PROXY_VARIABLES`] is set to something, as `var` reads
/// them.
fn proxy_named(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    PROXY_VARIABLES
        .iter()
        .any(|name| var(name).is_some_and(|v| !v.is_empty()))
}

impl Http {
    /// Fails only where rustls's ring provider offers no safe protocol
    /// version, which it does.
    pub(super) fn new() -> Result<Self, rustls::Error> {
        let mut tcp = HttpConnector::new();
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
        // The TLS layer above it takes https:// URLs.
        tcp.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
        Ok(Http { client })
    }

    /// POSTs `body` as JSON to `url` and reads the whole answer: its status
    /// and its body. A failure to connect, send or read, or no answer
    /// within [`CALL_TIMEOUT`], is an I/O error, which the caller retries;
    /// its text holds no part of the URL (the token is in its path).
    pub(super) async fn post_json(
        &self,
        url: &str,
        body: Vec<u8>,
    ) -> Result<(hyper::StatusCode, Bytes), RequestError> {
        let uri: hyper::Uri = url.parse().map_err(|e| io_error(&e))?;
        let request = hyper::Request::post(uri)
            .header(hyper::header::CONTENT_TYPE, JSON)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| io_error(&e))?;
        let call = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| io_error(&e))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| io_error(&e))?;
            Ok((status, body.to_bytes()))
        };
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(done) => done,
            Err(_) => Err(RequestError::Io(
                std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time").into(),
            )),
        }
    }
}

const JSON: hyper::header::HeaderValue =
    hyper::header::HeaderValue::from_static("application/json");

/// An I/O error that says what failed, with its causes.
fn io_error(e: &(dyn std::error::Error + 'static)) -> RequestError {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    RequestError::Io(std::io::Error::other(text).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_is_named_by_any_variable_reqwest_reads_and_not_by_an_empty_one() {
        fn named(set: &[(&str, &str)]) -> bool {
            proxy_named(|name| {
                set.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            })
        }
        assert!(!named(&[]));
        assert!(!named(&[("HTTPS_PROXY", "")]));
        assert!(!named(&[("NO_PROXY", "*")]));
        for name in PROXY_VARIABLES {
            assert!(named(&[(name, "http://proxy:3128")]), "{name}");
        }
    }
}
