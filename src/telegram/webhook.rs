//! Webhook mode: an HTTP endpoint Telegram posts updates to. A request is
//! answered 200 only once its update is recorded in the database (the
//! inbox), so a crash after the answer loses nothing: what was recorded and
//! not yet taken is handled at the next start. A request without the
//! secret header is refused with 401 and not looked at; an update posted
//! twice is handled once. Stopping never calls deleteWebhook, so other
//! instances behind the same URL keep receiving.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use teloxide::stop::{mk_stop_token, StopToken};
use teloxide::types::Update;
use teloxide::update_listeners::{StatefulListener, UpdateListener};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

use crate::config::Webhook;
use crate::service::Service;

type Sender = mpsc::UnboundedSender<Result<Update, Infallible>>;

#[derive(Clone)]
struct Inbound {
    service: Arc<Service>,
    secret: Arc<str>,
    tx: Sender,
}

/// Equal without telling, by its timing, how much of a guess was right.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn posted(State(inbound): State<Inbound>, headers: HeaderMap, body: String) -> StatusCode {
    let given = headers
        .get("X-Telegram-Bot-Api-Secret-Token")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, inbound.secret.as_bytes()) {
        log::warn!("refused a webhook request without the right secret token");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_str(&body) {
        Ok(update) => update,
        Err(e) => {
            log::warn!("refused a webhook request that is not an update: {e}");
            return StatusCode::BAD_REQUEST;
        }
    };
    match inbound
        .service
        .storage()
        .record_update(i64::from(update.id.0), &body)
        .await
    {
        Ok(true) => {
            // The receiver goes only when the bot stops; the update is
            // recorded and will be handled at the next start.
            let _ = inbound.tx.send(Ok(update));
            StatusCode::OK
        }
        Ok(false) => {
            log::debug!(
                "update {} was posted before; not handled again",
                update.id.0
            );
            StatusCode::OK
        }
        Err(e) => {
            // Not recorded: Telegram is told to try again.
            log::error!("could not record update {}: {e}", update.id.0);
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Listens on `webhook.listen` for posts to the path of `webhook.url`, and
/// returns the updates as a listener for the dispatcher: first those
/// recorded before and not yet taken, then what comes. Fails at once if
/// the address can't be bound.
pub async fn listener(
    webhook: &Webhook,
    service: Arc<Service>,
) -> anyhow::Result<impl UpdateListener<Err = Infallible>> {
    let (tx, rx) = mpsc::unbounded_channel();
    for (id, body) in service.storage().untaken_updates().await? {
        match serde_json::from_str::<Update>(&body) {
            Ok(update) => {
                let _ = tx.send(Ok(update));
            }
            Err(e) => log::warn!("recorded update {id} does not parse ({e}); skipped"),
        }
    }
    let path = match webhook.url.path() {
        "" => "/".to_string(),
        path => path.to_string(),
    };
    let app = axum::Router::new()
        .route(&path, post(posted))
        .with_state(Inbound {
            service,
            secret: Arc::from(webhook.secret.expose()),
            tx,
        });
    let tcp = tokio::net::TcpListener::bind(webhook.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!("cannot listen on {} (WEBHOOK_LISTEN): {e}", webhook.listen)
        })?;
    // The address bound, not the one asked for: with port 0 the system
    // picks one, and the log is where it is found.
    let bound = tcp.local_addr().unwrap_or(webhook.listen);
    log::info!("webhook mode: listening on {bound} for {path}");
    let (stop_token, stop_flag) = mk_stop_token();
    tokio::spawn(async move {
        // Requests in flight are finished; then the router, and with it the
        // sender, goes, which ends the stream of updates.
        if let Err(e) = axum::serve(tcp, app)
            .with_graceful_shutdown(stop_flag)
            .await
        {
            log::error!("the webhook server failed: {e}");
        }
    });
    Ok(StatefulListener::new(
        (UnboundedReceiverStream::new(rx), stop_token),
        first_mut,
        |state: &mut (UnboundedReceiverStream<_>, StopToken)| state.1.clone(),
    ))
}

/// The stream half of the listener's state (a fn: a closure can't say
/// that the borrow it returns lives as long as the one it got).
fn first_mut<A, B>(state: &mut (A, B)) -> &mut A {
    &mut state.0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
        assert!(!same_secret(b"", b"abc"));
    }
}
