//! `steward connect --relay URL`: OAuth through the relay broker from a terminal. The
//! authorize URL is printed (and opened in the browser); the `steward://oauth/callback?…` link
//! comes back pasted on stdin, through `--callback` in a later run, or through the desktop app
//! (which shares the data directory and the pending flow): whichever arrives first wins.

use std::io::BufRead;
use std::time::Duration;

use anyhow::Context;
use steward_engine::clock;
use steward_engine::connection::{Connection, ConnectionInfo};
use steward_engine::oauth_connect;
use steward_engine::oauth_pending::PendingFlows;
use tokio::sync::mpsc;

use super::Env;
use crate::cli::ConnectArgs;
use crate::output;

/// Finishes a started flow with `link`.
pub async fn finish(env: &Env, link: &str) -> anyhow::Result<ConnectionInfo> {
    let flows = PendingFlows::for_store(&env.store);
    Ok(oauth_connect::finish_link(&env.settings, &flows, link).await?)
}

/// Starts the flow; returns the connection once the callback arrived (`None` with --no-wait).
pub async fn connect(
    env: &Env,
    relay: &str,
    args: &ConnectArgs,
) -> anyhow::Result<Option<ConnectionInfo>> {
    let flows = PendingFlows::for_store(&env.store);
    let start = oauth_connect::start(&env.settings, &flows, relay).await?;
    if args.no_wait && env.json {
        output::json(&start)?;
        return Ok(None);
    }
    println!("Open this URL in your browser to connect Steward to HubSpot:\n");
    println!("  {}\n", start.authorize_url);
    if !args.no_browser && open::that_detached(&start.authorize_url).is_err() {
        eprintln!("(could not open a browser: open the URL yourself)");
    }
    if args.no_wait {
        println!(
            "Then finish with: steward connect --callback 'steward://oauth/callback?…' (valid {} minutes)",
            start.expires_in / 60
        );
        return Ok(None);
    }
    println!(
        "After approving, paste the steward://oauth/callback?… link here and press Enter (or let the Steward app receive it):"
    );
    wait_for_callback(env, &flows, &start.state).await.map(Some)
}

async fn wait_for_callback(
    env: &Env,
    flows: &PendingFlows,
    state: &str,
) -> anyhow::Result<ConnectionInfo> {
    let mut lines = stdin_lines();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else {
                    anyhow::bail!(
                        "no callback link was pasted; finish later with `steward connect --callback LINK` or start again"
                    );
                };
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                return finish(env, line).await;
            }
            _ = tick.tick() => {
                // The app (or a `--callback` run) took the flow: report what it connected.
                if !flows.contains(state, clock::now_ms())? {
                    return env
                        .settings
                        .get::<Connection>()?
                        .context("the sign-in was taken by another Steward process but did not connect; start again");
                }
            }
        }
    }
}

/// Lines of stdin, read on a blocking thread; the channel closes at end of input.
fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    rx
}
