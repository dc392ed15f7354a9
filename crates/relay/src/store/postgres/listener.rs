//! LISTEN/NOTIFY: wakes this instance's long-polls when another instance ingests or redrives.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_util::sync::CancellationToken;

/// Keeps a dedicated connection listening on `channel` until `cancel` (reconnecting with
/// backoff); calls `wake(Some(portal))`
/// per notification and `wake(None)` after every (re)connect, since notifications sent while
/// disconnected are lost.
pub async fn run(
    config: tokio_postgres::Config,
    channel: String,
    wake: impl Fn(Option<i64>) + Send + Sync + 'static,
    cancel: CancellationToken,
) {
    let mut delay = Duration::from_millis(100);
    while !cancel.is_cancelled() {
        match listen_once(&config, &channel, &wake, &cancel).await {
            Ok(()) => return,
            Err(e) => tracing::warn!(error = %e, ?delay, "PostgreSQL listener lost, reconnecting"),
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    channel: &str,
    wake: &(impl Fn(Option<i64>) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<(), String> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(|e| e.to_string())?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(Ok(n.payload().to_owned())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN \"{channel}\""))
            .await
            .map_err(|e| e.to_string())?;
        wake(None);
        loop {
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                message = rx.recv() => match message {
                    Some(Ok(payload)) => wake(payload.parse().ok()),
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("connection closed".to_owned()),
                },
            }
        }
    }
    .await;
    driver.abort();
    result
}
